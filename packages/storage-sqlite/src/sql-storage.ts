import type { DependencyContainer } from 'tsyringe';
import { Lifecycle } from 'tsyringe';
import {
  CLOCK,
  CONCERN_STORE,
  ENVIRONMENT_STORE,
  MESSAGE_STORE,
  MIND_REGISTRY,
  RECORD_STORE,
  RELATIONSHIP_STORE,
  TASK_STORE,
  systemClock,
} from '@genesis/mind-core';
import type { Clock } from '@genesis/mind-core';
import { SqlConcernStore } from './repositories/concern.repository';
import { SqlEnvironmentStore } from './repositories/environment.repository';
import { SqlMessageStore } from './repositories/message.repository';
import { SqlMindRegistry } from './repositories/mind.repository';
import { SqlRecordStore } from './repositories/record.repository';
import { SqlRelationshipStore } from './repositories/relationship.repository';
import { SqlTaskStore } from './repositories/task.repository';
import { SqlDatabase, type SqlDatabaseOptions } from './sql-database';
import { SQL_DATABASE } from './tokens';

/** Every store of the SQL tier over one database. */
export interface SqlStores {
  messages: SqlMessageStore;
  concerns: SqlConcernStore;
  tasks: SqlTaskStore;
  minds: SqlMindRegistry;
  environments: SqlEnvironmentStore;
  relationships: SqlRelationshipStore;
  records: SqlRecordStore;
}

export function createSqlStores(db: SqlDatabase, clock: Clock = systemClock): SqlStores {
  return {
    messages: new SqlMessageStore(db, clock),
    concerns: new SqlConcernStore(db, clock),
    tasks: new SqlTaskStore(db, clock),
    minds: new SqlMindRegistry(db, clock),
    environments: new SqlEnvironmentStore(db, clock),
    relationships: new SqlRelationshipStore(db, clock),
    records: new SqlRecordStore(db, clock),
  };
}

/**
 * Opens the database, applies pending migrations unless `migrate: false`, and builds the stores.
 */
export async function openSqlStorage(
  options: SqlDatabaseOptions & { clock?: Clock; migrate?: boolean },
): Promise<SqlStores & { db: SqlDatabase; close(): Promise<void> }> {
  const { db } = await SqlDatabase.openMigrated(options);
  return { db, ...createSqlStores(db, options.clock), close: () => db.close() };
}

/**
 * Registers the SQL tier in a tsyringe container: the database under SQL_DATABASE and each store
 * under its mind-core token (one instance per container). A CLOCK registered beforehand is kept.
 */
export function registerSqlStorage(container: DependencyContainer, db: SqlDatabase): void {
  container.registerInstance(SQL_DATABASE, db);
  if (!container.isRegistered(CLOCK, true)) container.registerInstance(CLOCK, systemClock);
  const scoped = { lifecycle: Lifecycle.ContainerScoped } as const;
  container.register(MESSAGE_STORE, { useClass: SqlMessageStore }, scoped);
  container.register(CONCERN_STORE, { useClass: SqlConcernStore }, scoped);
  container.register(TASK_STORE, { useClass: SqlTaskStore }, scoped);
  container.register(MIND_REGISTRY, { useClass: SqlMindRegistry }, scoped);
  container.register(ENVIRONMENT_STORE, { useClass: SqlEnvironmentStore }, scoped);
  container.register(RELATIONSHIP_STORE, { useClass: SqlRelationshipStore }, scoped);
  container.register(RECORD_STORE, { useClass: SqlRecordStore }, scoped);
}
