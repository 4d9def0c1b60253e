import { z } from 'zod';
import { decodeCursor, GenesisError, toPage } from '@genesis/mind-core';
import type { CursorPosition } from '@genesis/mind-core';

/**
 * Pieces every route schema shares. Bodies and query strings are strict (an unknown field is a
 * 400 naming it); path ids are checked before anything is looked up; times are ISO-8601 text.
 */

/** `{gmid}` of a path: its form is checked by `requireMind` (400 INVALID_GMID) before any lookup. */
export const gmidParams = z.strictObject({
  gmid: z.string().max(64).describe('A GMID like GMD-2026-4A7F-9B23'),
});

/** Ids of rows and memories: letters, digits and `._:-`, at most 128 characters. */
export const idSchema = z
  .string()
  .regex(/^[A-Za-z0-9._:-]{1,128}$/, 'must be an id: 1 to 128 letters, digits or ._:-')
  .describe('An id as returned by this API');

export const gmidIdParams = z.strictObject({ gmid: gmidParams.shape.gmid, id: idSchema });

/** A page size in a query string. */
export const limitQuery = (fallback: number, max = 1000) =>
  z.coerce.number().int().min(1).max(max).default(fallback).describe(`Page size, 1 to ${max} (default ${fallback})`);

export const cursorQuery = z
  .string()
  .min(1)
  .max(512)
  .optional()
  .describe('The nextCursor of the previous page, unchanged');

/** A time as ISO-8601 text (`2026-11-28T18:00:00Z`); epoch milliseconds are accepted too. */
export const timeInput = z
  .union([z.string().min(1).max(64), z.number().int().nonnegative()])
  .describe('ISO-8601 time like 2026-11-28T18:00:00Z (or epoch milliseconds)');

/** A time in a query string (text only). */
export const timeQuery = z.string().min(1).max(64).describe('ISO-8601 time like 2026-11-28T18:00:00Z');

export const emailSchema = z.string().min(3).max(320);

/** Plain JSON metadata (an object). */
export const metadataSchema = z.record(z.string(), z.unknown());

/** `{ items, nextCursor }`. */
export const pageOf = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullable() });

export { iso } from '../../views/wire';

/**
 * A keyset page over a list the SDK returns whole (Minds, schedules), ordered by `position`:
 * the cursor is the (key, id) of the last item, as for the SQL lists.
 */
export function pageArray<T>(
  all: readonly T[],
  limit: number,
  cursor: string | undefined,
  position: (item: T) => CursorPosition,
): { items: T[]; nextCursor: string | null } {
  const compare = (a: CursorPosition, b: CursorPosition) =>
    (a.key ?? -1) - (b.key ?? -1) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  const sorted = [...all].sort((a, b) => compare(position(a), position(b)));
  let rest = sorted;
  if (cursor !== undefined) {
    const after = decodeCursor(cursor);
    if (typeof after.key !== 'number')
      throw new GenesisError('INVALID_CURSOR', 'cursor is not a cursor of this list: pass nextCursor unchanged', {
        field: 'cursor',
      });
    rest = sorted.filter((item) => compare(position(item), after) > 0);
  }
  return toPage(rest.slice(0, limit + 1), limit, position);
}

export const errorBody = z.object({
  error: z.object({ code: z.string(), message: z.string(), field: z.string().optional() }),
});
