import type { StoredTask, TaskHandlers } from '@genesis/mind-core';
import { FOLLOW_UP_TASK } from './follow-ups';
import type { AttemptOutcome } from './task-runner';

/** Hears what the daemon's runtime did: `task.finished` and `follow-up.fired` (see `GenesisEvent`). */
export type DaemonEventListener = (mindId: string, type: string, data: Record<string, unknown>) => void;

/**
 * Turns attempt outcomes into events: each handler is timed and its result kept until the outcome
 * is durable, then `task.finished` (succeeded, failed with a retry to come, or dead) is told, and
 * for a delivered follow-up also `follow-up.fired`. Attempts given back or refused tell nothing.
 */
export class TaskEvents {
  private readonly attempts = new Map<string, { started: number; ended?: number; result?: unknown }>();

  constructor(private readonly emit: DaemonEventListener) {}

  /** The handlers, each timed and its result kept for `outcome`. */
  observe(handlers: TaskHandlers): TaskHandlers {
    return Object.fromEntries(
      Object.entries(handlers).map(([type, handler]) => [
        type,
        async (context: Parameters<typeof handler>[0]) => {
          const attempt: { started: number; ended?: number; result?: unknown } = { started: performance.now() };
          this.attempts.set(context.task.id, attempt);
          try {
            attempt.result = await handler(context);
            return attempt.result;
          } finally {
            attempt.ended = performance.now();
          }
        },
      ]),
    );
  }

  /** Called once an attempt's outcome is written. */
  outcome(task: StoredTask, outcome: AttemptOutcome): void {
    const attempt = this.attempts.get(task.id);
    this.attempts.delete(task.id);
    if (outcome !== 'succeeded' && outcome !== 'failed') return;
    const status = outcome === 'succeeded' ? 'succeeded' : task.attempts >= task.maxAttempts ? 'dead' : 'failed';
    const durationMs = attempt ? (attempt.ended ?? performance.now()) - attempt.started : 0;
    this.emit(task.mindId, 'task.finished', {
      taskId: task.id,
      type: task.type,
      status,
      attempts: task.attempts,
      durationMs: Math.round(durationMs * 1000) / 1000,
    });
    const result = attempt?.result;
    if (task.type === FOLLOW_UP_TASK && status === 'succeeded' && isDelivery(result)) {
      this.emit(task.mindId, 'follow-up.fired', {
        concernId: result.concernId,
        check: typeof result.check === 'number' ? new Date(result.check).toISOString() : null,
        taskId: task.id,
        messageId: result.messageId ?? null,
        delivered: result.delivered,
      });
    }
  }
}

function isDelivery(
  result: unknown,
): result is { concernId: string; check?: unknown; messageId?: string | null; delivered: string[] } {
  return (
    typeof result === 'object' &&
    result !== null &&
    !('skipped' in result) &&
    'concernId' in result &&
    Array.isArray((result as { delivered?: unknown }).delivered)
  );
}
