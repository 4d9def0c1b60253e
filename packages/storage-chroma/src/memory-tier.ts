import type { Logger } from '@genesis/mind-core';
import { ChromaMemoryStore } from './chroma-memory-store';
import { chromaDataDir, heartbeat, startEmbeddedChroma, type ChromaServerHandle } from './chroma-server';
import { MemoryTierError } from './errors';

export interface MemoryTierOptions {
  /** The Genesis home: the embedded server keeps its data in `<home>/data/chroma`. */
  home: string;
  /** A running Chroma server (GENESIS_CHROMA_URL); nothing is started. */
  url?: string;
  /** Token for that server (GENESIS_CHROMA_TOKEN). */
  token?: string;
  startupTimeoutMs?: number;
  logger?: Logger;
}

export interface MemoryTier {
  store: ChromaMemoryStore;
  url: string;
  server: ChromaServerHandle | null;
  close(): Promise<void>;
}

/** Connects the memory tier: the remote server when a URL is given, else the home's embedded one. */
export async function openMemoryTier(options: MemoryTierOptions): Promise<MemoryTier> {
  if (options.url) {
    if (!(await heartbeat(options.url.replace(/\/+$/, ''), 5000))) {
      throw new MemoryTierError(
        'CHROMA_UNAVAILABLE',
        `No Chroma server answers at ${options.url} (chroma.url / GENESIS_CHROMA_URL): check the address and that it is running.`,
      );
    }
    const store = new ChromaMemoryStore({
      url: options.url,
      ...(options.token ? { token: options.token } : {}),
      ...(options.logger ? { logger: options.logger } : {}),
    });
    return { store, url: options.url, server: null, close: async () => undefined };
  }
  const server = await startEmbeddedChroma({
    dataDir: chromaDataDir(options.home),
    ...(options.startupTimeoutMs ? { startupTimeoutMs: options.startupTimeoutMs } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
  });
  return {
    store: new ChromaMemoryStore({ url: server.url, ...(options.logger ? { logger: options.logger } : {}) }),
    url: server.url,
    server,
    close: () => server.close(),
  };
}
