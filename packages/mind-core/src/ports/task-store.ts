import type { EpochMs, Page } from './page';

export const TASK_STATUSES = ['pending', 'running', 'succeeded', 'failed', 'dead', 'cancelled'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

export interface StoredTask {
  id: string;
  mindId: string;
  type: string;
  payload: unknown;
  status: TaskStatus;
  priority: number;
  runAt: EpochMs;
  attempts: number;
  maxAttempts: number;
  leaseOwner: string | null;
  leaseExpiresAt: EpochMs | null;
  lastError: string | null;
  result: unknown;
  idempotencyKey: string | null;
  createdAt: EpochMs;
  updatedAt: EpochMs;
  finishedAt: EpochMs | null;
}

export interface NewTask {
  mindId: string;
  type: string;
  payload?: unknown;
  priority?: number;
  runAt?: EpochMs;
  maxAttempts?: number;
  /** Unique per mind: enqueueing the same key twice returns the first task. */
  idempotencyKey?: string | null;
}

export interface TaskQuery {
  status: TaskStatus;
  mindId?: string;
  /** runAt <= runBefore */
  runBefore?: EpochMs;
  limit: number;
  cursor?: string | null;
}

export interface ClaimOptions {
  owner: string;
  now: EpochMs;
  leaseMs: number;
  limit: number;
  mindId?: string;
}

export interface TaskStore {
  enqueue(task: NewTask): Promise<{ task: StoredTask; created: boolean }>;
  get(id: string): Promise<StoredTask | null>;
  /** Ordered by (runAt, id) ascending. */
  list(query: TaskQuery): Promise<Page<StoredTask>>;
  count(filter: { status?: TaskStatus; mindId?: string }): Promise<number>;
  /**
   * Leases up to `limit` runnable tasks: pending ones whose runAt has come, and running ones whose
   * lease expired (their worker died). Highest priority first, then oldest runAt.
   */
  claim(options: ClaimOptions): Promise<StoredTask[]>;
  /** Extends a lease held by `owner`; false if the lease was lost. */
  heartbeat(id: string, owner: string, now: EpochMs, leaseMs: number): Promise<boolean>;
  complete(id: string, owner: string, result: unknown, now: EpochMs): Promise<StoredTask | null>;
  /** Records a failure: back to pending at `retryAt`, or `dead` once attempts reach maxAttempts. */
  fail(id: string, owner: string, error: string, now: EpochMs, retryAt: EpochMs): Promise<StoredTask | null>;
  cancel(id: string, now: EpochMs): Promise<StoredTask | null>;
  /** Retention: deletes finished tasks (succeeded, dead, cancelled) finished before `before`. */
  deleteFinishedBefore(before: EpochMs): Promise<number>;
}
