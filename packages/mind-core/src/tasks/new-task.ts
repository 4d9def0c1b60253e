import type { EpochMs } from '../ports/page';
import type { ClaimOptions, NewTask, StoredTask, TaskCompletion, TaskLease, TaskStore } from '../ports/task-store';
import { invalidInput } from '../shared/errors';
import { count, epochMs, integer, jsonValue, nonEmptyText, parseLimit, shown, stringList } from '../shared/validation';

/** Attempts a task gets unless it says otherwise. */
export const DEFAULT_MAX_ATTEMPTS = 5;
/** The largest payload a task carries, as serialized JSON (1 MB). */
export const MAX_TASK_PAYLOAD_BYTES = 1024 * 1024;
/** The longest run time an attempt may be given (24 h). */
export const MAX_TASK_TIMEOUT_MS = 24 * 60 * 60 * 1000;

/** The columns of priority and maxAttempts are 32-bit integers. */
const INT32_MAX = 2_147_483_647;

/** maxAttempts: a whole number, at least 1. */
function attemptsLimit(value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1 || value > INT32_MAX) {
    throw invalidInput('maxAttempts', `must be an integer from 1 to ${INT32_MAX}, got ${shown(value)}`);
  }
  return value;
}

function priority(value: unknown): number {
  const n = integer(value, 'priority');
  if (n < -INT32_MAX - 1 || n > INT32_MAX) {
    throw invalidInput('priority', `must be an integer from ${-INT32_MAX - 1} to ${INT32_MAX}, got ${n}`);
  }
  return n;
}

/** timeoutMs: null (no limit) or whole milliseconds from 1 to 24 h. */
function timeout(value: unknown): number | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1 || value > MAX_TASK_TIMEOUT_MS) {
    throw invalidInput(
      'timeoutMs',
      `must be null or an integer of milliseconds from 1 to ${MAX_TASK_TIMEOUT_MS} (24 h), got ${shown(value)}`,
    );
  }
  return value;
}

/** The payload: JSON, at most 1 MB once serialized. */
function payload(value: unknown): unknown {
  const checked = jsonValue(value ?? null, 'payload');
  const bytes = Buffer.byteLength(JSON.stringify(checked));
  if (bytes > MAX_TASK_PAYLOAD_BYTES) {
    throw invalidInput(
      'payload',
      `must be at most ${MAX_TASK_PAYLOAD_BYTES} bytes (1 MB) as JSON, got ${bytes}; keep large data elsewhere and pass a reference`,
    );
  }
  return checked;
}

/**
 * A new task as every TaskStore stores it: the input checked (the stores' assertion) and its
 * defaults filled in — pending, priority 0, runnable now, 5 attempts, no timeout, no lease.
 */
export function newTaskRow(task: NewTask, id: string, now: EpochMs): StoredTask {
  return {
    id,
    mindId: nonEmptyText(task.mindId, 'mindId', 64),
    type: nonEmptyText(task.type, 'type', 100),
    payload: payload(task.payload),
    status: 'pending',
    priority: task.priority === undefined ? 0 : priority(task.priority),
    runAt: task.runAt === undefined ? now : epochMs(task.runAt, 'runAt'),
    attempts: 0,
    maxAttempts: task.maxAttempts === undefined ? DEFAULT_MAX_ATTEMPTS : attemptsLimit(task.maxAttempts),
    leaseOwner: null,
    leaseToken: null,
    leaseExpiresAt: null,
    timeoutMs: timeout(task.timeoutMs),
    progress: null,
    lastError: null,
    result: null,
    idempotencyKey: task.idempotencyKey == null ? null : nonEmptyText(task.idempotencyKey, 'idempotencyKey', 200),
    createdAt: now,
    updatedAt: now,
    finishedAt: null,
  };
}

/**
 * New rows for tasks enqueued together, each with an id of `newId` and all at `now`. Every task is
 * checked here, before any is written: one bad task and none is enqueued.
 */
export function newTaskRows(tasks: readonly NewTask[], newId: () => string, now: EpochMs): StoredTask[] {
  return tasks.map((task) => newTaskRow(task, newId(), now));
}

/** A claim as every TaskStore checks it (see `checkClaim`). */
export interface CheckedClaim {
  owner: string;
  now: EpochMs;
  limit: number;
  /** When the leases handed out expire: now + leaseMs. */
  leaseUntil: EpochMs;
  /** Only tasks of these Minds, or of any Mind when absent. */
  mindIds: string[] | undefined;
  /** Only tasks of these types, or of any type when absent. */
  types: string[] | undefined;
  /**
   * Per-Mind limits, each from 1 to `limit` (Minds given 0, or left out by `mindIds`, dropped), in
   * the order given; `mindIds` is then their Minds. Undefined: no per-Mind limit.
   */
  perMind: Array<{ mindId: string; limit: number }> | undefined;
  /** Read before taking the write lock (an idle poll). */
  probeFirst: boolean;
}

/** The per-Mind limits of a claim: a plain object of Mind id → non-negative integer. */
function perMindLimits(value: unknown, limit: number, mindIds: string[] | undefined): CheckedClaim['perMind'] {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalidInput('perMind', `must be an object of Mind id → tasks at most, got ${shown(value)}`);
  }
  const only = mindIds === undefined ? undefined : new Set(mindIds);
  const limits: Array<{ mindId: string; limit: number }> = [];
  for (const [mindId, most] of Object.entries(value as Record<string, unknown>)) {
    const n = count(most, `perMind.${mindId}`);
    if (n > 0 && (only === undefined || only.has(mindId))) limits.push({ mindId, limit: Math.min(n, limit) });
  }
  return limits;
}

/**
 * Claim options as every TaskStore checks them; null when the claim can take nothing (no Minds, no
 * types, or no Mind with a free slot).
 */
export function checkClaim(options: ClaimOptions): CheckedClaim | null {
  const owner = nonEmptyText(options.owner, 'owner', 200);
  const now = epochMs(options.now, 'now');
  const limit = parseLimit(options.limit);
  const leaseUntil = now + count(options.leaseMs, 'leaseMs');
  const mindIds = options.mindIds === undefined ? undefined : stringList(options.mindIds, 'mindIds');
  const types = options.types === undefined ? undefined : stringList(options.types, 'types');
  const perMind = perMindLimits(options.perMind, limit, mindIds);
  if (mindIds?.length === 0 || types?.length === 0 || perMind?.length === 0) return null;
  return {
    owner,
    now,
    limit,
    leaseUntil,
    mindIds: perMind ? perMind.map((m) => m.mindId) : mindIds,
    types,
    perMind,
    probeFirst: options.probeFirst === true,
  };
}

/**
 * The batch of a claim out of its runnable tasks, given in claim order: the first `limit` of them
 * that keep each Mind within its per-Mind limit (when the claim has them).
 */
export function withinClaimLimits<T extends { mindId: string }>(ordered: readonly T[], claim: CheckedClaim): T[] {
  const room = claim.perMind ? new Map(claim.perMind.map((m) => [m.mindId, m.limit])) : undefined;
  const batch: T[] = [];
  for (const task of ordered) {
    if (batch.length >= claim.limit) break;
    if (room) {
      const left = room.get(task.mindId) ?? 0;
      if (left <= 0) continue;
      room.set(task.mindId, left - 1);
    }
    batch.push(task);
  }
  return batch;
}

/** A lease as every TaskStore checks it: the `{ id, token }` a claim returned. */
export function checkLease(lease: TaskLease): TaskLease {
  if (typeof lease !== 'object' || lease === null) {
    throw invalidInput('lease', `must be the { id, token } a claim returned, got ${shown(lease)}`);
  }
  return { id: nonEmptyText(lease.id, 'lease.id'), token: nonEmptyText(lease.token, 'lease.token') };
}

/**
 * Completions as every TaskStore checks them, all before any is written: the time, the leases, and
 * results that are JSON, each turned by `store` into what the store keeps (the field names the item).
 */
export function checkCompletions<T>(
  items: readonly TaskCompletion[],
  now: EpochMs,
  store: (result: unknown, field: string) => T,
): Array<{ lease: TaskLease; result: T }> {
  epochMs(now, 'now');
  return items.map((item, i) => ({
    lease: checkLease(item.lease),
    result: store(jsonValue(item.result ?? null, `items.${i}.result`), `items.${i}.result`),
  }));
}

/** Completes one task through `completeMany`: the stored task, or null when its lease is gone. */
export async function completeTask(
  store: TaskStore,
  lease: TaskLease,
  result: unknown,
  now: EpochMs,
): Promise<StoredTask | null> {
  const [done] = await store.completeMany([{ lease, result }], now);
  return done ?? null;
}
