import type { EmbeddingProvider, Logger } from '@genesis/mind-core';
import { MemoryTierError } from '../errors';
import { GloveEmbeddingProvider } from './glove';
import { HashEmbeddingProvider } from './hash';
import { OpenAIEmbeddingProvider } from './openai';
import { TransformersEmbeddingProvider } from './transformers';
import { UseEmbeddingProvider } from './use';

export type EmbeddingProviderName = 'glove' | 'use' | 'hash' | 'transformers' | 'openai';

/** The provider of new homes: offline, semantic, nothing to download beyond the npm install. */
export const DEFAULT_EMBEDDING_PROVIDER: EmbeddingProviderName = 'use';

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
  /** glove, use: folder of the word-vector cache (default `<home>/cache`; the file goes in `embeddings/`). */
  cacheDir?: string;
}

export interface EmbeddingRuntime {
  /** Told about a first-use cache build (glove) and its progress. */
  logger?: Logger;
}

export async function createEmbeddingProvider(
  config: EmbeddingConfig,
  runtime: EmbeddingRuntime = {},
): Promise<EmbeddingProvider> {
  switch (config.provider ?? DEFAULT_EMBEDDING_PROVIDER) {
    case 'glove':
      return withDimension(await GloveEmbeddingProvider.create(offlineOptions(config, runtime)), 'glove', config);
    case 'use':
      return withDimension(await UseEmbeddingProvider.create(offlineOptions(config, runtime)), 'use', config);
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
        `Unknown embedding provider ${JSON.stringify(config.provider)}: use glove, use, hash, transformers or openai (embeddings.provider / GENESIS_EMBEDDINGS).`,
        { field: 'embeddings.provider' },
      );
  }
}

/** What the offline providers (glove, use) are made with: their cache folder and the logger. */
function offlineOptions(config: EmbeddingConfig, runtime: EmbeddingRuntime) {
  return { cacheDir: config.cacheDir ?? 'cache', ...(runtime.logger ? { logger: runtime.logger } : {}) };
}

/** A provider of a fixed dimension, refused when the configuration asks for another one. */
function withDimension(provider: EmbeddingProvider, name: string, config: EmbeddingConfig): EmbeddingProvider {
  if (config.dimension !== undefined && config.dimension !== provider.dimension) {
    throw new MemoryTierError(
      'EMBEDDING_MISMATCH',
      `The ${name} embedding provider makes vectors of ${provider.dimension} dimensions, not ${config.dimension}: remove embeddings.dimension (GENESIS_EMBEDDINGS_DIMENSION) or choose the hash provider.`,
      { field: 'embeddings.dimension' },
    );
  }
  return provider;
}
