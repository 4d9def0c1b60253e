import type { AppendResult } from '@genesis/mind-core';
import type { SqlExecutor } from '../sql-database';

/** Parameters per INSERT at most: well under the limits of SQLite (32766) and PostgreSQL (65535). */
const PARAMETERS_PER_INSERT = 4000;

/**
 * Appends rows (each the values of `columns`, in that order) to a table of rows keyed by
 * (mind_id, source_key), in one write transaction and as many rows per INSERT as the parameter
 * budget allows. A row whose source key is there already is skipped, so an import can run again.
 */
export async function appendRows(
  db: SqlExecutor,
  table: string,
  columns: string,
  rows: ReadonlyArray<readonly unknown[]>,
): Promise<AppendResult> {
  if (rows.length === 0) return { inserted: 0, skipped: 0 };
  const width = columns.split(',').length;
  const tuple = `(${new Array(width).fill('?').join(', ')})`;
  const chunk = Math.floor(PARAMETERS_PER_INSERT / width);
  const inserted = await db.write(async (tx) => {
    let count = 0;
    for (let i = 0; i < rows.length; i += chunk) {
      const part = rows.slice(i, i + chunk);
      count += await tx.run(
        `INSERT INTO ${table} (${columns}) VALUES ${part.map(() => tuple).join(', ')} ON CONFLICT (mind_id, source_key) DO NOTHING`,
        part.flat(),
      );
    }
    return count;
  });
  return { inserted, skipped: rows.length - inserted };
}
