import { CLOCK, LOGGER, MIND_LEASE_STORE, MIND_REGISTRY, MindService, SCHEDULE_STORE } from '@genesis/mind-core';
import { migrateHome, type MigrateHomeOptions } from '../home-migration/home-migrator';
import type { HomeMigrationReport } from '../home-migration/report';
import { ScheduleManager } from '@genesis/mind-core';
import { GenesisError, nonEmptyText, TASK_HANDLERS, TASK_NOTIFIER, TASK_STORE, UNIT_OF_WORK } from '@genesis/mind-core';
import type { MindLease, StoredSchedule, StoredTask, TaskStatus } from '@genesis/mind-core';
import type { Clock, EmbeddingProvider, Logger, Mind, MindStats, NewMindInput } from '@genesis/mind-core';
import type { RegisteredMind, StoredConcern } from '@genesis/mind-core';
import type { SqlDialect } from '@genesis/storage-sqlite';
import { legacyTables, type LegacyTable } from '@genesis/storage-sqlite';
import { resolveConfig, type GenesisConfig, type GenesisConfigInput } from './config';
import { composeGenesis } from './container';
import { createGenesisRetention, type GenesisRetention } from './retention';
import { GenesisDaemon, type DaemonOptions } from '../runtime/genesis-daemon';
import { CONCERN_STORE, MESSAGE_STORE, RELATIONSHIP_STORE } from '@genesis/mind-core';
import { FOLLOW_UP_TASK } from '../runtime/follow-ups';
import {
  ENVIRONMENT_STORE,
  MEMORY_BACKEND,
  MEMORY_CATALOG,
  MIND_DOCUMENT_STORE,
  MindExporter,
  MindImporter,
} from '@genesis/mind-core';
import { RECORD_STORE } from '@genesis/mind-core';
import type { ExportMindOptions, ExportTarget, ImportMindOptions, MindExportSummary } from '@genesis/mind-core';
import type { MindImportReport, MindTransferPorts } from '@genesis/mind-core';
import type { ComposedGenesis } from './container';
import { followUpSettings } from './follow-up-config';
import { MAINTENANCE_TASKS } from './retention-config';
import { API_TOKEN_STORE } from '@genesis/mind-core';
import { ApiTokens } from './api-tokens';
import type { GenesisEventListener } from './genesis-events';
import { genesisHealth, type GenesisHealth } from './health';

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
  /**
   * Tables an earlier (Python) Genesis left in this database, moved aside as `python_*` with their
   * rows untouched (empty when there are none). Always set by `Genesis.status()`.
   */
  legacy?: LegacyTable[];
}

export interface RuntimeStatus {
  /** Who drives which Mind (leases, held or expired). */
  leases: MindLease[];
  /** Tasks per status, over every Mind. */
  tasks: Record<TaskStatus, number>;
  /** The next schedules to fire, soonest first. */
  nextSchedules: StoredSchedule[];
  /** The most recent dead tasks, with their last error. */
  dead: StoredTask[];
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
  /** Finds a task by id across all Minds, with the Mind it belongs to. */
  findTask(id: string): Promise<{ mind: Mind; task: StoredTask }>;
  /** The daemon's own schedules: each slot enqueues its task once for every Mind of the home. */
  readonly schedules: ScheduleManager;
  /** Retention: the home's policies (each Mind may override them), applied now with `apply()`. */
  readonly retention: GenesisRetention;
  /** The daemons' view of this home: leases, task counts, next schedules, recent dead tasks. */
  runtimeStatus(): Promise<RuntimeStatus>;
  stats(gmid: string): Promise<MindStats>;
  statsAll(): Promise<GenesisStats>;
  /** Applies pending migrations; returns the names of those applied. */
  migrate(): Promise<string[]>;
  /** The database, its migrations and its row counts. */
  status(): Promise<GenesisStatus>;
  /**
   * Starts the 24/7 runtime in this process: holds the Minds (one daemon per Mind), runs their
   * tasks and fires their schedules until `stop()`.
   */
  startDaemon(options?: DaemonOptions): Promise<GenesisDaemon>;
  /** The Chroma server in use, once the memory tier was used. */
  memoryServerUrl(): Promise<string | null>;
  /**
   * Hears what happens in this process — messages and memories added, searches, tasks enqueued and
   * finished by a daemon started here, follow-ups delivered (see `GenesisEvent`); returns the unsubscribe.
   */
  onEvent(listener: GenesisEventListener): () => void;
  /** Whether the SQL tier answers, and the memory tier's Chroma (not started yet: it starts on first use). */
  health(): Promise<GenesisHealth>;
  /**
   * Writes the portable document of a Mind (JSON Lines: identity, messages, concerns, tasks,
   * schedules, records, relationships, environments, memories with their text) to a file or a
   * stream, a page at a time. Its secrets only with `includeSecrets`.
   */
  exportMind(gmid: string, target: ExportTarget, options?: ExportMindOptions): Promise<MindExportSummary>;
  /**
   * Reads a Mind's portable document into this home: ids kept, memories embedded by this home's
   * provider, each batch of lines in one transaction; importing the same file again changes nothing.
   */
  importMind(file: string, options?: ImportMindOptions): Promise<MindImportReport>;
  /**
   * `genesis migrate`: applies pending schema migrations, then imports what an earlier (Python)
   * Genesis left in this home — its old tables, Mind files and Chroma stores — per Mind, exactly
   * once (run it again, or after a crash, and nothing is duplicated), after a checked backup.
   */
  migrateHome(options?: MigrateHomeOptions): Promise<HomeMigrationReport>;
  close(): Promise<void>;
  /** The HTTP API's tokens: `create({ mindId, name })` (shown once, stored as a hash), `list()`, `revoke(id)`, `verify(token)`. */
  readonly apiTokens: ApiTokens;
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
  const daemonSchedules = new ScheduleManager(
    null,
    composed.container.resolve(SCHEDULE_STORE),
    composed.container.resolve(CLOCK),
  );
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
    retention: createGenesisRetention({
      container: composed.container,
      defaults: config.retention,
      loadMind: (gmid) => minds.loadMind(gmid),
      listMinds: () => minds.listMinds(),
      now: () => composed.container.resolve(CLOCK).now(),
    }),
    schedules: daemonSchedules,
    async findTask(id) {
      const task = await composed.container.resolve(TASK_STORE).get(nonEmptyText(id, 'id', 64));
      if (!task)
        throw new GenesisError('TASK_NOT_FOUND', `No task ${JSON.stringify(id)} in ${config.home}`, { field: 'id' });
      return { mind: await minds.loadMind(task.mindId), task };
    },
    async runtimeStatus() {
      const c = composed.container;
      const tasks = c.resolve(TASK_STORE);
      const [leases, counts, schedules, dead] = await Promise.all([
        c.resolve(MIND_LEASE_STORE).list(),
        tasks.counts(),
        c.resolve(SCHEDULE_STORE).list({ limit: 10 }),
        tasks.list({ status: 'dead', limit: 10 }),
      ]);
      return { leases, tasks: counts, nextSchedules: schedules.items, dead: dead.items };
    },
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
      const [applied, pending, rows, legacy] = await Promise.all([
        db.appliedMigrations(),
        db.pendingMigrations(),
        db.tableCounts(),
        legacyTables(db),
      ]);
      return {
        home: config.home,
        database: db.location,
        dialect: db.dialect,
        migrations: { applied, pending, appliedNow: composed.migrationsApplied },
        rows,
        legacy,
      };
    },
    async startDaemon(options = {}) {
      const c = composed.container;
      await ensureMaintenanceSchedules(daemonSchedules, config.schedules);
      composed.addHandledTypes([...Object.keys(options.handlers ?? {}), FOLLOW_UP_TASK]);
      return GenesisDaemon.start(
        {
          tasks: c.resolve(TASK_STORE),
          schedules: c.resolve(SCHEDULE_STORE),
          mindLeases: c.resolve(MIND_LEASE_STORE),
          registry: c.resolve(MIND_REGISTRY),
          unitOfWork: c.resolve(UNIT_OF_WORK),
          clock: c.resolve(CLOCK),
          logger: c.resolve(LOGGER),
          loadMind: (gmid) => minds.loadMind(gmid),
          builtInHandlers: c.resolve(TASK_HANDLERS),
          onTaskEnqueued: (listener) => composed.onTaskEnqueued(listener),
          taskNotifier: c.resolve(TASK_NOTIFIER),
          onEvent: (mindId, type, data) => composed.events.emit(mindId, type, data),
          followUps: {
            concerns: c.resolve(CONCERN_STORE),
            messages: c.resolve(MESSAGE_STORE),
            relationships: c.resolve(RELATIONSHIP_STORE),
            settings: followUpSettings(config.followUps),
          },
        },
        options,
      );
    },
    memoryServerUrl: () => composed.memory.serverUrl(),
    onEvent: (listener) => composed.events.on(listener),
    health: () => genesisHealth(db, composed.memory, config.chroma.url ?? null),
    async migrateHome(options) {
      const schemaApplied = [...composed.migrationsApplied, ...(await db.migrate())];
      return migrateHome(composed, { database: db.location, schemaApplied }, options);
    },
    async exportMind(gmid, target, options) {
      // Loading first converts an old-format file and moves memories still waiting in it.
      await minds.loadMind(gmid);
      return new MindExporter(transferPorts(composed)).export(gmid, target, options);
    },
    importMind: (file, options) => new MindImporter(transferPorts(composed)).import(file, options),
    close: () => composed.close(),
    apiTokens: new ApiTokens(composed.container.resolve(API_TOKEN_STORE), composed.container.resolve(CLOCK)),
  };
}

/**
 * The maintenance schedules of the configuration (`schedules`: retention, compact, reindex) as
 * daemon schedules, each running its task on every Mind: an unchanged one keeps its next slot, a
 * disabled one is removed. The scheduled reindex only re-embeds memories of another provider.
 */
async function ensureMaintenanceSchedules(
  schedules: ScheduleManager,
  configured: GenesisConfig['schedules'],
): Promise<void> {
  for (const entry of Object.values(configured)) {
    if (!entry.enabled) {
      await schedules.remove(entry.type);
      continue;
    }
    await schedules.ensure({
      name: entry.type,
      cron: entry.cron,
      timezone: entry.timezone,
      type: entry.type,
      ...(entry.type === MAINTENANCE_TASKS.reindex ? { payload: { onlyIfStale: true } } : {}),
    });
  }
}

/** The ports moving a Mind between homes works with, from the composed container. */
export function transferPorts(composed: ComposedGenesis): MindTransferPorts {
  const c = composed.container;
  return {
    stores: {
      messages: c.resolve(MESSAGE_STORE),
      concerns: c.resolve(CONCERN_STORE),
      tasks: c.resolve(TASK_STORE),
      minds: c.resolve(MIND_REGISTRY),
      environments: c.resolve(ENVIRONMENT_STORE),
      relationships: c.resolve(RELATIONSHIP_STORE),
      records: c.resolve(RECORD_STORE),
      schedules: c.resolve(SCHEDULE_STORE),
    },
    unitOfWork: c.resolve(UNIT_OF_WORK),
    memory: c.resolve(MEMORY_BACKEND),
    memoryCatalog: c.resolve(MEMORY_CATALOG),
    documents: c.resolve(MIND_DOCUMENT_STORE),
    clock: c.resolve(CLOCK),
    logger: c.resolve(LOGGER),
  };
}
