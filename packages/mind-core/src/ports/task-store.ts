import type { AppendResult } from './message-store';
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
  /** Attempts started so far (a claim counts one; a graceful give-back returns it). */
  attempts: number;
  maxAttempts: number;
  /** The worker holding the task while it runs. */
  leaseOwner: string | null;
  /** A fresh random token per claim: every write of the running attempt must present it. */
  leaseToken: string | null;
  leaseExpiresAt: EpochMs | null;
  /** Past this run time an attempt is aborted (TASK_TIMEOUT); null: no limit. */
  timeoutMs: number | null;
  /** The last progress the handler reported (any JSON). */
  progress: unknown;
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
  /** JSON, at most 1 MB once serialized. */
  payload?: unknown;
  priority?: number;
  runAt?: EpochMs;
  /** At least 1. Default 5. */
  maxAttempts?: number;
  /** Unique per mind: enqueueing the same key twice returns the first task (until retention removes it). */
  idempotencyKey?: string | null;
  timeoutMs?: number | null;
}

export interface TaskQuery {
  status?: TaskStatus;
  mindId?: string;
  type?: string;
  /** runAt <= runBefore */
  runBefore?: EpochMs;
  limit: number;
  cursor?: string | null;
}

export interface TaskFilter {
  status?: TaskStatus;
  mindId?: string;
  type?: string;
}

export interface ClaimOptions {
  /** The worker claiming (a daemon id). */
  owner: string;
  now: EpochMs;
  leaseMs: number;
  limit: number;
  /** Only tasks of these Minds (the Minds this daemon holds). Absent: any Mind. */
  mindIds?: readonly string[];
  /** Only tasks of these types (the ones with a handler). Absent: any type. */
  types?: readonly string[];
  /**
   * Per-Mind limits: only tasks of these Minds, and at most this many of each (the Mind's free
   * slots), so a busy Mind never takes the others' share of one claim. A Mind given 0 takes
   * nothing. With `mindIds` too, only the Minds in both. Absent: no per-Mind limit.
   */
  perMind?: Readonly<Record<string, number>>;
  /**
   * Looks (a read) before taking (a write transaction): cheaper when there is likely nothing to
   * claim — an idle worker's poll — dearer when there is. Same result either way.
   */
  probeFirst?: boolean;
}

/** The proof of a running attempt: the task and the token its claim received. */
export interface TaskLease {
  id: string;
  token: string;
}

/** One completion of a group commit: the attempt's lease and its result (JSON). */
export interface TaskCompletion {
  lease: TaskLease;
  result: unknown;
}

export interface TaskStore {
  enqueue(task: NewTask): Promise<{ task: StoredTask; created: boolean }>;
  /** Enqueues all in one transaction, in order; each result says whether it was created. */
  enqueueMany(tasks: readonly NewTask[]): Promise<Array<{ task: StoredTask; created: boolean }>>;
  get(id: string): Promise<StoredTask | null>;
  /** Ordered by (runAt, id) ascending. */
  list(query: TaskQuery): Promise<Page<StoredTask>>;
  count(filter: TaskFilter): Promise<number>;
  /** Tasks per status (every status present, 0 when none), of one Mind or all. */
  counts(mindId?: string): Promise<Record<TaskStatus, number>>;
  /**
   * Leases up to `limit` runnable tasks in one atomic step: pending ones whose runAt has come, and
   * running ones whose lease expired (their worker died; that attempt counted — a task out of
   * attempts becomes `dead` instead). Each gets status running, a fresh lease token,
   * leaseExpiresAt = now + leaseMs and attempts + 1. Highest priority first, then oldest runAt, then id;
   * with `perMind`, the first ones in that order that keep each Mind within its limit.
   */
  claim(options: ClaimOptions): Promise<StoredTask[]>;
  /** Extends a lease; false (and nothing written) if the token no longer holds the task. */
  heartbeat(lease: TaskLease, now: EpochMs, leaseMs: number): Promise<boolean>;
  /** Stores the handler's progress; false if the token no longer holds the task. */
  progress(lease: TaskLease, progress: unknown, now: EpochMs): Promise<boolean>;
  /**
   * Marks tasks succeeded, in one transaction (group commit): each entry the stored task, or null
   * (nothing written) where its token no longer held the task. See `completeTask` for one.
   */
  completeMany(items: readonly TaskCompletion[], now: EpochMs): Promise<Array<StoredTask | null>>;
  /**
   * `completeMany(items, now)` and then `claim(claim)`, in one transaction: a worker that finished
   * some tasks and takes the next ones pays one commit for both. All is checked before anything is
   * written; if either fails, nothing is written.
   */
  completeAndClaim(
    items: readonly TaskCompletion[],
    now: EpochMs,
    claim: ClaimOptions,
  ): Promise<{ completed: Array<StoredTask | null>; claimed: StoredTask[] }>;
  /**
   * Records a failed attempt: back to pending at `retryAt`, or `dead` once attempts reached
   * maxAttempts. Null (nothing written) if the token no longer holds the task.
   */
  fail(lease: TaskLease, error: string, now: EpochMs, retryAt: EpochMs): Promise<StoredTask | null>;
  /** Gives a running task back (graceful shutdown): pending again, its attempt not counted. */
  release(lease: TaskLease, now: EpochMs): Promise<StoredTask | null>;
  /** Cancels a pending or running task; null when it is neither (or unknown). */
  cancel(id: string, now: EpochMs): Promise<StoredTask | null>;
  /** A dead or failed task back to pending, now, with its attempts reset; null when it is neither. */
  retry(id: string, now: EpochMs): Promise<StoredTask | null>;
  /** Retention: deletes finished tasks (succeeded, dead, cancelled) finished before `before`. */
  deleteFinishedBefore(before: EpochMs): Promise<number>;
  /**
   * Imports whole rows (an earlier Genesis, another home): ids, statuses, attempts, results and
   * times kept, in one transaction, every row checked before anything is written (see
   * `checkImportedTask`). A row whose id, or (mindId, idempotencyKey), is there already is skipped
   * and left as it is, so importing twice stores each task once. Nothing is announced to workers:
   * an imported task runs only if it is pending (or once `retry` makes it so).
   */
  importMany(rows: readonly StoredTask[]): Promise<AppendResult>;
}
