import { GenesisError, retryDelayMs } from '@genesis/mind-core';
import type { BackoffOptions, ClaimOptions, Clock, Logger, Mind, StoredTask } from '@genesis/mind-core';
import type { TaskHandlers, TaskLease } from '@genesis/mind-core';
import type { TaskStore } from '@genesis/mind-core';
import type { CompletionBatcher } from './completion-batcher';

export interface TaskRunnerOptions {
  leaseMs: number;
  backoff: BackoffOptions;
}

/** Why an attempt was stopped from outside its handler. */
type StopReason = 'timeout' | 'lease-lost' | 'shutdown' | 'mind-lost';

/** A running attempt: its abort controller, its task, and why it was stopped from outside. */
type Attempt = AbortController & { task: StoredTask; reason?: StopReason };

export type AttemptOutcome = 'succeeded' | 'failed' | 'given-back' | 'refused';

/**
 * Runs one attempt of a claimed task: renews its lease every leaseMs/3 while the handler runs,
 * aborts it past its timeoutMs (TASK_TIMEOUT), and records the outcome — every write conditional
 * on the attempt's lease token, so a worker that lost its lease changes nothing.
 */
export class TaskRunner {
  private readonly running = new Map<string, Attempt>();

  constructor(
    private readonly tasks: TaskStore,
    private readonly completions: CompletionBatcher,
    private readonly handlers: TaskHandlers,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly options: TaskRunnerOptions,
  ) {}

  /** Stops the running attempts of one Mind (its lease was lost) or all (shutdown). */
  stopAttempts(reason: StopReason, mindId?: string): void {
    for (const controller of this.running.values()) {
      const { task } = controller;
      if (mindId !== undefined && task.mindId !== mindId) continue;
      controller.reason ??= reason;
      controller.abort(
        new GenesisError(reason === 'shutdown' ? 'DAEMON_STOPPING' : 'LEASE_LOST', `attempt stopped: ${reason}`),
      );
    }
  }

  get size(): number {
    return this.running.size;
  }

  /** Claims the next tasks, writing the completions waiting for their group commit in the same transaction. */
  claim(options: ClaimOptions): Promise<StoredTask[]> {
    return this.completions.claim(options);
  }

  /**
   * Runs one attempt; resolves with its outcome once that is durable. `handlerEnded` is called as
   * soon as the handler ended (or was abandoned), before its outcome is written: the worker frees
   * the attempt's slot then, while the completion waits for its group commit.
   */
  async run(task: StoredTask, mind: () => Promise<Mind>, handlerEnded?: () => void): Promise<AttemptOutcome> {
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      handlerEnded?.();
    };
    const lease: TaskLease = { id: task.id, token: task.leaseToken ?? '' };
    const log = this.log.child({ taskId: task.id, mindId: task.mindId, type: task.type, attempt: task.attempts });
    const controller: Attempt = Object.assign(new AbortController(), { task });
    this.running.set(task.id, controller);
    const timers: NodeJS.Timeout[] = [];
    const stopped = new Promise<StopReason>((resolve) =>
      controller.signal.addEventListener('abort', () => resolve(controller.reason ?? 'shutdown'), { once: true }),
    );
    try {
      const handler = this.handlers[task.type];
      if (!handler) {
        const known = Object.keys(this.handlers).sort();
        end();
        return await this.failAttempt(
          task,
          lease,
          log,
          `TASK_HANDLER_MISSING: no handler for task type "${task.type}" (registered: ${known.join(', ') || 'none'})`,
        );
      }
      if (task.timeoutMs !== null) {
        timers.push(
          setTimeout(() => {
            controller.reason ??= 'timeout';
            controller.abort(
              new GenesisError('TASK_TIMEOUT', `task ${task.id} ran past its timeout of ${task.timeoutMs} ms`),
            );
          }, task.timeoutMs),
        );
      }
      timers.push(
        setInterval(
          () => void this.heartbeat(lease, controller, log),
          Math.max(50, Math.floor(this.options.leaseMs / 3)),
        ),
      );

      const work = (async () =>
        handler({
          task,
          mind: await mind(),
          signal: controller.signal,
          log,
          progress: async (progress) => {
            if (!(await this.tasks.progress(lease, progress, this.clock.now())))
              log.warn('progress refused: the lease of this attempt is gone');
          },
        }))();
      const settled = await Promise.race([
        work.then(
          (result) => ({ kind: 'done' as const, result }),
          (error: unknown) => ({ kind: 'error' as const, error }),
        ),
        stopped.then((reason) => ({ kind: 'stopped' as const, reason })),
      ]);
      end();
      if (settled.kind === 'done') {
        if (controller.signal.aborted) return this.afterStop(task, lease, log, controller.reason ?? 'shutdown');
        const done = await this.completions.complete(lease, settled.result ?? null);
        if (!done) {
          log.warn('completion refused: this attempt lost its lease (another worker has the task)');
          return 'refused';
        }
        return 'succeeded';
      }
      if (settled.kind === 'stopped' || controller.signal.aborted)
        return this.afterStop(task, lease, log, controller.reason ?? 'shutdown');
      const error = settled.error;
      const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      return await this.failAttempt(task, lease, log, message);
    } finally {
      end();
      for (const timer of timers) clearTimeout(timer);
      this.running.delete(task.id);
    }
  }

  private async afterStop(
    task: StoredTask,
    lease: TaskLease,
    log: Logger,
    reason: StopReason,
  ): Promise<AttemptOutcome> {
    if (reason === 'timeout') {
      return this.failAttempt(task, lease, log, `TASK_TIMEOUT: ran past its timeout of ${task.timeoutMs} ms`);
    }
    if (reason === 'shutdown') {
      // Given back: pending again, the attempt not counted — the shutdown was not the task's fault.
      const released = await this.tasks.release(lease, this.clock.now());
      log.info({ released: released !== null }, 'attempt given back at shutdown');
      return released ? 'given-back' : 'refused';
    }
    // The lease (of the task or of its Mind) is gone: another worker may run it; write nothing.
    log.warn({ reason }, 'attempt abandoned: its lease is gone');
    return 'refused';
  }

  private async failAttempt(task: StoredTask, lease: TaskLease, log: Logger, message: string): Promise<AttemptOutcome> {
    const now = this.clock.now();
    const retryAt = now + retryDelayMs(task.attempts, this.options.backoff);
    const failed = await this.tasks.fail(lease, message, now, retryAt);
    if (!failed) {
      log.warn({ error: message }, 'failure refused: this attempt lost its lease');
      return 'refused';
    }
    if (failed.status === 'dead')
      log.error({ error: message, attempts: failed.attempts }, 'task is dead: no attempts left');
    else log.warn({ error: message, retryAt: new Date(retryAt).toISOString() }, 'attempt failed; will retry');
    return 'failed';
  }

  private async heartbeat(lease: TaskLease, controller: Attempt, log: Logger): Promise<void> {
    if (controller.signal.aborted) return;
    try {
      if (await this.tasks.heartbeat(lease, this.clock.now(), this.options.leaseMs)) return;
      controller.reason ??= 'lease-lost';
      controller.abort(new GenesisError('LEASE_LOST', `task ${lease.id} lost its lease`));
    } catch (error) {
      // The lease lasts leaseMs and is renewed every third of it: one failed renewal is survivable.
      log.warn({ err: error }, 'heartbeat failed; will retry');
    }
  }
}
