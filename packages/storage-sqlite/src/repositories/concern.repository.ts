import { inject, injectable } from 'tsyringe';
import { checkConcernPatch, CLOCK, newConcernRow, CONCERN_STATUSES, epochMs } from '@genesis/mind-core';
import { checkConcernFire, checkDueAfter } from '@genesis/mind-core';
import { checkImportedConcern, type AppendResult } from '@genesis/mind-core';
import type { ConcernFire, DuePosition, StatusGuard } from '@genesis/mind-core';
import { invalidInput, nonEmptyText, oneOf, parseLimit } from '@genesis/mind-core';
import type { Clock, ConcernFilter, ConcernPatch, ConcernQuery, ConcernStore } from '@genesis/mind-core';
import type { NewConcern, Page, StoredConcern } from '@genesis/mind-core';
import { countRows, keysetPage, type WhereTerms } from './keyset';
import { insertRows } from './insert-rows';
import type { SqlExecutor } from '../sql-database';
import { SQL_EXECUTOR } from '../tokens';
import { asIs, inList, json, newId, num, numOrNull, rowCodec, strOrNull, text, toJson } from './values';
import type { Row } from './values';

const { columns: COLUMNS, read: toConcern } = rowCodec<StoredConcern>({
  id: text,
  mindId: text,
  userEmail: strOrNull,
  concernType: asIs,
  description: text,
  severity: num,
  urgency: asIs,
  status: asIs,
  nextCheckAt: num,
  followUpCount: num,
  lastCheckedAt: numOrNull,
  resolvedAt: numOrNull,
  expiresAt: numOrNull,
  memoryId: strOrNull,
  metadata: json<Record<string, unknown>>({}),
  createdAt: num,
  updatedAt: num,
});

const { columns: FIRE_COLUMNS, read: toFire } = rowCodec<ConcernFire>({
  concernId: text,
  mindId: text,
  userEmail: strOrNull,
  checkAt: num,
  firedAt: num,
  taskId: strOrNull,
});

/** Parameters per INSERT at most: well under the limits of SQLite (32766) and PostgreSQL (65535). */
const PARAMETERS_PER_INSERT = 4000;
const CONCERN_WIDTH = COLUMNS.split(',').length;
const CONCERN_TUPLE = `(${new Array(CONCERN_WIDTH).fill('?').join(', ')})`;

/** A concern row's values, in COLUMNS order. */
const concernValues = (row: StoredConcern): unknown[] => [
  row.id,
  row.mindId,
  row.userEmail,
  row.concernType,
  row.description,
  row.severity,
  row.urgency,
  row.status,
  row.nextCheckAt,
  row.followUpCount,
  row.lastCheckedAt,
  row.resolvedAt,
  row.expiresAt,
  row.memoryId,
  toJson(row.metadata, 'metadata'),
  row.createdAt,
  row.updatedAt,
];

/** Patch fields → column names. */
const PATCH_COLUMNS: Record<keyof ConcernPatch, string> = {
  description: 'description',
  severity: 'severity',
  urgency: 'urgency',
  status: 'status',
  nextCheckAt: 'next_check_at',
  followUpCount: 'follow_up_count',
  lastCheckedAt: 'last_checked_at',
  resolvedAt: 'resolved_at',
  expiresAt: 'expires_at',
  memoryId: 'memory_id',
  metadata: 'metadata',
};

/**
 * concerns: proactive follow-ups, paged by (next_check_at, id) ascending; and concern_fires: the
 * checks that fired, one row per (concern_id, check_at), which is what makes a check fire once.
 */
@injectable()
export class ConcernRepository implements ConcernStore {
  constructor(
    @inject(SQL_EXECUTOR) private readonly db: SqlExecutor,
    @inject(CLOCK) private readonly clock: Clock,
  ) {}

  async insert(c: NewConcern): Promise<StoredConcern> {
    const row = newConcernRow(c, newId(), this.clock.now());
    await this.db.run(`INSERT INTO concerns (${COLUMNS}) VALUES ${CONCERN_TUPLE}`, concernValues(row));
    return row;
  }

  async insertMany(concerns: readonly NewConcern[]): Promise<StoredConcern[]> {
    if (!Array.isArray(concerns)) throw invalidInput('concerns', 'must be an array');
    // Every row is built and checked (JSON included) before the transaction: one invalid, none written.
    const now = this.clock.now();
    const rows = concerns.map((c) => newConcernRow(c, newId(), now));
    const values = rows.map(concernValues);
    if (rows.length === 0) return [];
    const chunk = Math.floor(PARAMETERS_PER_INSERT / CONCERN_WIDTH);
    await this.db.write(async (tx) => {
      for (let i = 0; i < values.length; i += chunk) {
        const part = values.slice(i, i + chunk);
        await tx.run(
          `INSERT INTO concerns (${COLUMNS}) VALUES ${part.map(() => CONCERN_TUPLE).join(', ')}`,
          part.flat(),
        );
      }
    });
    return rows;
  }

  async importMany(rows: readonly StoredConcern[]): Promise<AppendResult> {
    if (!Array.isArray(rows)) throw invalidInput('concerns', 'must be an array of concern rows');
    // Every row is checked (JSON included) before the transaction: one invalid, none written.
    const values = rows.map((row, i) => concernValues(checkImportedConcern(row, `concerns.${i}`)));
    return insertRows(this.db, 'concerns', COLUMNS, values, 'id');
  }

  async get(mindId: string, id: string): Promise<StoredConcern | null> {
    const [row] = await this.db.all<Row>(`SELECT ${COLUMNS} FROM concerns WHERE id = ? AND mind_id = ?`, [id, mindId]);
    return row ? toConcern(row) : null;
  }

  async findById(id: string): Promise<StoredConcern | null> {
    const [row] = await this.db.all<Row>(`SELECT ${COLUMNS} FROM concerns WHERE id = ?`, [id]);
    return row ? toConcern(row) : null;
  }

  async update(mindId: string, id: string, patch: ConcernPatch, onlyFrom?: StatusGuard): Promise<StoredConcern | null> {
    const sets: string[] = [];
    const params: unknown[] = [];
    for (const [key, value] of Object.entries(checkConcernPatch(patch))) {
      sets.push(`${PATCH_COLUMNS[key as keyof ConcernPatch]} = ?`);
      params.push(key === 'metadata' ? toJson(value, 'metadata') : value);
    }
    sets.push('updated_at = ?');
    params.push(this.clock.now());
    let guard = '';
    if (onlyFrom && onlyFrom.length > 0) {
      guard = ` AND ${inList('status', onlyFrom.length)}`;
      params.push(...onlyFrom);
    }
    const row = await this.db.write(async (tx) => {
      const changed = await tx.run(`UPDATE concerns SET ${sets.join(', ')} WHERE id = ? AND mind_id = ?${guard}`, [
        ...params.slice(0, sets.length),
        id,
        mindId,
        ...params.slice(sets.length),
      ]);
      if (changed === 0) return undefined;
      const [updated] = await tx.all<Row>(`SELECT ${COLUMNS} FROM concerns WHERE id = ?`, [id]);
      return updated;
    });
    return row ? toConcern(row) : null;
  }

  async list(query: ConcernQuery): Promise<Page<StoredConcern>> {
    return keysetPage({
      db: this.db,
      columns: COLUMNS,
      table: 'concerns',
      ...this.where(query),
      key: 'next_check_at',
      page: query,
      map: toConcern,
      position: (c) => ({ key: c.nextCheckAt, id: c.id }),
    });
  }

  async count(filter: ConcernFilter): Promise<number> {
    return countRows(this.db, 'concerns', this.where(filter));
  }

  async due(mindId: string, now: number, limit: number, after?: DuePosition | null): Promise<StoredConcern[]> {
    const params: unknown[] = [nonEmptyText(mindId, 'mindId'), 'active', epochMs(now, 'now')];
    const from = checkDueAfter(after);
    const take = parseLimit(limit);
    let keyset = '';
    if (from) {
      keyset = ' AND (next_check_at, id) > (?, ?)';
      params.push(from.nextCheckAt, from.id);
    }
    // idx_concerns_mind_status_next (mind_id, status, next_check_at, id): a range scan of what is due.
    const rows = await this.db.all<Row>(
      `SELECT ${COLUMNS} FROM concerns WHERE mind_id = ? AND status = ? AND next_check_at <= ?${keyset} ` +
        'ORDER BY next_check_at ASC, id ASC LIMIT ?',
      [...params, take],
    );
    return rows.map(toConcern);
  }

  async wake(mindId: string, now: number): Promise<number> {
    nonEmptyText(mindId, 'mindId');
    epochMs(now, 'now');
    // One statement over idx_concerns_mind_status_next: only the snoozed rows whose snooze ended.
    // A daemon asks every poll: a read first, so that nothing to wake costs no write transaction.
    const where = 'mind_id = ? AND status = ? AND next_check_at <= ?';
    const params = [mindId, 'snoozed', now];
    if (!(await this.any(where, params))) return 0;
    return this.db.write((tx) =>
      tx.run(`UPDATE concerns SET status = ?, updated_at = ? WHERE ${where}`, ['active', now, ...params]),
    );
  }

  async expire(mindId: string, now: number): Promise<number> {
    nonEmptyText(mindId, 'mindId');
    epochMs(now, 'now');
    // One statement over idx_concerns_mind_status_expires: only the rows whose expiry has passed.
    const where = 'mind_id = ? AND status IN (?, ?) AND expires_at IS NOT NULL AND expires_at <= ?';
    const params = [mindId, 'active', 'snoozed', now];
    if (!(await this.any(where, params))) return 0;
    return this.db.write((tx) =>
      tx.run(`UPDATE concerns SET status = ?, updated_at = ? WHERE ${where}`, ['expired', now, ...params]),
    );
  }

  /** Whether a concern matches (the same index as the update that would follow). */
  private async any(where: string, params: unknown[]): Promise<boolean> {
    return (await this.db.all(`SELECT 1 AS one FROM concerns WHERE ${where} LIMIT 1`, params)).length > 0;
  }

  async recordFire(fire: ConcernFire): Promise<boolean> {
    const f = checkConcernFire(fire);
    // The primary key (concern_id, check_at) decides: a check fired already (also by a concurrent
    // transaction, which this insert waits for) inserts nothing.
    const inserted = await this.db.run(
      `INSERT INTO concern_fires (${FIRE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (concern_id, check_at) DO NOTHING`,
      [f.concernId, f.mindId, f.userEmail, f.checkAt, f.firedAt, f.taskId],
    );
    return inserted > 0;
  }

  async fires(mindId: string, concernIds: readonly string[]): Promise<ConcernFire[]> {
    nonEmptyText(mindId, 'mindId');
    if (!Array.isArray(concernIds)) throw invalidInput('concernIds', 'must be an array');
    const ids = [...new Set(concernIds.map((id) => nonEmptyText(id, 'concernIds')))];
    const fires: ConcernFire[] = [];
    const chunk = PARAMETERS_PER_INSERT;
    for (let i = 0; i < ids.length; i += chunk) {
      const part = ids.slice(i, i + chunk);
      // By primary key (concern_id, …); the mind is checked on the few rows found, so that the
      // planner never walks all of a Mind's fires through the (mind_id, …) index instead.
      const rows = await this.db.all<Row>(
        `SELECT ${FIRE_COLUMNS} FROM concern_fires WHERE ${inList('concern_id', part.length)}`,
        part,
      );
      fires.push(...rows.map(toFire).filter((f) => f.mindId === mindId));
    }
    return fires.sort(
      (a, b) => a.checkAt - b.checkAt || (a.concernId < b.concernId ? -1 : a.concernId > b.concernId ? 1 : 0),
    );
  }

  async countFires(mindId: string, userEmail: string | null, since: number): Promise<number> {
    nonEmptyText(mindId, 'mindId');
    epochMs(since, 'since');
    if (userEmail !== null) nonEmptyText(userEmail, 'userEmail');
    // idx_concern_fires_mind_user_fired (mind_id, user_email, fired_at).
    const user = userEmail === null ? 'user_email IS NULL' : 'user_email = ?';
    const [row] = await this.db.all<{ n: unknown }>(
      `SELECT COUNT(*) AS n FROM concern_fires WHERE mind_id = ? AND ${user} AND fired_at >= ?`,
      userEmail === null ? [mindId, since] : [mindId, userEmail, since],
    );
    return num(row?.n ?? 0);
  }

  private where(filter: ConcernFilter): WhereTerms {
    const where = ['mind_id = ?'];
    const params: unknown[] = [nonEmptyText(filter.mindId, 'mindId')];
    if (filter.status !== undefined) {
      const statuses = (Array.isArray(filter.status) ? filter.status : [filter.status]) as unknown[];
      if (statuses.length === 0) throw invalidInput('status', 'must name at least one status when given as a list');
      for (const s of statuses) oneOf(s, CONCERN_STATUSES, 'status');
      if (statuses.length === 1) where.push('status = ?');
      else where.push(inList('status', statuses.length));
      params.push(...statuses);
    }
    if (filter.userEmail !== undefined) {
      where.push('user_email = ?');
      params.push(filter.userEmail);
    }
    if (filter.dueAfter !== undefined) {
      where.push('next_check_at >= ?');
      params.push(epochMs(filter.dueAfter, 'dueAfter'));
    }
    if (filter.dueBefore !== undefined) {
      where.push('next_check_at < ?');
      params.push(epochMs(filter.dueBefore, 'dueBefore'));
    }
    return { where, params };
  }
}
