import type { AppendResult } from '../ports/message-store';

/**
 * Appends to `stored` each of `rows` that collides with no row there (`taken`), as the in-memory
 * stores' `importMany` do: a row taken is skipped and the stored one left as it is. Rows are
 * appended in order, so a later row of `rows` also sees the earlier ones.
 */
export function appendAbsent<T>(stored: T[], rows: readonly T[], taken: (row: T) => boolean): AppendResult {
  let inserted = 0;
  for (const row of rows) {
    if (taken(row)) continue;
    stored.push(row);
    inserted++;
  }
  return { inserted, skipped: rows.length - inserted };
}
