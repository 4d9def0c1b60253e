import type { Logger, StoredTask, TaskLease, TaskStore } from '@genesis/mind-core';

interface Pending {
  lease: TaskLease;
  result: unknown;
  resolve: (task: StoredTask | null) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit of completions: completions that arrive within `windowMs` of each other are written
 * in one transaction (`completeMany`), so finishing many short tasks costs one commit, not one each.
 * Each caller still learns whether its own completion was accepted (its lease still held).
 */
export class CompletionBatcher {
  private queue: Pending[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

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
      else this.flushSoon(this.windowMs);
    });
  }

  /** Writes whatever is queued (at shutdown). */
  async drain(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.flush();
  }

  private flushSoon(delay: number): void {
    if (this.timer && delay > 0) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, delay);
  }

  private flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
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
    });
    return this.flushing;
  }
}
