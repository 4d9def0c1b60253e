/**
 * Tells daemons at once that a task was enqueued, across processes (PostgreSQL LISTEN/NOTIFY).
 * Best effort: daemons still poll, so a missed notification only delays a task.
 */
export interface TaskNotifier {
  /** Calls `listener` with the Mind of each task enqueued anywhere; resolves to the unsubscribe. */
  subscribe(listener: (mindId: string) => void): Promise<() => Promise<void>>;
}

/** The channel task enqueues are announced on. */
export const TASK_CHANNEL = 'genesis_tasks';
