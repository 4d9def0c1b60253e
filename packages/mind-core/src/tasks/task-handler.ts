import type { InjectionToken } from 'tsyringe';
import type { Logger } from '../ports/logger';
import type { StoredTask } from '../ports/task-store';
import type { Mind } from '../mind/mind';

/** What a handler gets for one attempt of a task. */
export interface TaskContext {
  task: StoredTask;
  /** The Mind the task belongs to (held by this daemon while the handler runs). */
  mind: Mind;
  /** Fires when the attempt must stop: its timeoutMs passed, the lease was lost, or the daemon stops. */
  signal: AbortSignal;
  /** Persists progress (any JSON); visible in `mind.tasks.get(id)`. */
  progress(progress: unknown): Promise<void>;
  log: Logger;
}

/** Runs one attempt; what it returns (JSON) is stored as the task's result. Throwing fails the attempt. */
export type TaskHandler = (context: TaskContext) => Promise<unknown>;

/** Handlers by task type. */
export type TaskHandlers = Readonly<Record<string, TaskHandler>>;

/** The handlers the composition registers (built-ins and the SDK user's), merged by type. */
export const TASK_HANDLERS: InjectionToken<TaskHandlers> = Symbol('TaskHandlers');
