import { container as rootContainer, type DependencyContainer } from 'tsyringe';
import { CLOCK, FileMindDocumentStore, LOGGER, MIND_DOCUMENT_STORE, MIND_OPTIONS } from '@genesis/mind-core';
import { MEMORY_CATALOG, settleMemoryWrites, silentLogger, systemClock, TASK_HANDLERS } from '@genesis/mind-core';
import type { Clock, EmbeddingProvider, Logger, Memory, MemoryCatalogStore, MindOptions } from '@genesis/mind-core';
import { registerChromaMemory, type ChromaMemoryBackend } from '@genesis/storage-chroma';
import { registerSqlStorage, SqlDatabase } from '@genesis/storage-sqlite';
import { BUILT_IN_HANDLERS } from '../runtime/handlers';
import { createRetentionApplyHandler, RETENTION_APPLY_TASK } from '../runtime/handlers';
import { FileMessageArchive, MESSAGE_ARCHIVE, RetentionService } from '@genesis/mind-core';
import type { GenesisConfig } from './config';
import { LEGACY_BACKUP_FOLDER } from '../home-migration/backup';
import { join } from 'node:path';
import { followUpSettings } from './follow-up-config';
import { GenesisEventBus, observeStores } from './genesis-events';

/** What the process supplies besides the configuration. */
export interface GenesisRuntime {
  clock?: Clock;
  /** Default: silent (an SDK never writes to its user's stdout). */
  logger?: Logger;
  /** An embedding provider instance, instead of the configured one. */
  embeddings?: EmbeddingProvider;
  /** Apply pending migrations on open. Default true. */
  migrate?: boolean;
}

export interface ComposedGenesis {
  config: GenesisConfig;
  /** A child container holding CLOCK, LOGGER, the SQL stores and UNIT_OF_WORK, MIND_DOCUMENT_STORE, MEMORY_BACKEND and MIND_OPTIONS. */
  container: DependencyContainer;
  db: SqlDatabase;
  memory: ChromaMemoryBackend;
  /** Names of the migrations applied while opening. */
  migrationsApplied: string[];
  /** Hears every task enqueued through a Mind of this composition; returns the unsubscribe. */
  onTaskEnqueued(listener: (mindId: string) => void): () => void;
  /** What happens in this process (messages, memories, searches, tasks, follow-ups): see `GenesisEvent`. */
  events: GenesisEventBus;
  /** Adds task types a daemon of this process handles (so enqueueing them does not warn). */
  addHandledTypes(types: readonly string[]): void;
  close(): Promise<void>;
}

/**
 * The composition root: opens (and migrates) the SQL tier, the JSON tier and the memory tier of a
 * home and registers them in one child container. Nothing else wires the tiers together.
 */
export async function composeGenesis(config: GenesisConfig, runtime: GenesisRuntime = {}): Promise<ComposedGenesis> {
  const logger = runtime.logger ?? silentLogger;
  const { db, applied } = await SqlDatabase.openMigrated({
    url: config.databaseUrl,
    logger,
    // A genesis.db written by the Python Genesis is kept byte for byte before anything opens it.
    foreignFileCopy: join(config.home, LEGACY_BACKUP_FOLDER, 'genesis.db'),
    ...(runtime.migrate === false ? { migrate: false } : {}),
  });
  if (applied.length > 0) logger.info({ database: db.location, applied }, 'migrations applied');
  const container = rootContainer.createChildContainer();
  container.registerInstance(CLOCK, runtime.clock ?? systemClock);
  container.registerInstance(LOGGER, logger);
  registerSqlStorage(container, db);
  const events = new GenesisEventBus(logger);
  observeStores(container, events);
  container.registerInstance(MIND_DOCUMENT_STORE, await FileMindDocumentStore.open(config.home, { logger }));
  const memory = registerChromaMemory(container, {
    home: config.home,
    embeddings: runtime.embeddings ?? config.embeddings,
    logger,
    ...(config.chroma.url ? { url: config.chroma.url } : {}),
    ...(config.chroma.token ? { token: config.chroma.token } : {}),
    ...(config.chroma.startupTimeoutMs ? { startupTimeoutMs: config.chroma.startupTimeoutMs } : {}),
  });
  // Enqueues in this process wake a daemon running in it at once (others poll).
  const enqueueListeners = new Set<(mindId: string) => void>();
  // Retention archives messages under <home>/archive/{gmid}/ before deleting them.
  container.registerInstance(MESSAGE_ARCHIVE, new FileMessageArchive(config.home, { logger }));
  const builtIns = {
    ...BUILT_IN_HANDLERS,
    [RETENTION_APPLY_TASK]: createRetentionApplyHandler({
      retention: () => container.resolve(RetentionService),
      defaults: config.retention,
    }),
  };
  // The task types with a handler here: the built-ins, and those of daemons started in this process.
  const handledTypes = new Set(Object.keys(builtIns));
  const mindOptions: MindOptions = {
    handledTaskTypes: () => [...handledTypes],
    onTaskEnqueued: (mindId) => {
      for (const listener of enqueueListeners) listener(mindId);
    },
    home: config.home,
    maxMessageBytes: config.maxMessageBytes,
    memory: {
      ...config.memory,
      onMemoriesAdded: (mindId, memories) => {
        for (const memory of memories) events.emit(mindId, 'memory.added', { memory: memoryEventData(memory) });
      },
      onSearch: (mindId, durationMs, hits) => events.emit(mindId, 'memory.searched', { durationMs, hits }),
    },
    followUps: (({ policy, timezone }) => ({ policy, timezone }))(followUpSettings(config.followUps)),
  };
  container.registerInstance(MIND_OPTIONS, mindOptions);
  container.registerInstance(TASK_HANDLERS, builtIns);
  return {
    config,
    container,
    db,
    memory,
    migrationsApplied: applied,
    events,
    addHandledTypes(types) {
      for (const type of types) handledTypes.add(type);
    },
    onTaskEnqueued(listener) {
      enqueueListeners.add(listener);
      return () => enqueueListeners.delete(listener);
    },
    async close() {
      // Memories added lately reach the vector store before it closes (what fails stays queued in
      // SQL and is written by the next repair).
      await settleMemoryWrites(container.resolve<MemoryCatalogStore>(MEMORY_CATALOG)).catch((error: unknown) =>
        logger.warn({ err: error }, 'some added memories are not in the vector store yet; the next start writes them'),
      );
      await container.dispose();
      await memory.close();
      await db.close();
    },
  };
}

function memoryEventData(m: Memory): Record<string, unknown> {
  const { id, type, content, importance, userEmail, tags, environmentId } = m;
  return {
    id,
    type,
    content,
    importance,
    userEmail,
    tags,
    environmentId,
    timestamp: new Date(m.timestamp).toISOString(),
  };
}
