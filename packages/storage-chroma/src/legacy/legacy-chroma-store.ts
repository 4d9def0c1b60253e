import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { isGmid } from '@genesis/mind-core';
import { MemoryTierError } from '../errors';
import { ReadOnlySqlite } from './sqlite-file';

/**
 * A reader of the Chroma stores the Python Genesis kept, one per Mind, at
 * `<home>/data/chroma/{GMID}/chroma.sqlite3` (collection `mind_{GMID}`), written by Python chromadb
 * 0.4/0.5 (and read alike when written by a later version with the same tables).
 *
 * The SQLite file holds every record: `embeddings` (one row per record: `embedding_id` is the
 * record's id, `segment_id` its collection's metadata segment), and `embedding_metadata` (one row
 * per metadata key, the value in `string_value`, `int_value`, `float_value` or — from 0.4.x on —
 * `bool_value`; the document text is the key `chroma:document`). The vectors (HNSW files in the
 * segment folders) are not read: the importer embeds the documents again with the configured
 * provider. The file is opened read-only and never changed.
 */

/** The file of an old store, inside its folder. */
export const LEGACY_CHROMA_FILE = 'chroma.sqlite3';

export type LegacyMetadataScalar = string | number | boolean;
export type LegacyMetadataValue = LegacyMetadataScalar | LegacyMetadataScalar[];

/** One record of an old store: its id, its document text (null when it has none) and its metadata. */
export interface LegacyChromaRecord {
  id: string;
  document: string | null;
  metadata: Record<string, LegacyMetadataValue>;
  /** The collection it belongs to (`mind_{GMID}` in a store of the Python Genesis). */
  collection: string;
}

export interface LegacyChromaCollection {
  id: string;
  name: string;
  /** Records in the collection. */
  count: number;
}

export interface LegacyChromaStore {
  /** The `chroma.sqlite3` read. */
  file: string;
  /** Every collection of the store. */
  collections: LegacyChromaCollection[];
  /** Records in the collections read (all of them unless `collections` was given). */
  count: number;
  /** The records in storage order, `pageSize` (default 500) at a time. */
  pages(pageSize?: number): AsyncGenerator<LegacyChromaRecord[]>;
  /** The records one by one (read in pages). */
  records(pageSize?: number): AsyncGenerator<LegacyChromaRecord>;
  close(): Promise<void>;
}

export interface OpenLegacyChromaOptions {
  /** Read only these collections (by name). Default: every collection of the store. */
  collections?: readonly string[];
}

/** An old per-Mind store found under a Chroma folder. */
export interface LegacyChromaStoreLocation {
  gmid: string;
  /** The store's folder (`<root>/{GMID}`). */
  dir: string;
  /** Its `chroma.sqlite3` (which may be missing or damaged: opening it says so). */
  file: string;
}

const DOCUMENT_KEY = 'chroma:document';
const REQUIRED_TABLES = ['collections', 'segments', 'embeddings', 'embedding_metadata'];
/** Files of a Chroma 0.3 store (DuckDB + Parquet), which kept no SQLite file. */
const CHROMA_03_FILES = ['chroma-embeddings.parquet', 'chroma-collections.parquet'];

const unreadable = (file: string, why: string, cause?: unknown) =>
  new MemoryTierError('LEGACY_STORE_UNREADABLE', `The old Chroma store ${file} cannot be read: ${why}`, {
    field: 'file',
    ...(cause === undefined ? {} : { cause }),
  });

/** The driver's reason, without the statement or any value. */
const reason = (error: unknown): string => {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/^SQLITE_\w+:\s*/, '').split('\n')[0]!;
};

/**
 * The old per-Mind stores under `root` — `<home>/data/chroma` of an old home, or the same folder in
 * its backup: every sub-folder named by a GMID (the embedded Chroma server of this Genesis, which
 * may share that folder, names its own folders by UUID, never by GMID).
 */
export async function findLegacyChromaStores(root: string): Promise<LegacyChromaStoreLocation[]> {
  const entries = await readdir(root, { withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isDirectory() && isGmid(e.name))
    .map((e) => ({ gmid: e.name, dir: join(root, e.name), file: join(root, e.name, LEGACY_CHROMA_FILE) }))
    .sort((a, b) => a.gmid.localeCompare(b.gmid));
}

/**
 * Opens an old store (its folder) read-only. Fails with `LEGACY_STORE_UNREADABLE`, naming the file,
 * when there is no `chroma.sqlite3`, it is not SQLite, or it lacks Chroma's tables; a failure
 * while paging fails the same way.
 */
export async function openLegacyChromaStore(
  dir: string,
  options: OpenLegacyChromaOptions = {},
): Promise<LegacyChromaStore> {
  const file = join(dir, LEGACY_CHROMA_FILE);
  const info = await stat(file).catch(() => null);
  if (!info?.isFile()) {
    const found = await readdir(dir).catch(() => [] as string[]);
    if (CHROMA_03_FILES.some((f) => found.includes(f)))
      throw unreadable(
        file,
        'the folder holds a Chroma 0.3 store (DuckDB and Parquet files, no chroma.sqlite3). Convert it with the Python tool ' +
          '`chroma-migrate` (chromadb 0.4), then run the migration again.',
      );
    throw unreadable(file, info ? 'it is not a file' : 'the file does not exist');
  }
  let db: ReadOnlySqlite;
  try {
    db = await ReadOnlySqlite.open(file);
  } catch (error) {
    throw unreadable(file, reason(error), error);
  }
  try {
    return await describe(db, file, options);
  } catch (error) {
    await db.close();
    throw error instanceof MemoryTierError ? error : unreadable(file, reason(error), error);
  }
}

interface Layout {
  tables: Set<string>;
  boolColumn: boolean;
  listIndex: boolean;
  fulltext: { table: string; key: string } | null;
}

async function columns(db: ReadOnlySqlite, table: string): Promise<Set<string>> {
  const rows = await db.all<{ name: string }>(`PRAGMA table_info("${table}")`);
  return new Set(rows.map((r) => r.name));
}

async function describe(
  db: ReadOnlySqlite,
  file: string,
  options: OpenLegacyChromaOptions,
): Promise<LegacyChromaStore> {
  // The first read: a file that is not SQLite fails here ("file is not a database").
  const tables = new Set(
    (await db.all<{ name: string }>("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")).map(
      (r) => r.name,
    ),
  );
  const missing = REQUIRED_TABLES.filter((t) => !tables.has(t));
  if (missing.length > 0) throw unreadable(file, `it is not a Chroma 0.4+ store (no table ${missing.join(', ')})`);
  const metadataColumns = await columns(db, 'embedding_metadata');
  const layout: Layout = {
    tables,
    boolColumn: metadataColumns.has('bool_value'),
    listIndex:
      tables.has('embedding_metadata_lists') && (await columns(db, 'embedding_metadata_lists')).has('list_index'),
    fulltext: null,
  };
  // Where the document text is indexed, for a record whose metadata lacks it (read as a fallback).
  for (const table of ['embedding_fulltext_search', 'embedding_fulltext']) {
    if (!tables.has(table)) continue;
    const cols = await columns(db, table).catch(() => new Set<string>());
    if (cols.has('string_value')) layout.fulltext = { table, key: cols.has('id') ? 'id' : 'rowid' };
    break;
  }

  const all = await db.all<{ id: string; name: string; count: number }>(
    `SELECT c.id AS id, c.name AS name,
            (SELECT COUNT(*) FROM embeddings e JOIN segments s ON s.id = e.segment_id WHERE s.collection = c.id) AS count
       FROM collections c ORDER BY c.name`,
  );
  const collections = all.map((c) => ({ id: String(c.id), name: String(c.name), count: Number(c.count) }));
  const chosen = options.collections ? collections.filter((c) => options.collections!.includes(c.name)) : collections;
  const count = chosen.reduce((n, c) => n + c.count, 0);

  async function* pages(pageSize = 500): AsyncGenerator<LegacyChromaRecord[]> {
    const size = Math.max(1, Math.min(5000, Math.floor(pageSize)));
    if (chosen.length === 0) return;
    const ids = chosen.map((c) => c.id);
    let after = Number.MIN_SAFE_INTEGER;
    for (;;) {
      let page: LegacyChromaRecord[];
      let last: number;
      try {
        const rows = await db.all<{ rid: number; eid: string; collection: string }>(
          `SELECT e.id AS rid, e.embedding_id AS eid, c.name AS collection
             FROM embeddings e JOIN segments s ON s.id = e.segment_id JOIN collections c ON c.id = s.collection
            WHERE e.id > ? AND c.id IN (${ids.map(() => '?').join(', ')})
            ORDER BY e.id LIMIT ?`,
          [after, ...ids, size],
        );
        if (rows.length === 0) return;
        last = rows[rows.length - 1]!.rid;
        page = await readPage(db, layout, rows);
      } catch (error) {
        throw error instanceof MemoryTierError ? error : unreadable(file, reason(error), error);
      }
      yield page;
      if (page.length < size) return;
      after = last;
    }
  }

  async function* records(pageSize?: number): AsyncGenerator<LegacyChromaRecord> {
    for await (const page of pages(pageSize)) yield* page;
  }

  return { file, collections, count, pages, records, close: () => db.close() };
}

type MetadataRow = {
  id: number;
  key: string;
  string_value: string | null;
  int_value: number | null;
  float_value: number | null;
  bool_value?: number | null;
  list_index?: number;
};

/** Chroma's own reading order: text, then boolean, then integer, then float. */
function scalar(row: MetadataRow): LegacyMetadataScalar | undefined {
  if (row.string_value !== null && row.string_value !== undefined) return String(row.string_value);
  if (row.bool_value !== null && row.bool_value !== undefined) return Boolean(row.bool_value);
  if (row.int_value !== null && row.int_value !== undefined) return Number(row.int_value);
  if (row.float_value !== null && row.float_value !== undefined) return Number(row.float_value);
  return undefined;
}

async function readPage(
  db: ReadOnlySqlite,
  layout: Layout,
  rows: Array<{ rid: number; eid: string; collection: string }>,
): Promise<LegacyChromaRecord[]> {
  const rids = rows.map((r) => r.rid);
  const marks = rids.map(() => '?').join(', ');
  const bool = layout.boolColumn ? ', bool_value' : '';
  const metadata = await db.all<MetadataRow>(
    `SELECT id, key, string_value, int_value, float_value${bool} FROM embedding_metadata WHERE id IN (${marks}) ORDER BY id, key`,
    rids,
  );
  const byRow = new Map<number, LegacyChromaRecord>(
    rows.map((r) => [r.rid, { id: String(r.eid), document: null, metadata: {}, collection: String(r.collection) }]),
  );
  for (const m of metadata) {
    const record = byRow.get(m.id)!;
    const value = scalar(m);
    if (value === undefined) continue;
    if (m.key === DOCUMENT_KEY) record.document = String(value);
    else if (!m.key.startsWith('chroma:')) record.metadata[m.key] = value;
  }
  if (layout.listIndex) {
    // Array metadata of later versions: one row per element.
    const lists = await db.all<MetadataRow>(
      `SELECT id, key, list_index, string_value, int_value, float_value, bool_value
         FROM embedding_metadata_lists WHERE id IN (${marks}) ORDER BY id, key, list_index`,
      rids,
    );
    for (const l of lists) {
      const value = scalar(l);
      if (value === undefined) continue;
      const record = byRow.get(l.id)!;
      const current = record.metadata[l.key];
      record.metadata[l.key] = Array.isArray(current) ? [...current, value] : [value];
    }
  }
  const withoutDocument = rows.filter((r) => byRow.get(r.rid)!.document === null).map((r) => r.rid);
  if (withoutDocument.length > 0 && layout.fulltext) {
    const { table, key } = layout.fulltext;
    try {
      const texts = await db.all<{ k: number; v: string | null }>(
        `SELECT ${key} AS k, string_value AS v FROM "${table}" WHERE ${key} IN (${withoutDocument.map(() => '?').join(', ')})`,
        withoutDocument,
      );
      for (const t of texts) {
        const record = byRow.get(Number(t.k));
        if (record && record.document === null && typeof t.v === 'string') record.document = t.v;
      }
    } catch {
      // A full-text table this SQLite cannot open (no FTS5): the record is read without a document.
    }
  }
  return rows.map((r) => byRow.get(r.rid)!);
}
