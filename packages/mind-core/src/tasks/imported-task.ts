import type { StoredTask } from '../ports/task-store';
import { TASK_STATUSES } from '../ports/task-store';
import { invalidInput } from '../shared/errors';
import { count, epochMs, jsonValue, nonEmptyText, oneOf } from '../shared/validation';
import { newTaskRow } from './new-task';

const orNull = <T>(value: unknown, check: (v: unknown) => T): T | null => (value == null ? null : check(value));

/**
 * A whole task row to import (from another home or an earlier Genesis), as every TaskStore checks
 * it in `importMany`: the fields a new task has, checked as `enqueue` checks them, and the state
 * (status, attempts, lease, result, times) checked for type and range. Returns a plain copy.
 * A `running` row must carry a lease expiry, so that a claim can take it back once it expires.
 */
export function checkImportedTask(row: StoredTask, field = 'task'): StoredTask {
  if (typeof row !== 'object' || row === null) throw invalidInput(field, 'must be a task row');
  const createdAt = epochMs(row.createdAt, 'createdAt');
  const base = newTaskRow(
    {
      mindId: row.mindId,
      type: row.type,
      payload: row.payload,
      priority: row.priority,
      runAt: row.runAt,
      maxAttempts: row.maxAttempts,
      idempotencyKey: row.idempotencyKey,
      timeoutMs: row.timeoutMs,
    },
    nonEmptyText(row.id, 'id', 36),
    createdAt,
  );
  const status = oneOf(row.status, TASK_STATUSES, 'status');
  const leaseExpiresAt = orNull(row.leaseExpiresAt, (v) => epochMs(v, 'leaseExpiresAt'));
  if (status === 'running' && leaseExpiresAt === null) {
    throw invalidInput('leaseExpiresAt', 'must be set on a running task (when its lease ends)');
  }
  return {
    ...base,
    status,
    attempts: count(row.attempts, 'attempts'),
    leaseOwner: orNull(row.leaseOwner, (v) => nonEmptyText(v, 'leaseOwner', 200)),
    leaseToken: orNull(row.leaseToken, (v) => nonEmptyText(v, 'leaseToken', 36)),
    leaseExpiresAt,
    progress: jsonValue(row.progress ?? null, 'progress'),
    lastError: orNull(row.lastError, (v) => {
      if (typeof v !== 'string') throw invalidInput('lastError', 'must be a string or null');
      return v.slice(0, 10_000);
    }),
    result: jsonValue(row.result ?? null, 'result'),
    updatedAt: epochMs(row.updatedAt, 'updatedAt'),
    finishedAt: orNull(row.finishedAt, (v) => epochMs(v, 'finishedAt')),
  };
}
