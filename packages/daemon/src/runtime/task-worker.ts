import type { Clock, Logger, Mind, StoredTask, TaskStore } from '@genesis/mind-core';
import type { AttemptOutcome, TaskRunner } from './task-runner';

export interface TaskWorkerOptions {
  /** This daemon's id: the lease owner of the tasks it runs. */
  ownerId: string;
  leaseMs: number;
  /** Attempts running at once, over all Minds. */
  concurrency: number;
  /** Attempts running at once for one Mind, so a busy Mind never starves the others. */
  perMindConcurrency: number;
  /** How often to look for work when nothing woke the worker. */
  pollMs: number;
  /** The Minds whose tasks may run (the ones this daemon holds). */
  minds(): readonly string[];
  /** Opens a Mind for its handlers. */
  loadMind(mindId: string): Promise<Mind>;
  onOutcome?(task: StoredTask, outcome: AttemptOutcome): void;
}

/**
 * The claim loop: takes runnable tasks of the held Minds in batches, within the global and
 * per-Mind limits, and hands each to the runner. Wakes at once on `wake()` (an enqueue in this
 * process, a NOTIFY), else every pollMs.
 */
export class TaskWorker {
  private readonly perMind = new Map<string, number>();
  private readonly inFlight = new Set<Promise<void>>();
  private running = false;
  private wakeUp: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  private woken = false;

  constructor(
    private readonly tasks: TaskStore,
    private readonly runner: TaskRunner,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly options: TaskWorkerOptions,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Looks for work now instead of at the next poll. */
  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  /** Attempts running now. */
  get active(): number {
    return this.inFlight.size;
  }

  /** Stops claiming; resolves once the loop has ended (running attempts go on: see `settle`). */
  async stopClaiming(): Promise<void> {
    this.running = false;
    this.wakeUp?.();
    await this.loop;
  }

  /** Waits for the running attempts, at most `timeoutMs`; returns whether they all ended. */
  async settle(timeoutMs: number): Promise<boolean> {
    const all = Promise.all([...this.inFlight]).then(() => true);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    const done = await Promise.race([all, timeout]);
    clearTimeout(timer);
    return done;
  }

  /** Waits for every running attempt to end (after they were told to stop). */
  async drained(): Promise<void> {
    await Promise.all([...this.inFlight]);
  }

  private async run(): Promise<void> {
    while (this.running) {
      let claimed = 0;
      try {
        claimed = await this.claimAndStart();
      } catch (error) {
        this.log.error({ err: error }, 'claiming tasks failed; will try again');
      }
      // Work was found and there may be more: go on at once; else sleep until woken or the poll.
      if (claimed > 0 && this.hasCapacity()) continue;
      await this.sleep(this.options.pollMs);
    }
  }

  private hasCapacity(): boolean {
    return this.inFlight.size < this.options.concurrency;
  }

  private async claimAndStart(): Promise<number> {
    let started = 0;
    while (this.running && this.hasCapacity()) {
      const eligible = this.options.minds().filter((m) => (this.perMind.get(m) ?? 0) < this.options.perMindConcurrency);
      if (eligible.length === 0) break;
      const minFree = Math.min(...eligible.map((m) => this.options.perMindConcurrency - (this.perMind.get(m) ?? 0)));
      const limit = Math.max(1, Math.min(this.options.concurrency - this.inFlight.size, minFree, 100));
      this.woken = false;
      const claimed = await this.tasks.claim({
        owner: this.options.ownerId,
        now: this.clock.now(),
        leaseMs: this.options.leaseMs,
        limit,
        mindIds: eligible,
      });
      for (const task of claimed) this.startAttempt(task);
      started += claimed.length;
      if (claimed.length < limit) break;
    }
    return started;
  }

  private startAttempt(task: StoredTask): void {
    this.perMind.set(task.mindId, (this.perMind.get(task.mindId) ?? 0) + 1);
    const attempt = this.runner
      .run(task, () => this.options.loadMind(task.mindId))
      .then(
        (outcome) => this.options.onOutcome?.(task, outcome),
        (error: unknown) => this.log.error({ err: error, taskId: task.id }, 'an attempt failed outside its handler'),
      )
      .finally(() => {
        const left = (this.perMind.get(task.mindId) ?? 1) - 1;
        if (left <= 0) this.perMind.delete(task.mindId);
        else this.perMind.set(task.mindId, left);
        this.inFlight.delete(attempt);
        // A slot is free: look for more work now.
        if (this.running) this.wake();
      });
    this.inFlight.add(attempt);
  }

  private sleep(ms: number): Promise<void> {
    if (this.woken || !this.running) {
      this.woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = () => {
        this.wakeUp = undefined;
        done();
      };
    });
  }
}
