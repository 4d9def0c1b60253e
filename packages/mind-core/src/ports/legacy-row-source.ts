/**
 * Read access to the tables an earlier (Python) Genesis left in the database, moved aside as
 * `python_<name>` when the home was first opened. Rows come back as plain objects, column → value
 * as the database holds them (SQLite: text, numbers, null; PostgreSQL: JSON columns may come back
 * parsed, booleans as booleans): the importer tolerates both, and columns that an older file lacks.
 */
export interface LegacyTableInfo {
  /** The table's name now (`python_conversation_messages`). */
  table: string;
  /** The name the Python Genesis gave it (`conversation_messages`). */
  original: string;
  /** Its columns, in table order. */
  columns: string[];
  /** The column naming the Mind a row belongs to (`mind_gmid`, `owner_gmid`…); null for home-wide tables. */
  gmidColumn: string | null;
}

/** One row: its position (stable while the table is not written, which nothing does) and its values. */
export interface LegacyRow {
  /** Increasing within a table: the SQLite rowid (on PostgreSQL: the row's ordinal by primary key). */
  rowid: number;
  values: Record<string, unknown>;
}

export interface LegacyRowQuery {
  gmid: string;
  /** Only rows after this one (exclusive); absent: from the first. */
  afterRowid?: number;
  /** At most this many rows (1..10,000). */
  limit: number;
}

export interface LegacyRowSource {
  /** The tables moved aside, by original name. */
  tables(): Promise<LegacyTableInfo[]>;
  /** Every GMID the tables mention: `minds.gmid` and every Mind column of the per-Mind tables, sorted. */
  gmids(): Promise<string[]>;
  /** How many rows of a table (by original name) belong to the Mind; 0 for a table that is not there. */
  count(original: string, gmid: string): Promise<number>;
  /** Rows of a table (by original name) that belong to the Mind, in rowid order. */
  rows(original: string, query: LegacyRowQuery): Promise<LegacyRow[]>;
}
