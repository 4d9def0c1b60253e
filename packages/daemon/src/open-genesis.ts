import 'reflect-metadata';
import { MEMORY_BACKEND, MIND_OPTIONS, MindService, type EmbeddingProvider, type MemoryOptions, type Clock, type Mind, type MindRecord, type MindStats, type NewMindInput, type StoredConcern } from '@genesis/mind-core';
import type { EmbeddingConfig } from '@genesis/storage-chroma';
import { ChromaMemoryBackend } from './memory-backend';
import { openGenesisStorage } from './open-storage';

export interface OpenGenesisOptions {
  /** Default: GENESIS_HOME, else ~/.genesis. */
  home?: string;
  /** `postgres://…` to keep the SQL tier in PostgreSQL. Default: GENESIS_DATABASE_URL, else `<home>/genesis.db`. */
  databaseUrl?: string;
  /** A running Chroma server for the memory tier. Default: GENESIS_CHROMA_URL, else a local server started in `<home>/data/chroma` on first use. */
  chromaUrl?: string;
  /** Token for that server. Default: GENESIS_CHROMA_TOKEN. */
  chromaToken?: string;
  /** An embedding provider or its settings. Default: GENESIS_EMBEDDINGS (hash). */
  embeddings?: EmbeddingProvider | EmbeddingConfig;
  /** Near-duplicate threshold and ranking of memories. */
  memory?: MemoryOptions;
  /** Largest message content accepted, in bytes. Default 1 MB. */
  maxMessageBytes?: number;
  clock?: Clock;
}

export interface GenesisStats {
  home: string;
  database: string;
  minds: Array<MindStats | { gmid: string; name: string; jsonFile: string; error: string }>;
}

export interface Genesis {
  readonly home: string;
  createMind(input: NewMindInput): Promise<Mind>;
  loadMind(gmidOrPath: string): Promise<Mind>;
  listMinds(): Promise<MindRecord[]>;
  deleteMind(gmid: string): Promise<{ gmid: string; rowsDeleted: number; fileRemoved: boolean; memoriesDropped: boolean }>;
  /** Finds a concern by id across all Minds, with the Mind it belongs to. */
  findConcern(id: string): Promise<{ mind: Mind; concern: StoredConcern }>;
  stats(gmid: string): Promise<MindStats>;
  statsAll(): Promise<GenesisStats>;
  /** The Chroma server in use, once the memory tier was used. */
  memoryServerUrl(): Promise<string | null>;
  close(): Promise<void>;
}

/**
 * Opens Genesis on a home: the SQL tier (SQLite at `<home>/genesis.db`, or PostgreSQL), migrated,
 * and the JSON tier (`<home>/minds/`), composed in a tsyringe container.
 */
export async function openGenesis(options: OpenGenesisOptions = {}): Promise<Genesis> {
  const storage = await openGenesisStorage({
    ...(options.home !== undefined ? { home: options.home } : {}),
    ...(options.databaseUrl !== undefined ? { databaseUrl: options.databaseUrl } : {}),
    ...(options.clock !== undefined ? { clock: options.clock } : {}),
  });
  const memory = new ChromaMemoryBackend({
    home: storage.home,
    ...(options.chromaUrl !== undefined ? { chromaUrl: options.chromaUrl } : {}),
    ...(options.chromaToken !== undefined ? { chromaToken: options.chromaToken } : {}),
    ...(options.embeddings !== undefined ? { embeddings: options.embeddings } : {}),
  });
  storage.container.registerInstance(MEMORY_BACKEND, memory);
  storage.container.registerInstance(MIND_OPTIONS, {
    home: storage.home,
    ...(options.maxMessageBytes !== undefined ? { maxMessageBytes: options.maxMessageBytes } : {}),
    ...(options.memory !== undefined ? { memory: options.memory } : {}),
  });
  const minds = storage.container.resolve(MindService);
  return {
    home: storage.home,
    createMind: (input) => minds.createMind(input),
    loadMind: (gmidOrPath) => minds.loadMind(gmidOrPath),
    listMinds: () => minds.listMinds(),
    deleteMind: (gmid) => minds.deleteMind(gmid),
    findConcern: (id) => minds.findConcern(id),
    stats: (gmid) => minds.stats(gmid),
    async statsAll() {
      const all = await minds.listMinds();
      const stats: GenesisStats['minds'] = [];
      for (const m of all) {
        // One unreadable Mind file must not hide the others: it is reported with its error.
        stats.push(await minds.stats(m.gmid).catch((error: Error) => ({ gmid: m.gmid, name: m.name, jsonFile: m.jsonPath, error: error.message })));
      }
      return { home: storage.home, database: storage.db.location, minds: stats };
    },
    memoryServerUrl: () => memory.serverUrl(),
    async close() {
      await memory.close();
      await storage.close();
    },
  };
}
