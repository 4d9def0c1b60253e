import { existsSync } from 'node:fs';
import { silentLogger } from '@genesis/mind-core';
import type { EmbeddingInfo, EmbeddingProvider, Logger, MemoryBackend, MemoryStore } from '@genesis/mind-core';
import { chromaDataDir } from './chroma-server';
import { createEmbeddingProvider, type EmbeddingConfig } from './embeddings/factory';
import { GLOVE_PROVIDER_NAME, GloveEmbeddingProvider } from './embeddings/glove';
import { HashEmbeddingProvider } from './embeddings/hash';
import { OpenAIEmbeddingProvider } from './embeddings/openai';
import { TransformersEmbeddingProvider } from './embeddings/transformers';
import { USE_PROVIDER_NAME, UseEmbeddingProvider } from './embeddings/use';
import { openMemoryTier, type MemoryTier } from './memory-tier';
import { ReconnectingMemoryStore } from './reconnecting-memory-store';

export interface ChromaMemoryOptions {
  /** The Genesis home: the embedded server keeps its data in `<home>/data/chroma`. */
  home: string;
  /** A running Chroma server; nothing is started. Default: the home's embedded server. */
  url?: string;
  /** Token for that server. */
  token?: string;
  /**
   * An embedding provider, or the settings of one. Default: the glove provider, its word-vector
   * cache in `<home>/cache` (models of the transformers provider in `<home>/models`).
   */
  embeddings?: EmbeddingProvider | EmbeddingConfig;
  startupTimeoutMs?: number;
  logger?: Logger;
}

/**
 * The memory tier of one home: connected (and the embedded server started) on first use only.
 * The store it hands out survives the loss of the server: a call that cannot reach Chroma drops
 * the connection and opens it again once (reusing a live server of the home, or starting one).
 */
export class ChromaMemoryBackend implements MemoryBackend {
  private embedder: Promise<EmbeddingProvider> | undefined;
  /** Providers of collections made by another provider than the configured one, by name and dimension. */
  private readonly previous = new Map<string, Promise<EmbeddingProvider | null>>();
  private tier: Promise<MemoryTier> | undefined;
  private readonly store: ReconnectingMemoryStore;
  private readonly log: Logger;

  constructor(private readonly options: ChromaMemoryOptions) {
    this.log = options.logger ?? silentLogger;
    this.store = new ReconnectingMemoryStore({
      current: async () => (await this.openTier()).store,
      replace: (failed, error) => this.replaceTier(failed, error),
    });
  }

  async connect(): Promise<{ store: MemoryStore; embedder: EmbeddingProvider }> {
    const embedder = await this.embedding();
    await this.openTier();
    return { store: this.store, embedder };
  }

  /**
   * Whether this home can hold memories: a remote server, a connection made, or the embedded
   * server's folder on disk. False means nothing was ever stored, and nothing needs starting.
   */
  mayHoldMemories(): boolean {
    return !!this.tier || !!this.options.url || existsSync(chromaDataDir(this.options.home));
  }

  async drop(ownerId: string): Promise<boolean> {
    if (!this.mayHoldMemories()) return false;
    const { store } = await this.connect();
    return store.drop(ownerId);
  }

  /**
   * The provider that made a collection's vectors: the configured one when name and dimension
   * match, else one built from the stored name (`hash` at the stored dimension, `glove-sif@1`, the
   * transformers model, an openai model at the configured url), made once per name. Null when it
   * cannot be made here: the Mind then needs `genesis memory reindex`.
   */
  async embedderFor(stored: EmbeddingInfo): Promise<EmbeddingProvider | null> {
    const configured = await this.embedding().catch((error: unknown) => {
      this.log.debug({ err: error }, 'the configured embedding provider is unavailable');
      return null;
    });
    if (configured && configured.name === stored.provider && configured.dimension === stored.dimension)
      return configured;
    const key = `${stored.provider}\u0000${stored.dimension}`;
    let made = this.previous.get(key);
    if (!made) {
      made = this.providerFor(stored).catch((error: unknown) => {
        this.log.warn(
          { provider: stored.provider, dimension: stored.dimension, err: error },
          'cannot make the embedding provider of stored memories',
        );
        this.previous.delete(key); // a later call may succeed (a model put in place, a server back)
        return null;
      });
      this.previous.set(key, made);
    }
    return made;
  }

  private async providerFor(stored: EmbeddingInfo): Promise<EmbeddingProvider | null> {
    const { home, embeddings } = this.options;
    const config: EmbeddingConfig = embeddings && !('embed' in embeddings) ? embeddings : {};
    const matches = (p: EmbeddingProvider) =>
      p.name === stored.provider && p.dimension === stored.dimension ? p : null;
    if (stored.provider === 'hash') return new HashEmbeddingProvider(stored.dimension);
    if (stored.provider === GLOVE_PROVIDER_NAME) {
      return matches(
        await GloveEmbeddingProvider.create({ cacheDir: config.cacheDir ?? `${home}/cache`, logger: this.log }),
      );
    }
    if (stored.provider === USE_PROVIDER_NAME) {
      return matches(
        await UseEmbeddingProvider.create({ cacheDir: config.cacheDir ?? `${home}/cache`, logger: this.log }),
      );
    }
    if (stored.provider === 'transformers:all-MiniLM-L6-v2') {
      return matches(
        await TransformersEmbeddingProvider.create({
          modelDir: config.modelDir ?? `${home}/models`,
          allowDownload: config.allowDownload ?? false,
        }),
      );
    }
    if (stored.provider.startsWith('openai:') && config.url) {
      return OpenAIEmbeddingProvider.create({
        baseUrl: config.url,
        model: stored.provider.slice('openai:'.length),
        ...(config.apiKey ? { apiKey: config.apiKey } : {}),
        dimension: stored.dimension,
      });
    }
    return null;
  }

  /** The URL of the Chroma server in use, once connected. */
  async serverUrl(): Promise<string | null> {
    return this.tier ? (await this.tier).url : null;
  }

  async close(): Promise<void> {
    if (!this.tier) return;
    const tier = this.tier;
    this.tier = undefined;
    // A connection that failed has nothing to close (its error was reported to whoever awaited it).
    const connected = await tier.catch((error: unknown) =>
      this.log.debug({ err: error }, 'memory tier never connected'),
    );
    await connected?.close();
  }

  private embedding(): Promise<EmbeddingProvider> {
    const { embeddings, home } = this.options;
    this.embedder ??= (async () =>
      embeddings && 'embed' in embeddings
        ? embeddings
        : createEmbeddingProvider(
            { modelDir: `${home}/models`, cacheDir: `${home}/cache`, ...embeddings },
            { logger: this.log },
          ))().catch((error: unknown) => {
      this.embedder = undefined;
      throw error;
    });
    return this.embedder;
  }

  private openTier(before?: () => Promise<void>): Promise<MemoryTier> {
    this.tier ??= (async () => {
      await before?.();
      const { home, url, token, startupTimeoutMs } = this.options;
      const tier = await openMemoryTier({
        home,
        ...(url ? { url } : {}),
        ...(token ? { token } : {}),
        ...(startupTimeoutMs ? { startupTimeoutMs } : {}),
        logger: this.log,
      });
      this.log.debug({ url: tier.url, started: tier.server?.started ?? false }, 'memory tier connected');
      return tier;
    })().catch((error: unknown) => {
      this.tier = undefined;
      throw error;
    });
    return this.tier;
  }

  /** Replaces the connection whose store is `failed`; concurrent callers share one replacement. */
  private async replaceTier(failed: MemoryStore, error: unknown): Promise<MemoryStore> {
    const current = await this.tier?.catch(() => undefined);
    if (current?.store === failed) {
      this.tier = undefined;
      this.log.warn({ url: current.url, err: error }, 'the Chroma server stopped answering: connecting again');
      // Our own server (if it was ours) is stopped first, so the new open finds the folder free.
      await this.openTier(() =>
        current
          .close()
          .catch((closeError: unknown) => this.log.debug({ err: closeError }, 'closing the lost connection failed')),
      );
    }
    return (await this.openTier()).store;
  }
}
