import { newTaskRow } from '../tasks/new-task';
import type { EpochMs, Page } from '../ports/page';
import { TASK_STATUSES } from '../ports/task-store';
import type { ClaimOptions, NewTask, StoredTask, TaskQuery, TaskStatus, TaskStore } from '../ports/task-store';
import { count, epochMs, nonEmptyText, oneOf, parseLimit } from '../shared/validation';
import { copy, jsonCopy, keysetPage, newId, InMemoryStore } from './in-memory-state';

const FINISHED: readonly TaskStatus[] = ['succeeded', 'dead', 'cancelled'];
const LEASE_EXPIRED = 'lease expired: the worker stopped before finishing (no attempts left)';

/** Highest priority first, then oldest runAt, then id. */
const byPriority = (a: StoredTask, b: StoredTask): number =>
  b.priority - a.priority || a.runAt - b.runAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/**
 * The TaskStore port in memory, behaving like the SQL one: a queue with leases, idempotent by
 * (mindId, idempotencyKey); a running task whose lease expired is claimed again (or dies once it
 * used all its attempts).
 */
export class InMemoryTaskStore extends InMemoryStore implements TaskStore {
  async enqueue(task: NewTask): Promise<{ task: StoredTask; created: boolean }> {
    const row = newTaskRow(task, newId(), this.clock.now());
    row.payload = jsonCopy(row.payload, 'payload');
    const existing =
      row.idempotencyKey === null
        ? undefined
        : this.state.tasks.find((t) => t.mindId === row.mindId && t.idempotencyKey === row.idempotencyKey);
    if (existing) return { task: copy(existing), created: false };
    this.state.tasks.push(row);
    return { task: copy(row), created: true };
  }

  async get(id: string): Promise<StoredTask | null> {
    const row = this.state.tasks.find((t) => t.id === id);
    return row ? copy(row) : null;
  }

  async list(query: TaskQuery): Promise<Page<StoredTask>> {
    const status = oneOf(query.status, TASK_STATUSES, 'status');
    const runBefore = query.runBefore === undefined ? undefined : epochMs(query.runBefore, 'runBefore');
    const rows = this.state.tasks.filter(
      (t) =>
        t.status === status &&
        (query.mindId === undefined || t.mindId === query.mindId) &&
        (runBefore === undefined || t.runAt <= runBefore),
    );
    return keysetPage(rows, {
      limit: query.limit,
      cursor: query.cursor,
      direction: 'asc',
      position: (t) => ({ key: t.runAt, id: t.id }),
    });
  }

  async count(filter: { status?: TaskStatus; mindId?: string }): Promise<number> {
    const status = filter.status === undefined ? undefined : oneOf(filter.status, TASK_STATUSES, 'status');
    return this.state.tasks.filter(
      (t) =>
        (status === undefined || t.status === status) && (filter.mindId === undefined || t.mindId === filter.mindId),
    ).length;
  }

  async claim(options: ClaimOptions): Promise<StoredTask[]> {
    nonEmptyText(options.owner, 'owner', 200);
    const now = epochMs(options.now, 'now');
    const limit = parseLimit(options.limit);
    const leaseUntil = now + count(options.leaseMs, 'leaseMs');
    const ofMind = (t: StoredTask) => options.mindId === undefined || t.mindId === options.mindId;

    // Leases of crashed workers: out of attempts → dead, else runnable again.
    const expired = this.state.tasks
      .filter(
        (t) =>
          ofMind(t) && t.status === 'running' && t.runAt <= now && t.leaseExpiresAt !== null && t.leaseExpiresAt <= now,
      )
      .sort((a, b) => a.runAt - b.runAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .slice(0, limit * 2);
    for (const t of expired.filter((x) => x.attempts >= x.maxAttempts)) {
      Object.assign(t, {
        status: 'dead',
        leaseOwner: null,
        leaseExpiresAt: null,
        finishedAt: now,
        updatedAt: now,
        lastError: t.lastError ?? LEASE_EXPIRED,
      });
    }
    const pending = this.state.tasks
      .filter((t) => ofMind(t) && t.status === 'pending' && t.runAt <= now)
      .sort(byPriority)
      .slice(0, limit);
    const claimed = [...pending, ...expired.filter((t) => t.status === 'running')].sort(byPriority).slice(0, limit);
    for (const t of claimed) {
      Object.assign(t, {
        status: 'running',
        attempts: t.attempts + 1,
        leaseOwner: options.owner,
        leaseExpiresAt: leaseUntil,
        updatedAt: now,
      });
    }
    return claimed.map(copy);
  }

  async heartbeat(id: string, owner: string, now: EpochMs, leaseMs: number): Promise<boolean> {
    const until = epochMs(now, 'now') + count(leaseMs, 'leaseMs');
    const task = this.state.tasks.find((t) => t.id === id && t.status === 'running' && t.leaseOwner === owner);
    if (!task) return false;
    Object.assign(task, { leaseExpiresAt: until, updatedAt: now });
    return true;
  }

  async complete(id: string, owner: string, result: unknown, now: EpochMs): Promise<StoredTask | null> {
    const stored = jsonCopy(result ?? null, 'result');
    epochMs(now, 'now');
    const task = this.state.tasks.find((t) => t.id === id && t.status === 'running' && t.leaseOwner === owner);
    if (!task) return null;
    Object.assign(task, {
      status: 'succeeded',
      result: stored,
      leaseOwner: null,
      leaseExpiresAt: null,
      finishedAt: now,
      updatedAt: now,
    });
    return copy(task);
  }

  async fail(id: string, owner: string, error: string, now: EpochMs, retryAt: EpochMs): Promise<StoredTask | null> {
    epochMs(now, 'now');
    epochMs(retryAt, 'retryAt');
    const task = this.state.tasks.find((t) => t.id === id && t.status === 'running' && t.leaseOwner === owner);
    if (!task) return null;
    const dead = task.attempts >= task.maxAttempts;
    Object.assign(task, {
      status: dead ? 'dead' : 'pending',
      runAt: dead ? task.runAt : retryAt,
      finishedAt: dead ? now : null,
      lastError: String(error).slice(0, 10_000),
      leaseOwner: null,
      leaseExpiresAt: null,
      updatedAt: now,
    });
    return copy(task);
  }

  async cancel(id: string, now: EpochMs): Promise<StoredTask | null> {
    epochMs(now, 'now');
    const task = this.state.tasks.find((t) => t.id === id && (t.status === 'pending' || t.status === 'running'));
    if (!task) return null;
    Object.assign(task, {
      status: 'cancelled',
      leaseOwner: null,
      leaseExpiresAt: null,
      finishedAt: now,
      updatedAt: now,
    });
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
}
