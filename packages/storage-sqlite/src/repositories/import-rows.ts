import type { AppendResult } from '@genesis/mind-core';
import type { SqlExecutor } from '../sql-database';

/** Parameters per INSERT at most: well under the limits of SQLite (32766) and PostgreSQL (65535). */
const PARAMETERS_PER_INSERT = 4000;

/**
 * Imports whole rows (each the values of `columns`, in that order) into `table` in one write
 * transaction: a row that collides with one already there on any unique key (its id, or a natural
 * key such as (mind_id, name)) is skipped and the stored row left as it is, so an import can run
 * again and changes nothing.
 */
export async function importRows(
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
        `INSERT INTO ${table} (${columns}) VALUES ${part.map(() => tuple).join(', ')} ON CONFLICT DO NOTHING`,
        part.flat(),
      );
    }
    return count;
  });
  return { inserted, skipped: rows.length - inserted };
}
