import type { EpochMs } from '../ports/page';
import type { NewTask, StoredTask } from '../ports/task-store';
import { count, epochMs, integer, jsonValue, nonEmptyText } from '../shared/validation';

/** Attempts a task gets unless it says otherwise. */
export const DEFAULT_MAX_ATTEMPTS = 5;

/**
 * A new task as every TaskStore stores it: the input checked (the stores' assertion) and its
 * defaults filled in — pending, priority 0, runnable now, at least one attempt.
 */
export function newTaskRow(task: NewTask, id: string, now: EpochMs): StoredTask {
  const maxAttempts = task.maxAttempts === undefined ? DEFAULT_MAX_ATTEMPTS : count(task.maxAttempts, 'maxAttempts');
  return {
    id,
    mindId: nonEmptyText(task.mindId, 'mindId', 64),
    type: nonEmptyText(task.type, 'type', 100),
    payload: jsonValue(task.payload ?? null, 'payload'),
    status: 'pending',
    priority: task.priority === undefined ? 0 : integer(task.priority, 'priority'),
    runAt: task.runAt === undefined ? now : epochMs(task.runAt, 'runAt'),
    attempts: 0,
    maxAttempts: Math.max(1, maxAttempts),
    leaseOwner: null,
    leaseExpiresAt: null,
    lastError: null,
    result: null,
    idempotencyKey: task.idempotencyKey == null ? null : nonEmptyText(task.idempotencyKey, 'idempotencyKey', 200),
    createdAt: now,
    updatedAt: now,
    finishedAt: null,
  };
}
