import type { EpochMs } from '../ports/page';
import type { NewTask, StoredTask } from '../ports/task-store';
import { invalidInput } from '../shared/errors';
import { epochMs, integer, jsonValue, nonEmptyText, shown } from '../shared/validation';

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
