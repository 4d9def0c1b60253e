import type { ConcernStore } from './concern-store';
import type { EnvironmentStore } from './environment-store';
import type { MessageStore } from './message-store';
import type { MindLeaseStore } from './mind-lease-store';
import type { MindRegistry } from './mind-registry';
import type { RecordStore } from './record-store';
import type { RelationshipStore } from './relationship-store';
import type { ScheduleStore } from './schedule-store';
import type { TaskStore } from './task-store';

/** The SQL-tier stores, as handed to one unit of work: every write through them commits together. */
export interface TransactionStores {
  messages: MessageStore;
  concerns: ConcernStore;
  tasks: TaskStore;
  minds: MindRegistry;
  environments: EnvironmentStore;
  relationships: RelationshipStore;
  records: RecordStore;
  schedules: ScheduleStore;
  mindLeases: MindLeaseStore;
}

/**
 * Writes that belong together: `run` hands `work` stores bound to one transaction and commits when
 * it resolves; if it throws, nothing it wrote is kept (and the error is rethrown). No ambient
 * context: only the stores passed in take part. Units of work run one at a time per database
 * connection; do not call the outer (non-transaction) stores from inside `work`.
 */
export interface UnitOfWork {
  run<T>(work: (stores: TransactionStores) => Promise<T>): Promise<T>;
}
