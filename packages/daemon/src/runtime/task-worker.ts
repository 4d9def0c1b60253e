import type { Clock, Logger, Mind, StoredTask } from '@genesis/mind-core';
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
  /** Slots taken per Mind: handlers running now. */
  private readonly perMind = new Map<string, number>();
  /** Slots taken over all Minds. */
  private busy = 0;
  /** Attempts not yet over: their handler runs, or their outcome is still being written. */
  private readonly inFlight = new Set<Promise<void>>();
  private running = false;
  private wakeUp: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  private woken = false;
  /** The last claim found nothing: the next one looks before it takes. */
  private idle = false;

  constructor(
    // Claims go through the runner (they carry its queued completions); the store is not used here.
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

  /** Attempts whose handler runs now. */
  get active(): number {
    return this.busy;
  }

  /** Stops claiming; resolves once the loop has ended (running attempts go on: see `settle`). */
  async stopClaiming(): Promise<void> {
    this.running = false;
    this.wakeUp?.();
    await this.loop;
  }

  /** Waits for the running attempts and their outcomes, at most `timeoutMs`; returns whether they all ended. */
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
    return this.busy < this.options.concurrency;
  }

  /**
   * Claims as many tasks as there are free slots (at most 100 a claim), each Mind within its own
   * free slots: the store applies the per-Mind limits inside the claim, so one claim fills every
   * free slot of every Mind with work, and a busy Mind never takes the others' slots.
   */
  private async claimAndStart(): Promise<number> {
    let started = 0;
    while (this.running && this.hasCapacity()) {
      // Handlers that end in this turn of the event loop free their slots (and queue their
      // completions) first: one claim then fills them all and carries those completions.
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (!this.running) break;
      const limit = Math.min(this.options.concurrency - this.busy, 100);
      const perMind: Record<string, number> = {};
      let eligible = 0;
      let bounded = false;
      for (const mindId of this.options.minds()) {
        const free = this.options.perMindConcurrency - (this.perMind.get(mindId) ?? 0);
        if (free <= 0) continue;
        perMind[mindId] = free;
        eligible++;
        if (free < limit) bounded = true;
      }
      if (eligible === 0) break;
      this.woken = false;
      // Slots are only freed, never taken, while the claim runs: these limits still hold after it.
      const claimed = await this.runner.claim({
        owner: this.options.ownerId,
        now: this.clock.now(),
        leaseMs: this.options.leaseMs,
        limit,
        // No Mind's free slots below the batch: the per-Mind limits cannot bind, the plain claim is cheaper.
        ...(bounded ? { perMind } : { mindIds: Object.keys(perMind) }),
        // After an empty claim, most likely still nothing: look before taking a write lock.
        ...(this.idle ? { probeFirst: true } : {}),
      });
      this.idle = claimed.length === 0;
      for (const task of claimed) this.startAttempt(task);
      started += claimed.length;
      if (claimed.length < limit) break;
    }
    return started;
  }

  private startAttempt(task: StoredTask): void {
    this.busy++;
    this.perMind.set(task.mindId, (this.perMind.get(task.mindId) ?? 0) + 1);
    let freed = false;
    // The slot is free once the handler ended: its outcome is written (group commit) meanwhile,
    // and the attempt stays in flight until that write is durable.
    const free = () => {
      if (freed) return;
      freed = true;
      this.busy--;
      const left = (this.perMind.get(task.mindId) ?? 1) - 1;
      if (left <= 0) this.perMind.delete(task.mindId);
      else this.perMind.set(task.mindId, left);
      // A slot is free: look for more work now.
      if (this.running) this.wake();
    };
    const attempt = this.runner
      .run(task, () => this.options.loadMind(task.mindId), free)
      .then(
        (outcome) => this.options.onOutcome?.(task, outcome),
        (error: unknown) => this.log.error({ err: error, taskId: task.id }, 'an attempt failed outside its handler'),
      )
      .finally(() => {
        free();
        this.inFlight.delete(attempt);
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
