import { inject, injectable } from 'tsyringe';
import type { Clock } from '../ports/clock';
import type { Logger } from '../ports/logger';
import type { MessageArchive } from '../ports/message-archive';
import type { StoredMessage } from '../ports/message-store';
import type { EpochMs } from '../ports/page';
import type { MessagePosition, RetentionBatch, RetentionStore } from '../ports/retention-store';
import { CLOCK, LOGGER, MESSAGE_ARCHIVE, RETENTION_STORE } from '../ports/tokens';
import { parseGmid } from '../shared/gmid';
import { epochMs } from '../shared/validation';
import { cutoff, mergeRetentionPolicy, type RetentionPolicy } from './retention-policy';

/** What retention did (or, in a dry run, would do) to one store. */
export interface StoreRetention {
  removed: number;
  archived: number;
}

export interface MessageRetention extends StoreRetention {
  /** Rows of batches archived by an earlier run that stopped before deleting them, deleted now (counted in `removed`). */
  recovered: number;
  /** The archive batches written, oldest first. */
  files: string[];
}

export interface RetentionReport {
  /** The Mind, or null for the home's own rows (the daemon's schedule fires). */
  mindId: string | null;
  dryRun: boolean;
  /** The time the policy's ages are counted back from. */
  now: EpochMs;
  policy: RetentionPolicy;
  messages: MessageRetention;
  concerns: StoreRetention;
  tasks: StoreRetention;
  concernFires: StoreRetention;
  scheduleFires: StoreRetention;
  tookMs: number;
}

export interface ApplyRetentionOptions {
  /** Count what would go, and write nothing. */
  dryRun?: boolean;
  /** Default: the clock's now. */
  now?: EpochMs;
  /** Stops between batches (throws its reason): what was done stays done, and a rerun goes on. */
  signal?: AbortSignal;
  /** Told after every batch, with the report so far. */
  onProgress?: (report: RetentionReport) => void;
}

const emptyStore = (): StoreRetention => ({ removed: 0, archived: 0 });
/** Lets queued work (a writer waiting for the database) run between two batches. */
const yieldNow = () => new Promise<void>((resolve) => setImmediate(resolve));
const later = (a: MessagePosition, b: MessagePosition): boolean =>
  a.createdAt !== b.createdAt ? a.createdAt > b.createdAt : a.id > b.id;

/**
 * Applies retention policies over the ports: per Mind, each store's rows older than its policy are
 * deleted in small batches (each its own short transaction), messages archived first (see
 * MessageArchive for why each is archived exactly once). Memories are never touched.
 */
@injectable()
export class RetentionService {
  /** Messages per archive file at most. */
  fileMessages = 10_000;
  /** Content bytes per archive file at most (a file is closed once past it). */
  fileBytes = 32 * 1024 * 1024;

  constructor(
    @inject(RETENTION_STORE) private readonly store: RetentionStore,
    @inject(MESSAGE_ARCHIVE) private readonly archive: MessageArchive,
    @inject(CLOCK) private readonly clock: Clock,
    @inject(LOGGER) private readonly log: Logger,
  ) {}

  /** Applies `policy` to one Mind's messages, concerns, tasks, concern fires and schedule fires. */
  async apply(mindId: string, policy: RetentionPolicy, options: ApplyRetentionOptions = {}): Promise<RetentionReport> {
    parseGmid(mindId);
    const report = this.newReport(mindId, policy, options);
    const started = Date.now();
    const { now } = report;
    const p = report.policy;
    const progress = () => {
      report.tookMs = Date.now() - started;
      options.onProgress?.(report);
    };
    await this.messages(mindId, p, report, options, progress);
    report.concerns = await this.batches(
      cutoff(now, p.concerns.closedMaxAgeDays),
      options,
      progress,
      (before) => this.store.countClosedConcerns(mindId, before),
      (before, cursor) => this.store.deleteClosedConcerns(mindId, before, p.batchSize, cursor),
      (r) => (report.concerns = r),
    );
    report.tasks = await this.batches(
      cutoff(now, p.tasks.finishedMaxAgeDays),
      options,
      progress,
      (before) => this.store.countFinishedTasks(mindId, before),
      (before, cursor) => this.store.deleteFinishedTasks(mindId, before, p.batchSize, cursor),
      (r) => (report.tasks = r),
    );
    report.concernFires = await this.batches(
      cutoff(now, p.concernFires.maxAgeDays),
      options,
      progress,
      (before) => this.store.countConcernFires(mindId, before),
      (before, cursor) => this.store.deleteConcernFires(mindId, before, p.batchSize, cursor),
      (r) => (report.concernFires = r),
    );
    report.scheduleFires = await this.scheduleFires(mindId, report, options, progress);
    report.tookMs = Date.now() - started;
    this.log.info(
      {
        mindId,
        dryRun: report.dryRun,
        messages: report.messages.removed,
        archived: report.messages.archived,
        concerns: report.concerns.removed,
        tasks: report.tasks.removed,
        concernFires: report.concernFires.removed,
        scheduleFires: report.scheduleFires.removed,
        tookMs: report.tookMs,
      },
      report.dryRun ? 'retention dry run' : 'retention applied',
    );
    return report;
  }

  /** Applies `policy` to the home's own rows: the fire records of the daemon's schedules. */
  async applyHome(policy: RetentionPolicy, options: ApplyRetentionOptions = {}): Promise<RetentionReport> {
    const report = this.newReport(null, policy, options);
    const started = Date.now();
    report.scheduleFires = await this.scheduleFires(null, report, options, () => {
      report.tookMs = Date.now() - started;
      options.onProgress?.(report);
    });
    report.tookMs = Date.now() - started;
    return report;
  }

  private newReport(mindId: string | null, policy: RetentionPolicy, options: ApplyRetentionOptions): RetentionReport {
    return {
      mindId,
      dryRun: options.dryRun === true,
      now: options.now === undefined ? this.clock.now() : epochMs(options.now, 'now'),
      // Validated and complete (a policy built by hand may miss sections).
      policy: mergeRetentionPolicy(policy),
      messages: { ...emptyStore(), recovered: 0, files: [] },
      concerns: emptyStore(),
      tasks: emptyStore(),
      concernFires: emptyStore(),
      scheduleFires: emptyStore(),
      tookMs: 0,
    };
  }

  private scheduleFires(
    mindId: string | null,
    report: RetentionReport,
    options: ApplyRetentionOptions,
    progress: () => void,
  ): Promise<StoreRetention> {
    const p = report.policy;
    return this.batches(
      cutoff(report.now, p.scheduleFires.maxAgeDays),
      options,
      progress,
      (before) => this.store.countScheduleFires(mindId, before),
      (before, cursor) => this.store.deleteScheduleFires(mindId, before, p.batchSize, cursor),
      (r) => (report.scheduleFires = r),
    );
  }

  /** Deletes in batches until the store says nothing is left (or counts, in a dry run). */
  private async batches(
    before: EpochMs | null,
    options: ApplyRetentionOptions,
    progress: () => void,
    count: (before: EpochMs) => Promise<number>,
    remove: (before: EpochMs, cursor: string | null) => Promise<RetentionBatch>,
    update: (r: StoreRetention) => void,
  ): Promise<StoreRetention> {
    const result = emptyStore();
    if (before === null) return result;
    if (options.dryRun) {
      result.removed = await count(before);
      return result;
    }
    let cursor: string | null = null;
    do {
      options.signal?.throwIfAborted();
      const batch: RetentionBatch = await remove(before, cursor);
      result.removed += batch.removed;
      cursor = batch.cursor;
      update(result);
      progress();
      await yieldNow();
    } while (cursor !== null);
    return result;
  }

  /** Where a Mind's messages start being kept: the later of the age cut-off and the newest `maxPerMind`. */
  private async messageBoundary(
    mindId: string,
    policy: RetentionPolicy,
    now: EpochMs,
  ): Promise<MessagePosition | null> {
    const before = cutoff(now, policy.messages.maxAgeDays);
    let until: MessagePosition | null = before === null ? null : { createdAt: before, id: '' };
    if (policy.messages.maxPerMind !== null) {
      const kept = await this.store.newestKept(mindId, policy.messages.maxPerMind);
      if (kept && (until === null || later(kept, until))) until = kept;
    }
    return until;
  }

  private async messages(
    mindId: string,
    policy: RetentionPolicy,
    report: RetentionReport,
    options: ApplyRetentionOptions,
    progress: () => void,
  ): Promise<void> {
    const result = report.messages;
    const archive = policy.messages.archive;
    if (options.dryRun) {
      const until = await this.messageBoundary(mindId, policy, report.now);
      const n = until === null ? 0 : await this.store.countMessagesBefore(mindId, until);
      result.removed = n;
      result.archived = archive ? n : 0;
      return;
    }
    const deleteIds = async (ids: readonly string[]): Promise<number> => {
      let removed = 0;
      for (let i = 0; i < ids.length; i += policy.batchSize) {
        removed += await this.store.deleteMessages(mindId, ids.slice(i, i + policy.batchSize));
        await yieldNow();
      }
      return removed;
    };
    await this.archive.withLock(mindId, async () => {
      // First finish what a run that stopped between archiving and deleting left behind.
      for (const pending of await this.archive.pending(mindId)) {
        const removed = await deleteIds(pending.ids);
        await this.archive.commit(mindId, pending.name);
        result.recovered += removed;
        result.removed += removed;
        this.log.warn(
          { mindId, batch: pending.name, messages: pending.ids.length, deletedNow: removed },
          'finished an archive batch that an earlier retention run left pending',
        );
      }
      // The boundary is taken under the lock, after the pending batches are gone.
      const until = await this.messageBoundary(mindId, policy, report.now);
      if (until === null) return;
      let after: MessagePosition | null = null;
      for (;;) {
        options.signal?.throwIfAborted();
        const batch: StoredMessage[] = [];
        let bytes = 0;
        // One archive file: pages of batchSize (each a short read) up to the file's size.
        const size = archive ? this.fileMessages : policy.batchSize;
        while (batch.length < size && bytes < this.fileBytes) {
          const want = Math.min(policy.batchSize, size - batch.length);
          const page = await this.store.oldestMessages(mindId, { until, after }, want);
          batch.push(...page);
          for (const m of page) bytes += m.content.length;
          await yieldNow();
          if (page.length < want) break;
          const last = page[page.length - 1]!;
          after = { createdAt: last.createdAt, id: last.id };
        }
        if (batch.length === 0) break;
        const last = batch[batch.length - 1]!;
        after = { createdAt: last.createdAt, id: last.id };
        const ids = batch.map((m) => m.id);
        if (archive) {
          const written = await this.archive.write(mindId, batch);
          result.files.push(written.name);
          result.archived += written.messages;
          result.removed += await deleteIds(ids);
          await this.archive.commit(mindId, written.name);
        } else {
          result.removed += await deleteIds(ids);
        }
        progress();
        if (batch.length < size && bytes < this.fileBytes) break;
      }
    });
  }
}
