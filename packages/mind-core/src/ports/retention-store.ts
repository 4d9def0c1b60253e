import type { StoredMessage } from './message-store';
import type { EpochMs } from './page';

/** A message's place in the retention order: (createdAt, id) ascending, archived or not. */
export interface MessagePosition {
  createdAt: EpochMs;
  id: string;
}

/** One batch of a delete: how many rows went, and where the next batch continues (null: nothing left). */
export interface RetentionBatch {
  removed: number;
  /** Opaque; pass it to the next call of the same method with the same arguments. */
  cursor: string | null;
}

/**
 * The batch operations retention runs on the SQL tier. Every delete is its own short transaction of
 * at most `limit` rows, chosen by a read outside it (keyset, indexed), and checks its condition
 * again when it deletes (a row that changed meanwhile, say a concern reopened, stays). So other
 * writers never wait for more than one small batch. The `count…` methods answer a dry run.
 *
 * "Closed" concerns are resolved, dismissed or expired (by their last change, `updatedAt`);
 * "finished" tasks are succeeded, dead or cancelled (by `finishedAt`): pending, running and failed
 * ones are never removed.
 */
export interface RetentionStore {
  /**
   * Where a Mind that keeps only its newest `keep` messages starts keeping: the position of its
   * keep-th newest message; null when it has `keep` messages or fewer.
   */
  newestKept(mindId: string, keep: number): Promise<MessagePosition | null>;
  /**
   * Messages (archived or not) strictly before `until`, oldest first by (createdAt, id), strictly
   * after `after` when given; at most `limit`.
   */
  oldestMessages(
    mindId: string,
    range: { until: MessagePosition; after?: MessagePosition | null },
    limit: number,
  ): Promise<StoredMessage[]>;
  /** How many messages (archived or not) are strictly before `until`. */
  countMessagesBefore(mindId: string, until: MessagePosition): Promise<number>;
  /** Deletes these messages of the Mind in one transaction; returns how many were there. */
  deleteMessages(mindId: string, ids: readonly string[]): Promise<number>;

  countClosedConcerns(mindId: string, before: EpochMs): Promise<number>;
  deleteClosedConcerns(mindId: string, before: EpochMs, limit: number, cursor?: string | null): Promise<RetentionBatch>;
  countFinishedTasks(mindId: string, before: EpochMs): Promise<number>;
  deleteFinishedTasks(mindId: string, before: EpochMs, limit: number, cursor?: string | null): Promise<RetentionBatch>;
  /** Fire records of the Mind's concern checks that fired before `before`. */
  countConcernFires(mindId: string, before: EpochMs): Promise<number>;
  deleteConcernFires(mindId: string, before: EpochMs, limit: number, cursor?: string | null): Promise<RetentionBatch>;
  /**
   * Fire records of the slots before `before` of the Mind's schedules, or (mindId null) of the
   * daemon's own schedules.
   */
  countScheduleFires(mindId: string | null, before: EpochMs): Promise<number>;
  deleteScheduleFires(
    mindId: string | null,
    before: EpochMs,
    limit: number,
    cursor?: string | null,
  ): Promise<RetentionBatch>;
}
