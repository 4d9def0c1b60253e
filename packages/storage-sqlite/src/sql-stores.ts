import { systemClock, type Clock, type TransactionStores } from '@genesis/mind-core';
import { ConcernRepository } from './repositories/concern.repository';
import { EnvironmentRepository } from './repositories/environment.repository';
import { MessageRepository } from './repositories/message.repository';
import { MindLeaseRepository } from './repositories/mind-lease.repository';
import { MindRegistryRepository } from './repositories/mind-registry.repository';
import { RecordRepository } from './repositories/record.repository';
import { RelationshipRepository } from './repositories/relationship.repository';
import { ScheduleRepository } from './repositories/schedule.repository';
import { TaskRepository } from './repositories/task.repository';
import type { SqlExecutor } from './sql-database';

/** Every store of the SQL tier over one executor (the database, or one transaction). */
export function createSqlStores(executor: SqlExecutor, clock: Clock = systemClock): TransactionStores {
  return {
    messages: new MessageRepository(executor, clock),
    concerns: new ConcernRepository(executor, clock),
    tasks: new TaskRepository(executor, clock),
    minds: new MindRegistryRepository(executor, clock),
    environments: new EnvironmentRepository(executor, clock),
    relationships: new RelationshipRepository(executor, clock),
    records: new RecordRepository(executor, clock),
    schedules: new ScheduleRepository(executor, clock),
    mindLeases: new MindLeaseRepository(executor),
  };
}
