import { MindService } from '@genesis/mind-core';
import type { Clock, EmbeddingProvider, Logger, Mind, MindStats, NewMindInput } from '@genesis/mind-core';
import type { RegisteredMind, StoredConcern } from '@genesis/mind-core';
import type { SqlDialect } from '@genesis/storage-sqlite';
import { resolveConfig, type GenesisConfig, type GenesisConfigInput } from './config';
import { composeGenesis } from './container';

export interface OpenGenesisOptions extends GenesisConfigInput {
  /** A configuration already resolved (by `resolveConfig`): used as it is, nothing else is read. */
  config?: GenesisConfig;
  /** A running Chroma server for the memory tier (same as `chroma.url`). */
  chromaUrl?: string;
  /** Token for that server (same as `chroma.token`). */
  chromaToken?: string;
  /** An embedding provider instance, or settings for the configured one. */
  embeddings?: EmbeddingProvider | Partial<GenesisConfig['embeddings']>;
  clock?: Clock;
  /** Where Genesis logs (a pino logger fits). Default: silent. */
  logger?: Logger;
  /** Apply pending migrations on open. Default true. */
  migrate?: boolean;
  /** The environment to read GENESIS_* from. Default: `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** A config file. Default: GENESIS_CONFIG, else `<home>/genesis.config.json` when present. */
  configFile?: string;
}

export interface GenesisStats {
  home: string;
  database: string;
  minds: Array<MindStats | { gmid: string; name: string; jsonFile: string; error: string }>;
}

export interface GenesisStatus {
  home: string;
  database: string;
  dialect: SqlDialect;
  migrations: { applied: string[]; pending: string[]; appliedNow: string[] };
  rows: Record<string, number>;
}

export interface Genesis {
  readonly home: string;
  /** The SQLite file, or the PostgreSQL URL with its password hidden. */
  readonly database: string;
  readonly config: GenesisConfig;
  createMind(input: NewMindInput): Promise<Mind>;
  /** A Mind of this home by its GMID. */
  loadMind(gmid: string): Promise<Mind>;
  /** A Mind from a file anywhere (e.g. an old-format file to bring into this home). */
  loadMindFile(path: string): Promise<Mind>;
  listMinds(): Promise<RegisteredMind[]>;
  deleteMind(
    gmid: string,
  ): Promise<{ gmid: string; rowsDeleted: number; fileRemoved: boolean; memoriesDropped: boolean }>;
  /** Finds a concern by id across all Minds, with the Mind it belongs to. */
  findConcern(id: string): Promise<{ mind: Mind; concern: StoredConcern }>;
  stats(gmid: string): Promise<MindStats>;
  statsAll(): Promise<GenesisStats>;
  /** Applies pending migrations; returns the names of those applied. */
  migrate(): Promise<string[]>;
  /** The database, its migrations and its row counts. */
  status(): Promise<GenesisStatus>;
  /** The Chroma server in use, once the memory tier was used. */
  memoryServerUrl(): Promise<string | null>;
  close(): Promise<void>;
}

/**
 * Opens Genesis on a home: the configuration resolved once (options > GENESIS_* > config file >
 * defaults), the SQL tier (SQLite at `<home>/genesis.db`, or PostgreSQL) migrated, the JSON tier
 * (`<home>/minds/`) and the memory tier (Chroma, started on first use), composed in a container.
 */
export async function openGenesis(options: OpenGenesisOptions = {}): Promise<Genesis> {
  const {
    config: resolved,
    chromaUrl,
    chromaToken,
    embeddings,
    clock,
    logger,
    migrate,
    env,
    configFile,
    ...input
  } = options;
  const provider = embeddings && 'embed' in embeddings ? embeddings : undefined;
  const config =
    resolved ??
    resolveConfig({
      overrides: {
        ...input,
        chroma: {
          ...input.chroma,
          ...(chromaUrl !== undefined ? { url: chromaUrl } : {}),
          ...(chromaToken !== undefined ? { token: chromaToken } : {}),
        },
        ...(embeddings && !provider ? { embeddings } : {}),
      },
      ...(env ? { env } : {}),
      ...(configFile ? { configFile } : {}),
    });
  const composed = await composeGenesis(config, {
    ...(clock ? { clock } : {}),
    ...(logger ? { logger } : {}),
    ...(provider ? { embeddings: provider } : {}),
    ...(migrate === false ? { migrate: false } : {}),
  });
  const { db } = composed;
  const minds = composed.container.resolve(MindService);
  return {
    home: config.home,
    database: db.location,
    config,
    createMind: (mind) => minds.createMind(mind),
    loadMind: (gmid) => minds.loadMind(gmid),
    loadMindFile: (path) => minds.loadMindFile(path),
    listMinds: () => minds.listMinds(),
    deleteMind: (gmid) => minds.deleteMind(gmid),
    findConcern: (id) => minds.findConcern(id),
    stats: (gmid) => minds.stats(gmid),
    async statsAll() {
      const all = await minds.listMinds();
      const stats: GenesisStats['minds'] = [];
      for (const m of all) {
        // One unreadable Mind file must not hide the others: it is reported with its error.
        stats.push(
          await minds
            .stats(m.gmid)
            .catch((error: Error) => ({ gmid: m.gmid, name: m.name, jsonFile: m.jsonPath, error: error.message })),
        );
      }
      return { home: config.home, database: db.location, minds: stats };
    },
    migrate: () => db.migrate(),
    async status() {
      const [applied, pending, rows] = await Promise.all([
        db.appliedMigrations(),
        db.pendingMigrations(),
        db.tableCounts(),
      ]);
      return {
        home: config.home,
        database: db.location,
        dialect: db.dialect,
        migrations: { applied, pending, appliedNow: composed.migrationsApplied },
        rows,
      };
    },
    memoryServerUrl: () => composed.memory.serverUrl(),
    close: () => composed.close(),
  };
}
