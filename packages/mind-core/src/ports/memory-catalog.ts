import type { VectorRecord } from './memory-store';
import type { EpochMs } from './page';

/**
 * Where a memory is in its write: `pending` (catalogued, its vector not confirmed yet), `stored`
 * (catalogued and in the vector store: listed and searchable), `deleting` (being removed from both).
 * Only `stored` entries are listed, counted and returned; the others are for repair.
 */
export type CatalogState = 'pending' | 'stored' | 'deleting';

/**
 * The SQL side of the memory tier: one row per memory with the fields that are sorted, counted and
 * changed on every search. The content and the embedding live in the vector store.
 */
export interface CatalogEntry {
  id: string;
  mindId: string;
  memoryType: string;
  importance: number;
  userEmail: string | null;
  relationshipContext: string;
  environmentId: string | null;
  /** The memory's own time (its `timestamp`), not when the row was written. */
  createdAt: EpochMs;
  lastAccessedAt: EpochMs | null;
  accessCount: number;
  state: CatalogState;
  /**
   * How often the row was replaced (`put` with `replace`): set by the store, ignored on input. A
   * reader that caches a memory's text can check it is still current without reading the vector.
   */
  revision?: number;
}

/**
 * Vectors written in the same transaction as a `put`'s entries (all of one Mind), kept in SQL until
 * they reach the vector store: the write-behind queue of new memories. A queued vector replaces one
 * queued earlier under the same id.
 */
export interface QueuedVectors {
  mindId: string;
  vectors: readonly QueuedVector[];
}

/**
 * A vector on its way to the vector store: a new record, or (`metadataOnly`) new metadata for a
 * record the vector store has already (its embedding is then empty and its document unchanged).
 */
export interface QueuedVector extends VectorRecord {
  metadataOnly?: boolean;
}

/**
 * A memory merged into a near-duplicate of it (`into`): its row and queued vector are gone, and its
 * id names `into` from then on (an add returns before its near-duplicate check has run).
 */
export interface MergedMemory {
  id: string;
  into: string;
}

/** Memories of one Mind merged by a `put` (which writes their strengthened twins). */
export interface MergedMemories {
  mindId: string;
  ids: readonly MergedMemory[];
}

export interface CatalogFilter {
  memoryType?: string;
  userEmail?: string;
  environmentId?: string;
}

/** A keyset position: the last entry of the previous page. */
export interface CatalogCursor {
  createdAt: EpochMs;
  id: string;
}

export interface MemoryCatalogStore {
  /**
   * Writes entries in one transaction. `pending` ones that already exist are left as they are
   * (an id is catalogued once); with `replace`, existing rows take the given values (back-fill,
   * updates). `queue` commits vectors with the rows; `merged` removes, in the same transaction, the
   * rows and queued vectors of memories merged into a near-duplicate and keeps their ids as aliases
   * (`aliases`). Returns how many rows were inserted.
   */
  put(
    entries: readonly CatalogEntry[],
    options?: { replace?: boolean; queue?: QueuedVectors; merged?: MergedMemories },
  ): Promise<number>;
  /**
   * What these ids were merged into, for those that are aliases. An alias goes when the memory it
   * names is removed.
   */
  aliases(mindId: string, ids: readonly string[]): Promise<MergedMemory[]>;
  /** Sets the state of these entries of one Mind (one statement). */
  setState(mindId: string, ids: readonly string[], state: CatalogState): Promise<void>;
  /**
   * Removes entries (any state; with `onlyIf`, only those still in that state — repair removes a
   * pending entry only if no writer marked it stored meanwhile). Returns how many were removed.
   */
  remove(mindId: string, ids: readonly string[], options?: { onlyIf?: CatalogState }): Promise<number>;
  /** Entries with these ids (any state), in no particular order. */
  get(mindId: string, ids: readonly string[]): Promise<CatalogEntry[]>;
  /** `stored` entries newest first (createdAt desc, id desc), after `cursor`; keyset on an index. */
  recent(
    mindId: string,
    query: { limit: number; after?: CatalogCursor; filter?: CatalogFilter },
  ): Promise<CatalogEntry[]>;
  /** `stored` entries by importance desc, then createdAt desc, id desc. */
  important(mindId: string, limit: number): Promise<CatalogEntry[]>;
  /** How many `stored` entries match (SQL count on an index). */
  count(mindId: string, filter?: CatalogFilter): Promise<number>;
  /** One statement: accessCount + 1 and lastAccessedAt = `at` for each id. */
  recordAccess(mindId: string, ids: readonly string[], at: EpochMs): Promise<void>;
  /** Entries not `stored` (pending or deleting), oldest first, for repair. */
  unsettled(mindId: string, limit: number): Promise<CatalogEntry[]>;
  /** Ids of entries (any state) in id order after `afterId`: for reconciling with the vector store. */
  ids(mindId: string, query: { afterId?: string; limit: number }): Promise<string[]>;
  /**
   * Vectors of one Mind queued by `put` and not yet dequeued, oldest first (`ids`: only these).
   * Each comes back as it was queued (the embedding at the vector store's float32 precision).
   */
  queued(mindId: string, query: { limit: number; ids?: readonly string[] }): Promise<QueuedVector[]>;
  /** Takes these vectors off the Mind's queue (they reached the vector store). Returns how many went. */
  dequeue(mindId: string, ids: readonly string[]): Promise<number>;
  /** Removes every entry of the Mind (and its queued vectors and aliases). */
  removeMind(mindId: string): Promise<number>;
}
