import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { EmbeddingProvider } from '@genesis/mind-core';
import { MemoryTierError } from '../errors';

export const MINILM_MODEL = 'Xenova/all-MiniLM-L6-v2';

export interface TransformersEmbeddingOptions {
  /** Folder holding `Xenova/all-MiniLM-L6-v2/` (config, tokenizer and onnx/model.onnx). */
  modelDir: string;
  model?: string;
  /** Let transformers.js download a missing model from its hub. Default false: never hang offline. */
  allowDownload?: boolean;
}

type Extractor = (
  texts: string[],
  options: { pooling: 'mean'; normalize: boolean },
) => Promise<{ tolist(): number[][] }>;

/** all-MiniLM-L6-v2 (384 dimensions) through transformers.js, from a local model folder. */
export class TransformersEmbeddingProvider implements EmbeddingProvider {
  readonly name = 'transformers:all-MiniLM-L6-v2';
  readonly dimension = 384;

  private constructor(private readonly extractor: Extractor) {}

  /** Where the model must be for `create()` to work offline. */
  static modelPath(options: TransformersEmbeddingOptions): string {
    return join(options.modelDir, options.model ?? MINILM_MODEL);
  }

  static async create(options: TransformersEmbeddingOptions): Promise<TransformersEmbeddingProvider> {
    const model = options.model ?? MINILM_MODEL;
    const path = TransformersEmbeddingProvider.modelPath(options);
    if (
      !options.allowDownload &&
      !existsSync(join(path, 'onnx', 'model.onnx')) &&
      !existsSync(join(path, 'onnx', 'model_quantized.onnx'))
    ) {
      throw new MemoryTierError(
        'EMBEDDING_UNAVAILABLE',
        `The ${model} model is not in ${path}. Put its files there (config.json, tokenizer.json, onnx/model.onnx — e.g. copied from a machine ` +
          'that downloaded it), set GENESIS_TRANSFORMERS_ALLOW_DOWNLOAD=1 on a machine that can reach the model hub, or use GENESIS_EMBEDDINGS=hash.',
      );
    }
    let transformers: {
      pipeline: (task: string, model: string, options?: object) => Promise<Extractor>;
      env: Record<string, unknown>;
    };
    try {
      // An optional dependency: loaded only when this provider is chosen.
      transformers = await (new Function('m', 'return import(m)') as (m: string) => Promise<typeof transformers>)(
        '@huggingface/transformers',
      );
    } catch (cause) {
      throw new MemoryTierError(
        'EMBEDDING_UNAVAILABLE',
        'The transformers provider needs the @huggingface/transformers package: install it next to Genesis (pnpm add @huggingface/transformers), or use GENESIS_EMBEDDINGS=hash.',
        { cause },
      );
    }
    transformers.env.localModelPath = options.modelDir;
    transformers.env.allowRemoteModels = options.allowDownload ?? false;
    transformers.env.allowLocalModels = true;
    const extractor = await transformers.pipeline('feature-extraction', model);
    return new TransformersEmbeddingProvider(extractor);
  }

  async embed(texts: string[]): Promise<number[][]> {
    const output = await this.extractor(texts, { pooling: 'mean', normalize: true });
    return output.tolist();
  }
}
