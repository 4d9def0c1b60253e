/** One page of a keyset-paginated query. `nextCursor` is null on the last page. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** Epoch milliseconds (UTC). Every timestamp that crosses a port is one of these. */
export type EpochMs = number;
