import { parseLimit } from '@genesis/mind-core';
import type { Page } from '@genesis/mind-core';
import { decodeCursor, toPage, type CursorPosition } from '@genesis/mind-core';
import type { SqlExecutor } from '../sql-database';

type Row = Record<string, unknown>;

/** One keyset page: `WHERE … AND (key, id) >/< cursor ORDER BY key, id LIMIT limit + 1`. */
export interface KeysetQuery<T> {
  db: SqlExecutor;
  columns: string;
  table: string;
  /** Filters (joined with AND; at least one) and their parameters; the cursor condition is added here. */
  where: string[];
  params: unknown[];
  /** The sort key: a column, or an expression such as COALESCE(col, 0). */
  key: string;
  /** The tie-breaker column. Default `id`. */
  id?: string;
  direction: 'ASC' | 'DESC';
  limit: number;
  cursor?: string | null | undefined;
  map: (row: Row) => T;
  position: (item: T) => CursorPosition;
}

export async function keysetPage<T>(q: KeysetQuery<T>): Promise<Page<T>> {
  const limit = parseLimit(q.limit);
  const id = q.id ?? 'id';
  const where = [...q.where];
  const params = [...q.params];
  if (q.cursor) {
    const at = decodeCursor(q.cursor);
    where.push(`(${q.key}, ${id}) ${q.direction === 'DESC' ? '<' : '>'} (?, ?)`);
    params.push(at.key, at.id);
  }
  const clause = where.length > 0 ? ` WHERE ${where.join(' AND ')}` : '';
  const rows = await q.db.all<Row>(
    `SELECT ${q.columns} FROM ${q.table}${clause} ORDER BY ${q.key} ${q.direction}, ${id} ${q.direction} LIMIT ?`,
    [...params, limit + 1],
  );
  return toPage(rows.map(q.map), limit, q.position);
}
