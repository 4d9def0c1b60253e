import type { AppendResult } from './message-store';
import type { EpochMs, Page } from './page';

/**
 * Append-only per-Mind records that must not live in the Mind's JSON file: dreams, thoughts,
 * plugin histories (a currency plugin's transactions…). `namespace` groups them
 * (`dreams`, `thoughts`, `plugin:<name>`), `kind` says what a record is within it.
 */
export interface StoredRecord {
  id: string;
  mindId: string;
  namespace: string;
  kind: string;
  data: unknown;
  createdAt: EpochMs;
  sourceKey: string | null;
}

export interface NewRecord {
  mindId: string;
  namespace: string;
  kind: string;
  data: unknown;
  createdAt?: EpochMs;
  /** Unique per mind: appending the same key twice stores it once. */
  sourceKey?: string | null;
}

export interface RecordQuery {
  mindId: string;
  namespace: string;
  kind?: string;
  limit: number;
  cursor?: string | null;
}

export interface RecordStore {
  /** Inserts in one transaction, in array order; idempotent for records that carry a sourceKey. */
  appendMany(records: readonly NewRecord[]): Promise<AppendResult>;
  /** Oldest first, keyset-paginated on (createdAt, id). */
  list(query: RecordQuery): Promise<Page<StoredRecord>>;
  count(filter: { mindId: string; namespace?: string }): Promise<number>;
  /** Every record of a Mind, whatever its namespace: oldest first, keyset-paginated on (createdAt, id). */
  listAll(query: { mindId: string; limit: number; cursor?: string | null }): Promise<Page<StoredRecord>>;
  /** Imports whole rows (ids and source keys kept) in one transaction; a row already there (by id or source key) is skipped. */
  importMany(records: readonly StoredRecord[]): Promise<AppendResult>;
}
