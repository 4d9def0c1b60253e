import type { SqlExecutor } from '../sql-database';
import type { Row } from './values';

/**
 * Runs `statement` (an INSERT or UPDATE) with `RETURNING columns` and gives back the rows it
 * wrote. TypeORM would run a statement that starts with INSERT or UPDATE through sqlite3's `run`
 * (no rows) and hand PostgreSQL's back as a `[rows, count]` pair, so the statement is phrased for
 * each driver to read it as a query.
 */
export function writeReturning(
  tx: SqlExecutor,
  statement: string,
  columns: string,
  params: readonly unknown[],
): Promise<Row[]> {
  return tx.dialect === 'postgres'
    ? tx.all<Row>(`WITH written AS (${statement} RETURNING ${columns}) SELECT ${columns} FROM written`, params)
    : tx.all<Row>(`/* rows */ ${statement} RETURNING ${columns}`, params);
}
