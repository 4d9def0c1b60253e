import type { DependencyContainer } from 'tsyringe';
import { Lifecycle } from 'tsyringe';
import { CLOCK, CONCERN_STORE, ENVIRONMENT_STORE, MESSAGE_STORE, MIND_REGISTRY } from '@genesis/mind-core';
import { RECORD_STORE, RELATIONSHIP_STORE, TASK_STORE, UNIT_OF_WORK, TASK_NOTIFIER } from '@genesis/mind-core';
import { systemClock } from '@genesis/mind-core';
import { MIND_LEASE_STORE, SCHEDULE_STORE } from '@genesis/mind-core';
import { RETENTION_STORE } from '@genesis/mind-core';
import { API_TOKEN_STORE } from '@genesis/mind-core';
import { MEMORY_CATALOG } from '@genesis/mind-core';
import { ApiTokenRepository } from './repositories/api-token.repository';
import { MemoryCatalogRepository } from './repositories/memory-catalog.repository';
import type { Clock, TransactionStores } from '@genesis/mind-core';
import { ConcernRepository } from './repositories/concern.repository';
import { EnvironmentRepository } from './repositories/environment.repository';
import { MessageRepository } from './repositories/message.repository';
import { MindLeaseRepository } from './repositories/mind-lease.repository';
import { MindRegistryRepository } from './repositories/mind-registry.repository';
import { RecordRepository } from './repositories/record.repository';
import { RelationshipRepository } from './repositories/relationship.repository';
import { RetentionRepository } from './repositories/retention.repository';
import { ScheduleRepository } from './repositories/schedule.repository';
import { TaskRepository } from './repositories/task.repository';
import { SqlDatabase, type SqlDatabaseOptions } from './sql-database';
import { createSqlStores } from './sql-stores';
import { SqlTaskNotifier } from './sql-task-notifier';
import { SqlUnitOfWork } from './sql-unit-of-work';
import { SQL_DATABASE, SQL_EXECUTOR } from './tokens';

/**
 * For scripts and benchmarks: opens the database, applies pending migrations unless
 * `migrate: false`, and returns the stores and a unit of work over it. Applications compose the
 * tier with {@link registerSqlStorage} instead.
 */
export async function openSqlStorage(
  options: SqlDatabaseOptions & { clock?: Clock; migrate?: boolean },
): Promise<TransactionStores & { db: SqlDatabase; unitOfWork: SqlUnitOfWork; close(): Promise<void> }> {
  const { db } = await SqlDatabase.openMigrated(options);
  const clock = options.clock ?? systemClock;
  return { db, ...createSqlStores(db, clock), unitOfWork: new SqlUnitOfWork(db, clock), close: () => db.close() };
}

/**
 * Registers the SQL tier in a tsyringe container: the database (SQL_DATABASE, SQL_EXECUTOR), each
 * store under its mind-core token and the UNIT_OF_WORK, one instance per container. A CLOCK
 * registered beforehand is kept.
 */
export function registerSqlStorage(container: DependencyContainer, db: SqlDatabase): void {
  container.registerInstance(SQL_DATABASE, db);
  container.registerInstance(SQL_EXECUTOR, db);
  if (!container.isRegistered(CLOCK, true)) container.registerInstance(CLOCK, systemClock);
  const scoped = { lifecycle: Lifecycle.ContainerScoped } as const;
  container.register(MESSAGE_STORE, { useClass: MessageRepository }, scoped);
  container.register(CONCERN_STORE, { useClass: ConcernRepository }, scoped);
  container.register(TASK_STORE, { useClass: TaskRepository }, scoped);
  container.register(MIND_REGISTRY, { useClass: MindRegistryRepository }, scoped);
  container.register(ENVIRONMENT_STORE, { useClass: EnvironmentRepository }, scoped);
  container.register(RELATIONSHIP_STORE, { useClass: RelationshipRepository }, scoped);
  container.register(RECORD_STORE, { useClass: RecordRepository }, scoped);
  container.register(SCHEDULE_STORE, { useClass: ScheduleRepository }, scoped);
  container.register(MIND_LEASE_STORE, { useClass: MindLeaseRepository }, scoped);
  container.register(RETENTION_STORE, { useClass: RetentionRepository }, scoped);
  container.register(UNIT_OF_WORK, { useClass: SqlUnitOfWork }, scoped);
  container.register(TASK_NOTIFIER, { useClass: SqlTaskNotifier }, scoped);
  container.register(API_TOKEN_STORE, { useClass: ApiTokenRepository }, scoped);
  container.register(MEMORY_CATALOG, { useClass: MemoryCatalogRepository }, scoped);
}
