import { existsSync } from 'node:fs';
import { silentLogger } from '@genesis/mind-core';
import type { EmbeddingProvider, Logger, MemoryBackend, MemoryStore } from '@genesis/mind-core';
import { chromaDataDir } from './chroma-server';
import { createEmbeddingProvider, type EmbeddingConfig } from './embeddings/factory';
import { openMemoryTier, type MemoryTier } from './memory-tier';
import { ReconnectingMemoryStore } from './reconnecting-memory-store';

export interface ChromaMemoryOptions {
  /** The Genesis home: the embedded server keeps its data in `<home>/data/chroma`. */
  home: string;
  /** A running Chroma server; nothing is started. Default: the home's embedded server. */
  url?: string;
  /** Token for that server. */
  token?: string;
  /** An embedding provider, or the settings of one. Default: the hash provider. */
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

  async drop(ownerId: string): Promise<boolean> {
    if (!this.tier && !this.options.url && !existsSync(chromaDataDir(this.options.home))) return false;
    const { store } = await this.connect();
    return store.drop(ownerId);
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
        : createEmbeddingProvider({ modelDir: `${home}/models`, ...embeddings }))().catch((error: unknown) => {
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
