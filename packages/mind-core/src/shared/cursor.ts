import { GenesisError } from './errors';

/**
 * Keyset cursors: the (sort key, id) of the last row of a page, as opaque base64url text.
 * The sort key is an epoch-ms timestamp (or null where the column is nullable).
 */
export interface CursorPosition {
  key: number | null;
  id: string;
}

export function encodeCursor(position: CursorPosition): string {
  return Buffer.from(JSON.stringify([position.key, position.id]), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): CursorPosition {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch (cause) {
    throw new GenesisError(
      'INVALID_CURSOR',
      `cursor ${JSON.stringify(cursor.slice(0, 80))} is not a cursor of this list: pass the nextCursor of a previous page unchanged`,
      { field: 'cursor', cause },
    );
  }
  if (
    !Array.isArray(parsed) ||
    parsed.length !== 2 ||
    !(typeof parsed[0] === 'number' || parsed[0] === null) ||
    typeof parsed[1] !== 'string'
  ) {
    throw new GenesisError(
      'INVALID_CURSOR',
      `cursor ${JSON.stringify(cursor.slice(0, 80))} is not a cursor of this list: pass the nextCursor of a previous page unchanged`,
      { field: 'cursor' },
    );
  }
  return { key: parsed[0] as number | null, id: parsed[1] };
}

/** Builds a page from `limit + 1` fetched rows. */
export function toPage<T>(
  rows: T[],
  limit: number,
  position: (row: T) => CursorPosition,
): { items: T[]; nextCursor: string | null } {
  if (rows.length <= limit) return { items: rows, nextCursor: null };
  const items = rows.slice(0, limit);
  return { items, nextCursor: encodeCursor(position(items[items.length - 1]!)) };
}
