import type { Clock } from '../ports/clock';
import type { Logger } from '../ports/logger';
import type { Page } from '../ports/page';
import { TASK_STATUSES, type NewTask, type StoredTask, type TaskStatus, type TaskStore } from '../ports/task-store';
import { GenesisError, invalidInput } from '../shared/errors';
import { nonEmptyText, oneOf, parseLimit, toEpochMs, type TimeInput } from '../shared/validation';

export interface EnqueueInput {
  type: string;
  payload?: unknown;
  /** When it may run first (default: now). */
  runAt?: TimeInput;
  /** Higher runs first. Default 0. */
  priority?: number;
  /** Attempts before the task is dead. At least 1; default 5. */
  maxAttempts?: number;
  /** Unique per Mind: the same key again returns the first task, `created: false`. */
  idempotencyKey?: string;
  /** An attempt running longer is aborted and fails with TASK_TIMEOUT. */
  timeoutMs?: number;
}

export interface ListTasksInput {
  status?: TaskStatus;
  type?: string;
  limit: number;
  cursor?: string | null;
}

/**
 * A Mind's durable background tasks (`mind.tasks`): enqueued here, run by the daemon that holds
 * the Mind, with retries, leases and crash recovery handled by the runtime.
 */
export class TaskManager {
  constructor(
    private readonly mindId: string,
    private readonly store: TaskStore,
    private readonly clock: Clock,
    private readonly log: Logger,
    /** The task types that have a handler, when known: enqueueing another type logs a warning. */
    private readonly handledTypes?: () => readonly string[],
    /** Told after an enqueue (a daemon in this process wakes at once). */
    private readonly onEnqueued?: (mindId: string) => void,
  ) {}

  async enqueue(input: EnqueueInput): Promise<{ task: StoredTask; created: boolean }> {
    const result = await this.store.enqueue(this.toNew(input));
    if (result.created) this.onEnqueued?.(this.mindId);
    return result;
  }

  /** Enqueues all in one transaction (all or nothing), in order. */
  async enqueueMany(inputs: readonly EnqueueInput[]): Promise<Array<{ task: StoredTask; created: boolean }>> {
    if (!Array.isArray(inputs) || inputs.length === 0) throw invalidInput('tasks', 'must be a non-empty list of tasks');
    const rows = inputs.map((input, i) => {
      try {
        return this.toNew(input);
      } catch (error) {
        if (!(error instanceof GenesisError) || error.field === undefined) throw error;
        throw invalidInput(`tasks.${i}.${error.field}`, error.message.slice(error.field.length + 1));
      }
    });
    const results = await this.store.enqueueMany(rows);
    if (results.some((r) => r.created)) this.onEnqueued?.(this.mindId);
    return results;
  }

  async get(id: string): Promise<StoredTask | null> {
    const task = await this.store.get(nonEmptyText(id, 'id', 64));
    return task && task.mindId === this.mindId ? task : null;
  }

  /** By run time, oldest first, keyset-paginated. */
  async list(input: ListTasksInput): Promise<Page<StoredTask>> {
    return this.store.list({
      mindId: this.mindId,
      ...(input.status !== undefined ? { status: oneOf(input.status, TASK_STATUSES, 'status') } : {}),
      ...(input.type !== undefined ? { type: nonEmptyText(input.type, 'type', 100) } : {}),
      limit: parseLimit(input.limit),
      cursor: input.cursor ?? null,
    });
  }

  /** Tasks per status. */
  async counts(): Promise<Record<TaskStatus, number>> {
    return this.store.counts(this.mindId);
  }

  /** Cancels a pending or running task (a running handler is told through its signal by the daemon). */
  async cancel(id: string): Promise<StoredTask> {
    return this.transition(
      id,
      (taskId, now) => this.store.cancel(taskId, now),
      'only pending or running tasks can be cancelled',
    );
  }

  /** A dead or failed task back to pending, now, with its attempts reset. */
  async retry(id: string): Promise<StoredTask> {
    return this.transition(
      id,
      (taskId, now) => this.store.retry(taskId, now),
      'only dead or failed tasks can be retried',
    );
  }

  /** Applies a status change the store makes only from certain statuses; INVALID_TRANSITION otherwise. */
  private async transition(
    id: string,
    change: (taskId: string, now: number) => Promise<StoredTask | null>,
    rule: string,
  ): Promise<StoredTask> {
    const task = await this.require(id);
    const changed = await change(task.id, this.clock.now());
    if (!changed)
      throw new GenesisError('INVALID_TRANSITION', `Task ${id} is ${task.status}: ${rule}`, { field: 'id' });
    return changed;
  }

  private async require(id: string): Promise<StoredTask> {
    const task = await this.get(id);
    if (!task)
      throw new GenesisError('TASK_NOT_FOUND', `No task ${JSON.stringify(id)} for Mind ${this.mindId}`, {
        field: 'id',
      });
    return task;
  }

  private toNew(input: EnqueueInput): NewTask {
    if (typeof input !== 'object' || input === null) throw invalidInput('task', 'must be an object with a type');
    const type = nonEmptyText(input.type, 'type', 100);
    const handled = this.handledTypes?.();
    if (handled && !handled.includes(type)) {
      this.log.warn(
        { mindId: this.mindId, type, handled },
        `no handler for task type "${type}" yet: it will fail when it runs unless one is registered`,
      );
    }
    return {
      mindId: this.mindId,
      type,
      ...(input.payload !== undefined ? { payload: input.payload } : {}),
      ...(input.runAt !== undefined ? { runAt: toEpochMs(input.runAt, 'runAt') } : {}),
      ...(input.priority !== undefined ? { priority: input.priority } : {}),
      ...(input.maxAttempts !== undefined ? { maxAttempts: input.maxAttempts } : {}),
      ...(input.idempotencyKey !== undefined ? { idempotencyKey: input.idempotencyKey } : {}),
      ...(input.timeoutMs !== undefined ? { timeoutMs: input.timeoutMs } : {}),
    };
  }
}
