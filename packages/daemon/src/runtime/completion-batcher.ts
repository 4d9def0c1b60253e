import type { ClaimOptions, Logger, StoredTask, TaskLease, TaskStore } from '@genesis/mind-core';

interface Pending {
  lease: TaskLease;
  result: unknown;
  resolve: (task: StoredTask | null) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit of completions. The worker's next claim carries the completions queued so far
 * (`claim`: one transaction completes them and takes the next tasks), and a slot freed by a
 * finished handler wakes the worker to claim at once, so under load completions cost no commit of
 * their own. Completions no claim took are written on their own `windowMs` after the first of
 * them (`completeMany`, in one transaction); completions that arrive while a write or a claim is in
 * flight wait for it. Each caller learns whether its own completion was accepted (its lease still
 * held) once it is durable.
 */
export class CompletionBatcher {
  private queue: Pending[] = [];
  /** Cancels the scheduled write, if one is scheduled. */
  private scheduled: (() => void) | undefined;
  /** A write of completions, or a claim carrying them, is in flight. */
  private busy = 0;
  private flushing: Promise<void> = Promise.resolve();

  /**
   * @param windowMs how long queued completions wait for a claim to carry them before they are
   *   written on their own.
   * @param maxBatch completions per transaction at most.
   */
  constructor(
    private readonly tasks: TaskStore,
    private readonly now: () => number,
    private readonly log: Logger,
    private readonly windowMs = 2,
    private readonly maxBatch = 200,
  ) {}

  complete(lease: TaskLease, result: unknown): Promise<StoredTask | null> {
    return new Promise((resolve, reject) => {
      this.queue.push({ lease, result, resolve, reject });
      if (this.queue.length >= this.maxBatch) this.flushSoon(0);
      // A write or a claim in flight: the queue is seen to once it ends.
      else if (this.busy === 0) this.flushSoon(this.windowMs);
    });
  }

  /** Completions accepted and not yet written. */
  get pending(): number {
    return this.queue.length;
  }

  /**
   * Claims tasks, writing the completions queued so far in the same transaction. If that fails,
   * nothing was written: the completions are queued again (to be written on their own) and the
   * error is thrown.
   */
  async claim(options: ClaimOptions): Promise<StoredTask[]> {
    const batch = this.queue.splice(0, this.maxBatch);
    if (batch.length === 0) return this.tasks.claim(options);
    this.busy++;
    try {
      const { completed, claimed } = await this.tasks.completeAndClaim(
        batch.map((p) => ({ lease: p.lease, result: p.result })),
        this.now(),
        options,
      );
      batch.forEach((p, i) => p.resolve(completed[i] ?? null));
      return claimed;
    } catch (error) {
      this.queue.unshift(...batch);
      throw error;
    } finally {
      this.busy--;
      this.afterBusy();
    }
  }

  /** Writes whatever is queued (at shutdown). */
  async drain(): Promise<void> {
    this.scheduled?.();
    this.scheduled = undefined;
    await this.flush();
  }

  private afterBusy(): void {
    if (this.busy === 0 && this.queue.length > 0) this.flushSoon(this.windowMs);
  }

  private flushSoon(delay: number): void {
    if (this.scheduled && delay > 0) return;
    this.scheduled?.();
    const timer = setTimeout(() => {
      this.scheduled = undefined;
      void this.flush();
    }, delay);
    this.scheduled = () => clearTimeout(timer);
  }

  private flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      this.busy++;
      try {
        while (this.queue.length > 0) {
          const batch = this.queue.splice(0, this.maxBatch);
          try {
            const results = await this.tasks.completeMany(
              batch.map((p) => ({ lease: p.lease, result: p.result })),
              this.now(),
            );
            batch.forEach((p, i) => p.resolve(results[i] ?? null));
          } catch (error) {
            this.log.error({ err: error, size: batch.length }, 'writing a batch of completions failed');
            for (const p of batch) p.reject(error);
          }
        }
      } finally {
        this.busy--;
        this.afterBusy();
      }
    });
    return this.flushing;
  }
}
