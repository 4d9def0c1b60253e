import { inject, injectable } from 'tsyringe';
import { checkConcernPatch, CLOCK, newConcernRow, CONCERN_STATUSES, epochMs } from '@genesis/mind-core';
import type { StatusGuard } from '@genesis/mind-core';
import { invalidInput, nonEmptyText, oneOf, parseLimit } from '@genesis/mind-core';
import type { Clock, ConcernFilter, ConcernPatch, ConcernQuery, ConcernStore } from '@genesis/mind-core';
import type { NewConcern, Page, StoredConcern } from '@genesis/mind-core';
import { countRows, keysetPage, type WhereTerms } from './keyset';
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

/** concerns: proactive follow-ups, paged by (next_check_at, id) ascending. */
@injectable()
export class ConcernRepository implements ConcernStore {
  constructor(
    @inject(SQL_EXECUTOR) private readonly db: SqlExecutor,
    @inject(CLOCK) private readonly clock: Clock,
  ) {}

  async insert(c: NewConcern): Promise<StoredConcern> {
    const row = newConcernRow(c, newId(), this.clock.now());
    const values = [
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
    await this.db.run(`INSERT INTO concerns (${COLUMNS}) VALUES (${values.map(() => '?').join(', ')})`, values);
    return row;
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

  async due(mindId: string, now: number, limit: number): Promise<StoredConcern[]> {
    const rows = await this.db.all<Row>(
      `SELECT ${COLUMNS} FROM concerns WHERE mind_id = ? AND status = ? AND next_check_at <= ? ORDER BY next_check_at ASC, id ASC LIMIT ?`,
      [nonEmptyText(mindId, 'mindId'), 'active', epochMs(now, 'now'), parseLimit(limit)],
    );
    return rows.map(toConcern);
  }

  async expire(mindId: string, now: number): Promise<number> {
    epochMs(now, 'now');
    return this.db.write((tx) =>
      tx.run(
        'UPDATE concerns SET status = ?, updated_at = ? WHERE mind_id = ? AND status IN (?, ?) AND expires_at IS NOT NULL AND expires_at <= ?',
        ['expired', now, mindId, 'active', 'snoozed', now],
      ),
    );
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
