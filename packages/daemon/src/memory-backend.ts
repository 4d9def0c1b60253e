import { existsSync } from 'node:fs';
import type { EmbeddingProvider, MemoryBackend, MemoryStore } from '@genesis/mind-core';
import { chromaDataDir, createEmbeddingProvider, embeddingConfigFromEnv, openMemoryTier, type EmbeddingConfig, type MemoryTier } from '@genesis/storage-chroma';

export interface MemoryBackendOptions {
  home: string;
  /** A remote Chroma server; default GENESIS_CHROMA_URL, else the home's embedded server. */
  chromaUrl?: string;
  chromaToken?: string;
  /** An embedding provider, or settings for one; default from GENESIS_EMBEDDINGS (hash). */
  embeddings?: EmbeddingProvider | EmbeddingConfig;
}

/** The memory tier of one home: connected (and the embedded server started) on first use only. */
export class ChromaMemoryBackend implements MemoryBackend {
  private connecting: Promise<{ store: MemoryStore; embedder: EmbeddingProvider; tier: MemoryTier }> | undefined;
  private readonly url: string | undefined;

  constructor(private readonly options: MemoryBackendOptions) {
    this.url = options.chromaUrl ?? (process.env.GENESIS_CHROMA_URL || undefined);
  }

  connect(): Promise<{ store: MemoryStore; embedder: EmbeddingProvider }> {
    this.connecting ??= (async () => {
      const e = this.options.embeddings;
      const embedder = e && 'embed' in e ? e : await createEmbeddingProvider({ ...embeddingConfigFromEnv(this.options.home), ...(e ?? {}) });
      const token = this.options.chromaToken ?? (process.env.GENESIS_CHROMA_TOKEN || undefined);
      const tier = await openMemoryTier({ home: this.options.home, ...(this.url ? { url: this.url } : {}), ...(token ? { token } : {}) });
      return { store: tier.store, embedder, tier };
    })().catch((error: unknown) => {
      this.connecting = undefined;
      throw error;
    });
    return this.connecting;
  }

  async drop(ownerId: string): Promise<boolean> {
    if (!this.connecting && !this.url && !existsSync(chromaDataDir(this.options.home))) return false;
    const { store } = await this.connect();
    return store.drop(ownerId);
  }

  /** The URL of the Chroma server in use, once connected. */
  async serverUrl(): Promise<string | null> {
    return this.connecting ? (await this.connecting).tier.url : null;
  }

  async close(): Promise<void> {
    if (!this.connecting) return;
    const connected = await this.connecting.catch(() => undefined);
    this.connecting = undefined;
    await connected?.tier.close();
  }
}
