import type { Clock } from '../ports/clock';
import type { TransactionStores, UnitOfWork } from '../ports/unit-of-work';
import { InMemoryConcernStore } from './in-memory-concern-store';
import { InMemoryEnvironmentStore } from './in-memory-environment-store';
import { InMemoryMessageStore } from './in-memory-message-store';
import { InMemoryMindLeaseStore } from './in-memory-mind-lease-store';
import { InMemoryMindRegistry } from './in-memory-mind-registry';
import { InMemoryRecordStore } from './in-memory-record-store';
import { InMemoryRelationshipStore } from './in-memory-relationship-store';
import { InMemoryScheduleStore } from './in-memory-schedule-store';
import { createInMemoryState, type InMemoryState } from './in-memory-state';
import { InMemoryTaskStore } from './in-memory-task-store';

/**
 * A unit of work over in-memory stores: runs one at a time (a promise chain), snapshots the whole
 * shared state (schedule fires and Mind leases included) before `work` and puts the snapshot back
 * if `work` throws, then rethrows the same error.
 * `work` gets the same stores as everyone else, so (as with SQL) do not write through them from
 * outside while a run is in progress.
 */
export class InMemoryUnitOfWork implements UnitOfWork {
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly state: InMemoryState,
    private readonly stores: TransactionStores,
  ) {}

  run<T>(work: (stores: TransactionStores) => Promise<T>): Promise<T> {
    const result = this.tail.then(() => this.runNow(work));
    // The next run waits for this one to end, however it ends; its error reaches the caller via `result`.
    this.tail = result.catch(() => undefined);
    return result;
  }

  private async runNow<T>(work: (stores: TransactionStores) => Promise<T>): Promise<T> {
    const snapshot = structuredClone(this.state);
    try {
      return await work(this.stores);
    } catch (error) {
      Object.assign(this.state, snapshot);
      throw error;
    }
  }
}

/** Every SQL-tier store in memory over one shared state, and a unit of work over them. */
export function createInMemoryStores(clock: Clock): {
  stores: TransactionStores;
  unitOfWork: UnitOfWork;
  state: InMemoryState;
} {
  const state = createInMemoryState();
  const stores: TransactionStores = {
    messages: new InMemoryMessageStore(clock, state),
    concerns: new InMemoryConcernStore(clock, state),
    tasks: new InMemoryTaskStore(clock, state),
    minds: new InMemoryMindRegistry(clock, state),
    environments: new InMemoryEnvironmentStore(clock, state),
    relationships: new InMemoryRelationshipStore(clock, state),
    records: new InMemoryRecordStore(clock, state),
    schedules: new InMemoryScheduleStore(clock, state),
    mindLeases: new InMemoryMindLeaseStore(clock, state),
  };
  return { stores, unitOfWork: new InMemoryUnitOfWork(state, stores), state };
}
