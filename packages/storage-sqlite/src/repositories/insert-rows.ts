import type { AppendResult } from '@genesis/mind-core';
import type { SqlExecutor } from '../sql-database';

/** Parameters per INSERT at most: well under the limits of SQLite (32766) and PostgreSQL (65535). */
const PARAMETERS_PER_INSERT = 4000;

/** The unique key of the tables of rows appended by their source: (mind_id, source_key). */
export const SOURCE_KEY = 'mind_id, source_key';

/** Skip a row that collides with a stored one on any unique key (its id, or a natural key). */
export const ANY_UNIQUE_KEY = null;

/**
 * Inserts rows (each the values of `columns`, in that order) into `table` in one write transaction,
 * as many rows per INSERT as the parameter budget allows. A row that collides with one already
 * there is skipped and the stored row left as it is, so an import can run again and changes
 * nothing: on the unique key `conflictKey` (its columns, e.g. {@link SOURCE_KEY}; a collision on
 * another key fails the write), or on any unique key ({@link ANY_UNIQUE_KEY}).
 */
export async function insertRows(
  db: SqlExecutor,
  table: string,
  columns: string,
  rows: ReadonlyArray<readonly unknown[]>,
  conflictKey: string | typeof ANY_UNIQUE_KEY,
): Promise<AppendResult> {
  if (rows.length === 0) return { inserted: 0, skipped: 0 };
  const width = columns.split(',').length;
  const tuple = `(${new Array(width).fill('?').join(', ')})`;
  const chunk = Math.floor(PARAMETERS_PER_INSERT / width);
  const onConflict =
    conflictKey === ANY_UNIQUE_KEY ? 'ON CONFLICT DO NOTHING' : `ON CONFLICT (${conflictKey}) DO NOTHING`;
  const inserted = await db.write(async (tx) => {
    let count = 0;
    for (let i = 0; i < rows.length; i += chunk) {
      const part = rows.slice(i, i + chunk);
      count += await tx.run(
        `INSERT INTO ${table} (${columns}) VALUES ${part.map(() => tuple).join(', ')} ${onConflict}`,
        part.flat(),
      );
    }
    return count;
  });
  return { inserted, skipped: rows.length - inserted };
}
