import type { EmbeddingProvider } from '@genesis/mind-core';
import { MemoryTierError } from '../errors';
import { HashEmbeddingProvider } from './hash';
import { OpenAIEmbeddingProvider } from './openai';
import { TransformersEmbeddingProvider } from './transformers';

export type EmbeddingProviderName = 'hash' | 'transformers' | 'openai';

export interface EmbeddingConfig {
  provider?: EmbeddingProviderName;
  /** hash: vector size (default 384). openai: known dimension (else probed). */
  dimension?: number;
  /** openai: base URL; model; key. */
  url?: string;
  model?: string;
  apiKey?: string;
  /** transformers: model folder (default `<home>/models`); allow download. */
  modelDir?: string;
  allowDownload?: boolean;
}

export async function createEmbeddingProvider(config: EmbeddingConfig): Promise<EmbeddingProvider> {
  switch (config.provider ?? 'hash') {
    case 'hash':
      return new HashEmbeddingProvider(config.dimension ?? 384);
    case 'openai':
      if (!config.url || !config.model) {
        throw new MemoryTierError(
          'EMBEDDING_UNAVAILABLE',
          'The openai embedding provider needs a url (embeddings.url / GENESIS_EMBEDDINGS_URL, e.g. https://api.openai.com/v1) and a model (embeddings.model / GENESIS_EMBEDDINGS_MODEL).',
        );
      }
      return OpenAIEmbeddingProvider.create({
        baseUrl: config.url,
        model: config.model,
        ...(config.apiKey ? { apiKey: config.apiKey } : {}),
        ...(config.dimension ? { dimension: config.dimension } : {}),
      });
    case 'transformers':
      return TransformersEmbeddingProvider.create({
        modelDir: config.modelDir ?? 'models',
        ...(config.model ? { model: config.model } : {}),
        allowDownload: config.allowDownload ?? false,
      });
    default:
      throw new MemoryTierError(
        'EMBEDDING_UNAVAILABLE',
        `Unknown embedding provider ${JSON.stringify(config.provider)}: use hash, transformers or openai (embeddings.provider / GENESIS_EMBEDDINGS).`,
      );
  }
}
