import { existsSync } from 'node:fs';
import { silentLogger } from '@genesis/mind-core';
import type { EmbeddingProvider, Logger, MemoryBackend, MemoryStore } from '@genesis/mind-core';
import { chromaDataDir } from './chroma-server';
import { createEmbeddingProvider, type EmbeddingConfig } from './embeddings/factory';
import { openMemoryTier, type MemoryTier } from './memory-tier';

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

/** The memory tier of one home: connected (and the embedded server started) on first use only. */
export class ChromaMemoryBackend implements MemoryBackend {
  private connecting: Promise<{ store: MemoryStore; embedder: EmbeddingProvider; tier: MemoryTier }> | undefined;
  private readonly log: Logger;

  constructor(private readonly options: ChromaMemoryOptions) {
    this.log = options.logger ?? silentLogger;
  }

  connect(): Promise<{ store: MemoryStore; embedder: EmbeddingProvider }> {
    this.connecting ??= (async () => {
      const { embeddings, home, url, token, startupTimeoutMs } = this.options;
      const embedder =
        embeddings && 'embed' in embeddings
          ? embeddings
          : await createEmbeddingProvider({ modelDir: `${home}/models`, ...embeddings });
      const tier = await openMemoryTier({
        home,
        ...(url ? { url } : {}),
        ...(token ? { token } : {}),
        ...(startupTimeoutMs ? { startupTimeoutMs } : {}),
        logger: this.log,
      });
      this.log.debug({ url: tier.url, embeddings: embedder.name }, 'memory tier connected');
      return { store: tier.store, embedder, tier };
    })().catch((error: unknown) => {
      this.connecting = undefined;
      throw error;
    });
    return this.connecting;
  }

  async drop(ownerId: string): Promise<boolean> {
    if (!this.connecting && !this.options.url && !existsSync(chromaDataDir(this.options.home))) return false;
    const { store } = await this.connect();
    return store.drop(ownerId);
  }

  /** The URL of the Chroma server in use, once connected. */
  async serverUrl(): Promise<string | null> {
    return this.connecting ? (await this.connecting).tier.url : null;
  }

  async close(): Promise<void> {
    if (!this.connecting) return;
    const connecting = this.connecting;
    this.connecting = undefined;
    // A connection that failed has nothing to close (its error was reported to whoever awaited it).
    const connected = await connecting.catch((error: unknown) =>
      this.log.debug({ err: error }, 'memory tier never connected'),
    );
    await connected?.tier.close();
  }
}
