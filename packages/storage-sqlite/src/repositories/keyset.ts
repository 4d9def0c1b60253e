import { parseLimit } from '@genesis/mind-core';
import type { Page } from '@genesis/mind-core';
import { decodeCursor, toPage, type CursorPosition } from '@genesis/mind-core';
import type { SqlExecutor } from '../sql-database';
import { num } from './values';
import type { Row } from './values';

/** The filters of a query: WHERE terms (joined with AND) and their parameters. */
export interface WhereTerms {
  where: string[];
  params: unknown[];
}

/** ` WHERE a AND b …`, or nothing when there are no terms. */
function whereClause(where: readonly string[]): string {
  return where.length > 0 ? ` WHERE ${where.join(' AND ')}` : '';
}

/** How many rows of `table` match every term. */
export async function countRows(db: SqlExecutor, table: string, { where, params }: WhereTerms): Promise<number> {
  const [row] = await db.all<{ n: unknown }>(`SELECT COUNT(*) AS n FROM ${table}${whereClause(where)}`, params);
  return num(row?.n ?? 0);
}

/** The SELECT of one keyset page: `WHERE … AND (key, id) >/< cursor ORDER BY key, id LIMIT limit + 1`. */
export interface KeysetSelect {
  columns: string;
  table: string;
  /** Filters (joined with AND; at least one) and their parameters; the cursor condition is added here. */
  where: string[];
  params: unknown[];
  /** The sort key: a column, or an expression such as COALESCE(col, 0). */
  key: string;
  /** The tie-breaker column. Default `id`. */
  id?: string;
  /** The order of the pages. Default `ASC`, as in SQL. */
  direction?: 'ASC' | 'DESC';
  /** The page asked for: its size, and the cursor of the page before (none for the first). */
  page: { limit: number; cursor?: string | null | undefined };
}

/** One keyset page, read and mapped. */
export interface KeysetQuery<T> extends KeysetSelect {
  db: SqlExecutor;
  map: (row: Row) => T;
  position: (item: T) => CursorPosition;
}

/**
 * The SQL of one keyset page (its rows and one more, which tells whether a next page exists), its
 * parameters and the page size: for `keysetPage`, or a query that reads the page in another shape.
 */
export function keysetSelect(q: KeysetSelect): { sql: string; params: unknown[]; limit: number } {
  const limit = parseLimit(q.page.limit);
  const id = q.id ?? 'id';
  const direction = q.direction ?? 'ASC';
  const where = [...q.where];
  const params = [...q.params];
  if (q.page.cursor) {
    const at = decodeCursor(q.page.cursor);
    where.push(`(${q.key}, ${id}) ${direction === 'DESC' ? '<' : '>'} (?, ?)`);
    params.push(at.key, at.id);
  }
  return {
    sql: `SELECT ${q.columns} FROM ${q.table}${whereClause(where)} ORDER BY ${q.key} ${direction}, ${id} ${direction} LIMIT ?`,
    params: [...params, limit + 1],
    limit,
  };
}

export async function keysetPage<T>(q: KeysetQuery<T>): Promise<Page<T>> {
  const { sql, params, limit } = keysetSelect(q);
  const rows = await q.db.all<Row>(sql, params);
  return toPage(rows.map(q.map), limit, q.position);
}
