import { randomUUID } from 'node:crypto';
import { checkClaim, checkCompletions, checkLease, newTaskRows, withinClaimLimits } from '../tasks/new-task';
import type { AppendResult } from '../ports/message-store';
import type { EpochMs, Page } from '../ports/page';
import { invalidInput } from '../shared/errors';
import { checkImportedTask } from '../tasks/imported-task';
import { TASK_STATUSES } from '../ports/task-store';
import type { ClaimOptions, NewTask, StoredTask, TaskFilter, TaskLease, TaskQuery } from '../ports/task-store';
import type { TaskCompletion, TaskStatus, TaskStore } from '../ports/task-store';
import { count, epochMs, oneOf } from '../shared/validation';
import { copy, jsonCopy, keysetPage, newId, InMemoryStore } from './in-memory-state';
import { appendAbsent } from './append-absent';

const FINISHED: readonly TaskStatus[] = ['succeeded', 'dead', 'cancelled'];
const LEASE_EXPIRED = 'lease expired: the worker stopped before finishing (no attempts left)';
const NO_LEASE = { leaseOwner: null, leaseToken: null, leaseExpiresAt: null } as const;

/** Highest priority first, then oldest runAt, then id. */
const byPriority = (a: StoredTask, b: StoredTask): number =>
  b.priority - a.priority || a.runAt - b.runAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/**
 * The TaskStore port in memory, behaving like the SQL one: a queue with leases, idempotent by
 * (mindId, idempotencyKey). Each claim hands out a fresh token, and every write of the running
 * attempt must present it; a running task whose lease expired is claimed again (or dies once it
 * used all its attempts).
 */
export class InMemoryTaskStore extends InMemoryStore implements TaskStore {
  async enqueue(task: NewTask): Promise<{ task: StoredTask; created: boolean }> {
    const [result] = await this.enqueueMany([task]);
    return result!;
  }

  async enqueueMany(tasks: readonly NewTask[]): Promise<Array<{ task: StoredTask; created: boolean }>> {
    const rows = newTaskRows(tasks, newId, this.clock.now());
    for (const row of rows) row.payload = jsonCopy(row.payload, 'payload');
    return rows.map((row) => {
      const existing =
        row.idempotencyKey === null
          ? undefined
          : this.state.tasks.find((t) => t.mindId === row.mindId && t.idempotencyKey === row.idempotencyKey);
      if (existing) return { task: copy(existing), created: false };
      this.state.tasks.push(row);
      return { task: copy(row), created: true };
    });
  }

  async get(id: string): Promise<StoredTask | null> {
    const row = this.state.tasks.find((t) => t.id === id);
    return row ? copy(row) : null;
  }

  async list(query: TaskQuery): Promise<Page<StoredTask>> {
    const matches = this.matcher(query);
    const runBefore = query.runBefore === undefined ? undefined : epochMs(query.runBefore, 'runBefore');
    const rows = this.state.tasks.filter((t) => matches(t) && (runBefore === undefined || t.runAt <= runBefore));
    return keysetPage(rows, {
      limit: query.limit,
      cursor: query.cursor,
      direction: 'asc',
      position: (t) => ({ key: t.runAt, id: t.id }),
    });
  }

  async count(filter: TaskFilter): Promise<number> {
    return this.state.tasks.filter(this.matcher(filter)).length;
  }

  async counts(mindId?: string): Promise<Record<TaskStatus, number>> {
    const result = Object.fromEntries(TASK_STATUSES.map((s) => [s, 0])) as Record<TaskStatus, number>;
    for (const t of this.state.tasks) if (mindId === undefined || t.mindId === mindId) result[t.status]++;
    return result;
  }

  async claim(options: ClaimOptions): Promise<StoredTask[]> {
    const claim = checkClaim(options);
    if (claim === null) return [];
    const { owner, now, leaseUntil, mindIds, types } = claim;
    const eligible = (t: StoredTask) =>
      (mindIds === undefined || mindIds.includes(t.mindId)) && (types === undefined || types.includes(t.type));
    const expired = (t: StoredTask) => t.status === 'running' && t.leaseExpiresAt !== null && t.leaseExpiresAt <= now;

    // Leases of crashed workers whose task is out of attempts: dead.
    for (const t of this.state.tasks.filter((x) => eligible(x) && expired(x) && x.attempts >= x.maxAttempts)) {
      Object.assign(t, { status: 'dead', ...NO_LEASE, finishedAt: now, updatedAt: now, lastError: LEASE_EXPIRED });
    }
    const claimed = withinClaimLimits(
      this.state.tasks
        .filter((t) => eligible(t) && ((t.status === 'pending' && t.runAt <= now) || expired(t)))
        .sort(byPriority),
      claim,
    );
    for (const t of claimed) {
      Object.assign(t, {
        status: 'running',
        attempts: t.attempts + 1,
        leaseOwner: owner,
        leaseToken: randomUUID(),
        leaseExpiresAt: leaseUntil,
        updatedAt: now,
      });
    }
    return claimed.map(copy);
  }

  async heartbeat(lease: TaskLease, now: EpochMs, leaseMs: number): Promise<boolean> {
    const until = epochMs(now, 'now') + count(leaseMs, 'leaseMs');
    const task = this.held(lease);
    if (!task) return false;
    Object.assign(task, { leaseExpiresAt: until, updatedAt: now });
    return true;
  }

  async progress(lease: TaskLease, progress: unknown, now: EpochMs): Promise<boolean> {
    const stored = jsonCopy(progress ?? null, 'progress');
    epochMs(now, 'now');
    const task = this.held(lease);
    if (!task) return false;
    Object.assign(task, { progress: stored, updatedAt: now });
    return true;
  }

  async completeMany(items: readonly TaskCompletion[], now: EpochMs): Promise<Array<StoredTask | null>> {
    // Checked before anything is written: one bad item and none is completed.
    return this.succeed(checkCompletions(items, now, jsonCopy), now);
  }

  async completeAndClaim(
    items: readonly TaskCompletion[],
    now: EpochMs,
    claim: ClaimOptions,
  ): Promise<{ completed: Array<StoredTask | null>; claimed: StoredTask[] }> {
    // Checked before anything is written, then both at once (nothing else runs in between).
    const completions = checkCompletions(items, now, jsonCopy);
    checkClaim(claim);
    const completed = this.succeed(completions, now);
    return { completed, claimed: await this.claim(claim) };
  }

  async fail(lease: TaskLease, error: string, now: EpochMs, retryAt: EpochMs): Promise<StoredTask | null> {
    epochMs(now, 'now');
    epochMs(retryAt, 'retryAt');
    const task = this.held(lease);
    if (!task) return null;
    const dead = task.attempts >= task.maxAttempts;
    Object.assign(task, {
      status: dead ? 'dead' : 'pending',
      runAt: dead ? task.runAt : retryAt,
      finishedAt: dead ? now : null,
      lastError: String(error).slice(0, 10_000),
      ...NO_LEASE,
      updatedAt: now,
    });
    return copy(task);
  }

  async release(lease: TaskLease, now: EpochMs): Promise<StoredTask | null> {
    epochMs(now, 'now');
    const task = this.held(lease);
    if (!task) return null;
    Object.assign(task, { status: 'pending', attempts: Math.max(0, task.attempts - 1), ...NO_LEASE, updatedAt: now });
    return copy(task);
  }

  async cancel(id: string, now: EpochMs): Promise<StoredTask | null> {
    epochMs(now, 'now');
    const task = this.state.tasks.find((t) => t.id === id && (t.status === 'pending' || t.status === 'running'));
    if (!task) return null;
    Object.assign(task, { status: 'cancelled', ...NO_LEASE, finishedAt: now, updatedAt: now });
    return copy(task);
  }

  async retry(id: string, now: EpochMs): Promise<StoredTask | null> {
    epochMs(now, 'now');
    const task = this.state.tasks.find((t) => t.id === id && (t.status === 'dead' || t.status === 'failed'));
    if (!task) return null;
    Object.assign(task, { status: 'pending', runAt: now, attempts: 0, ...NO_LEASE, finishedAt: null, updatedAt: now });
    return copy(task);
  }

  async deleteFinishedBefore(before: EpochMs): Promise<number> {
    epochMs(before, 'before');
    const doomed = (t: StoredTask) => FINISHED.includes(t.status) && t.finishedAt !== null && t.finishedAt < before;
    const kept = this.state.tasks.filter((t) => !doomed(t));
    const deleted = this.state.tasks.length - kept.length;
    this.state.tasks = kept;
    return deleted;
  }

  async importMany(rows: readonly StoredTask[]): Promise<AppendResult> {
    if (!Array.isArray(rows)) throw invalidInput('tasks', 'must be an array of task rows');
    // Every row is checked before any is stored: one invalid row and none is written.
    const checked = rows.map((row, i) => {
      const task = checkImportedTask(row, `tasks.${i}`);
      return {
        ...task,
        payload: jsonCopy(task.payload, 'payload'),
        progress: jsonCopy(task.progress, 'progress'),
        result: jsonCopy(task.result, 'result'),
      };
    });
    return appendAbsent(this.state.tasks, checked, (row) =>
      this.state.tasks.some(
        (t) =>
          t.id === row.id ||
          (row.idempotencyKey !== null && t.mindId === row.mindId && t.idempotencyKey === row.idempotencyKey),
      ),
    );
  }

  /** Marks each task its lease still holds succeeded; null where the lease no longer holds. */
  private succeed(items: Array<{ lease: TaskLease; result: unknown }>, now: EpochMs): Array<StoredTask | null> {
    return items.map(({ lease, result }) => {
      const task = this.held(lease);
      if (!task) return null;
      Object.assign(task, { status: 'succeeded', result, ...NO_LEASE, finishedAt: now, updatedAt: now });
      return copy(task);
    });
  }

  /** The running task the lease's token still holds, if any. */
  private held(lease: TaskLease): StoredTask | undefined {
    const { id, token } = checkLease(lease);
    return this.state.tasks.find((t) => t.id === id && t.leaseToken === token && t.status === 'running');
  }

  /** The filter of list and count: status, mind and type, each when given. */
  private matcher(filter: TaskFilter): (t: StoredTask) => boolean {
    const status = filter.status === undefined ? undefined : oneOf(filter.status, TASK_STATUSES, 'status');
    return (t) =>
      (status === undefined || t.status === status) &&
      (filter.mindId === undefined || t.mindId === filter.mindId) &&
      (filter.type === undefined || t.type === filter.type);
  }
}
