import type { StoredMessage } from '../ports/message-store';
import type { EpochMs } from '../ports/page';
import type { MessagePosition, RetentionBatch, RetentionStore } from '../ports/retention-store';
import { epochMs, nonEmptyText, parseLimit } from '../shared/validation';
import { copy, InMemoryStore } from './in-memory-state';

const CLOSED = new Set(['resolved', 'dismissed', 'expired']);
const FINISHED = new Set(['succeeded', 'dead', 'cancelled']);
const MAX_BATCH = 5000;

const before = (a: MessagePosition, b: MessagePosition): boolean =>
  a.createdAt !== b.createdAt ? a.createdAt < b.createdAt : a.id < b.id;
const position = (m: StoredMessage): MessagePosition => ({ createdAt: m.createdAt, id: m.id });

/**
 * The RetentionStore port in memory, behaving like the SQL one: the same rows go, at most `limit`
 * per call; the cursor is non-null while a call may have left rows behind.
 */
export class InMemoryRetentionStore extends InMemoryStore implements RetentionStore {
  async newestKept(mindId: string, keep: number): Promise<MessagePosition | null> {
    const rows = this.ofMind(mindId).sort((a, b) => (before(a, b) ? 1 : -1));
    const kept = rows[keep - 1];
    return rows.length > keep && kept ? position(kept) : null;
  }

  async oldestMessages(
    mindId: string,
    range: { until: MessagePosition; after?: MessagePosition | null },
    limit: number,
  ): Promise<StoredMessage[]> {
    const { after } = range;
    return this.ofMind(mindId)
      .filter((m) => before(position(m), range.until) && (!after || before(after, position(m))))
      .sort((a, b) => (before(a, b) ? -1 : 1))
      .slice(0, parseLimit(limit, 'limit', MAX_BATCH))
      .map(copy);
  }

  async countMessagesBefore(mindId: string, until: MessagePosition): Promise<number> {
    return this.ofMind(mindId).filter((m) => before(position(m), until)).length;
  }

  async deleteMessages(mindId: string, ids: readonly string[]): Promise<number> {
    const gone = new Set(ids);
    const n = this.state.messages.length;
    this.state.messages = this.state.messages.filter((m) => !(m.mindId === mindId && gone.has(m.id)));
    return n - this.state.messages.length;
  }

  async countClosedConcerns(mindId: string, at: EpochMs): Promise<number> {
    return this.state.concerns.filter((c) => this.closed(c, mindId, at)).length;
  }

  async deleteClosedConcerns(mindId: string, at: EpochMs, limit: number): Promise<RetentionBatch> {
    return this.take(this.state.concerns, (c) => this.closed(c, mindId, at), limit);
  }

  async countFinishedTasks(mindId: string, at: EpochMs): Promise<number> {
    return this.state.tasks.filter((t) => this.finished(t, mindId, at)).length;
  }

  async deleteFinishedTasks(mindId: string, at: EpochMs, limit: number): Promise<RetentionBatch> {
    return this.take(this.state.tasks, (t) => this.finished(t, mindId, at), limit);
  }

  async countConcernFires(mindId: string, at: EpochMs): Promise<number> {
    epochMs(at, 'before');
    return this.state.concernFires.filter((f) => f.mindId === mindId && f.firedAt < at).length;
  }

  async deleteConcernFires(mindId: string, at: EpochMs, limit: number): Promise<RetentionBatch> {
    epochMs(at, 'before');
    return this.take(this.state.concernFires, (f) => f.mindId === mindId && f.firedAt < at, limit);
  }

  async countScheduleFires(mindId: string | null, at: EpochMs): Promise<number> {
    const owned = this.schedulesOf(mindId);
    return this.state.scheduleFires.filter((f) => owned.has(f.scheduleId) && f.slotAt < epochMs(at, 'before')).length;
  }

  async deleteScheduleFires(mindId: string | null, at: EpochMs, limit: number): Promise<RetentionBatch> {
    const owned = this.schedulesOf(mindId);
    return this.take(
      this.state.scheduleFires,
      (f) => owned.has(f.scheduleId) && f.slotAt < epochMs(at, 'before'),
      limit,
    );
  }

  private ofMind(mindId: string): StoredMessage[] {
    nonEmptyText(mindId, 'mindId');
    return this.state.messages.filter((m) => m.mindId === mindId);
  }

  private closed(c: { mindId: string; status: string; updatedAt: number }, mindId: string, at: EpochMs): boolean {
    return c.mindId === mindId && CLOSED.has(c.status) && c.updatedAt < epochMs(at, 'before');
  }

  private finished(
    t: { mindId: string; status: string; finishedAt: number | null },
    mindId: string,
    at: EpochMs,
  ): boolean {
    return (
      t.mindId === mindId && FINISHED.has(t.status) && t.finishedAt !== null && t.finishedAt < epochMs(at, 'before')
    );
  }

  private schedulesOf(mindId: string | null): Set<string> {
    return new Set(this.state.schedules.filter((s) => s.mindId === mindId).map((s) => s.id));
  }

  /** Deletes at most `limit` rows that match, in place. */
  private take<T>(rows: T[], match: (row: T) => boolean, limit: number): RetentionBatch {
    const max = parseLimit(limit, 'limit', MAX_BATCH);
    let removed = 0;
    for (let i = 0; i < rows.length && removed < max;) {
      if (match(rows[i]!)) {
        rows.splice(i, 1);
        removed++;
      } else i++;
    }
    return { removed, cursor: removed === max ? 'more' : null };
  }
}
