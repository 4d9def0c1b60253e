import { checkConcernPatch, newConcernRow } from '../concerns/new-concern';
import { CONCERN_STATUSES, type ConcernFire, type DuePosition, type StatusGuard } from '../ports/concern-store';
import type { ConcernFilter, ConcernPatch, ConcernQuery, ConcernStore } from '../ports/concern-store';
import type { NewConcern, StoredConcern } from '../ports/concern-store';
import { checkImportedConcern } from '../concerns/imported-concern';
import type { AppendResult } from '../ports/message-store';
import type { EpochMs, Page } from '../ports/page';
import { invalidInput } from '../shared/errors';
import { checkConcernFire, checkDueAfter } from '../concerns/new-concern';
import { epochMs, nonEmptyText, oneOf, parseLimit } from '../shared/validation';
import { copy, jsonCopy, keysetPage, metadataCopy, newId, InMemoryStore } from './in-memory-state';
import { appendAbsent } from './append-absent';

/** The ConcernStore port in memory, behaving like the SQL one: pages on (nextCheckAt, id) ascending. */
export class InMemoryConcernStore extends InMemoryStore implements ConcernStore {
  /** Every stored row in insertion order (copies), for assertions. */
  get rows(): StoredConcern[] {
    return this.state.concerns.map(copy);
  }

  async insert(c: NewConcern): Promise<StoredConcern> {
    const row = newConcernRow(c, newId(), this.clock.now());
    row.metadata = metadataCopy(row.metadata);
    this.state.concerns.push(row);
    return copy(row);
  }

  async insertMany(concerns: readonly NewConcern[]): Promise<StoredConcern[]> {
    if (!Array.isArray(concerns)) throw invalidInput('concerns', 'must be an array');
    // Every row is built and checked before any is stored: one invalid concern and none is written.
    const now = this.clock.now();
    const rows = concerns.map((c) => {
      const row = newConcernRow(c, newId(), now);
      row.metadata = metadataCopy(row.metadata);
      return row;
    });
    this.state.concerns.push(...rows);
    return rows.map(copy);
  }

  async get(mindId: string, id: string): Promise<StoredConcern | null> {
    const row = this.state.concerns.find((c) => c.id === id && c.mindId === mindId);
    return row ? copy(row) : null;
  }

  async findById(id: string): Promise<StoredConcern | null> {
    const row = this.state.concerns.find((c) => c.id === id);
    return row ? copy(row) : null;
  }

  async update(mindId: string, id: string, patch: ConcernPatch, onlyFrom?: StatusGuard): Promise<StoredConcern | null> {
    // Every value is checked before anything changes, whether or not a row matches.
    const changes = checkConcernPatch(patch);
    if (changes.metadata !== undefined) changes.metadata = jsonCopy(changes.metadata, 'metadata');
    const row = this.state.concerns.find((c) => c.id === id && c.mindId === mindId);
    if (!row) return null;
    if (onlyFrom && onlyFrom.length > 0 && !onlyFrom.includes(row.status)) return null;
    Object.assign(row, changes, { updatedAt: this.clock.now() });
    return copy(row);
  }

  async list(query: ConcernQuery): Promise<Page<StoredConcern>> {
    return keysetPage(this.matching(query), {
      limit: query.limit,
      cursor: query.cursor,
      direction: 'asc',
      position: (c) => ({ key: c.nextCheckAt, id: c.id }),
    });
  }

  async count(filter: ConcernFilter): Promise<number> {
    return this.matching(filter).length;
  }

  async due(mindId: string, now: EpochMs, limit: number, after?: DuePosition | null): Promise<StoredConcern[]> {
    nonEmptyText(mindId, 'mindId');
    epochMs(now, 'now');
    parseLimit(limit);
    const from = checkDueAfter(after);
    return this.state.concerns
      .filter(
        (c) =>
          c.mindId === mindId &&
          c.status === 'active' &&
          c.nextCheckAt <= now &&
          (from === null || c.nextCheckAt > from.nextCheckAt || (c.nextCheckAt === from.nextCheckAt && c.id > from.id)),
      )
      .sort((a, b) => a.nextCheckAt - b.nextCheckAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .slice(0, limit)
      .map(copy);
  }

  async wake(mindId: string, now: EpochMs): Promise<number> {
    nonEmptyText(mindId, 'mindId');
    epochMs(now, 'now');
    let changed = 0;
    for (const c of this.state.concerns) {
      if (c.mindId === mindId && c.status === 'snoozed' && c.nextCheckAt <= now) {
        c.status = 'active';
        c.updatedAt = now;
        changed++;
      }
    }
    return changed;
  }

  async expire(mindId: string, now: EpochMs): Promise<number> {
    epochMs(now, 'now');
    let changed = 0;
    for (const c of this.state.concerns) {
      if (
        c.mindId === mindId &&
        (c.status === 'active' || c.status === 'snoozed') &&
        c.expiresAt !== null &&
        c.expiresAt <= now
      ) {
        c.status = 'expired';
        c.updatedAt = now;
        changed++;
      }
    }
    return changed;
  }

  async recordFire(fire: ConcernFire): Promise<boolean> {
    const row = checkConcernFire(fire);
    if (this.state.concernFires.some((f) => f.concernId === row.concernId && f.checkAt === row.checkAt)) return false;
    this.state.concernFires.push(row);
    return true;
  }

  async fires(mindId: string, concernIds: readonly string[]): Promise<ConcernFire[]> {
    nonEmptyText(mindId, 'mindId');
    if (!Array.isArray(concernIds)) throw invalidInput('concernIds', 'must be an array');
    const wanted = new Set(concernIds.map((id) => nonEmptyText(id, 'concernIds')));
    return this.state.concernFires
      .filter((f) => f.mindId === mindId && wanted.has(f.concernId))
      .sort((a, b) => a.checkAt - b.checkAt || (a.concernId < b.concernId ? -1 : a.concernId > b.concernId ? 1 : 0))
      .map(copy);
  }

  async countFires(mindId: string, userEmail: string | null, since: EpochMs): Promise<number> {
    nonEmptyText(mindId, 'mindId');
    epochMs(since, 'since');
    if (userEmail !== null) nonEmptyText(userEmail, 'userEmail');
    return this.state.concernFires.filter((f) => f.mindId === mindId && f.userEmail === userEmail && f.firedAt >= since)
      .length;
  }

  async importMany(rows: readonly StoredConcern[]): Promise<AppendResult> {
    if (!Array.isArray(rows)) throw invalidInput('concerns', 'must be an array of concern rows');
    // Every row is checked before any is stored: one invalid row and none is written.
    const checked = rows.map((row, i) => {
      const concern = checkImportedConcern(row, `concerns.${i}`);
      concern.metadata = metadataCopy(concern.metadata);
      return concern;
    });
    return appendAbsent(this.state.concerns, checked, (row) => this.state.concerns.some((c) => c.id === row.id));
  }

  private matching(filter: ConcernFilter): StoredConcern[] {
    const mindId = nonEmptyText(filter.mindId, 'mindId');
    const listed =
      filter.status === undefined
        ? undefined
        : Array.isArray(filter.status)
          ? (filter.status as readonly unknown[])
          : [filter.status];
    if (listed?.length === 0) throw invalidInput('status', 'must name at least one status when given as a list');
    const statuses = listed?.map((s) => oneOf(s, CONCERN_STATUSES, 'status'));
    const dueAfter = filter.dueAfter === undefined ? undefined : epochMs(filter.dueAfter, 'dueAfter');
    const dueBefore = filter.dueBefore === undefined ? undefined : epochMs(filter.dueBefore, 'dueBefore');
    return this.state.concerns.filter(
      (c) =>
        c.mindId === mindId &&
        (statuses === undefined || statuses.includes(c.status)) &&
        (filter.userEmail === undefined || c.userEmail === filter.userEmail) &&
        (dueAfter === undefined || c.nextCheckAt >= dueAfter) &&
        (dueBefore === undefined || c.nextCheckAt < dueBefore),
    );
  }
}
