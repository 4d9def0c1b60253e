import { randomUUID } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Database } from 'sqlite3';

/**
 * An old per-Mind Chroma store as the Python Genesis left it, for tests: `<dir>/{GMID}/chroma.sqlite3`
 * with collection `mind_{GMID}`, in the table layout Python chromadb wrote (migrations of
 * `chromadb/migrations/{sysdb,metadb,embeddings_queue}`), its write-ahead queue, and an HNSW
 * segment folder with placeholder files.
 *
 * - `0.4.0`: the first SQLite layout — no `bool_value` column (booleans were written as integers),
 *   `embedding_fulltext`, collections and segments with a `topic`, no tenants or databases.
 * - `0.4`: 0.4.x after its later migrations — `bool_value`, tenants and databases, the trigram
 *   `embedding_fulltext_search`.
 * - `0.5`: 0.5.x — no `topic` columns, `config_json_str` on collections, integer `max_seq_id`.
 */
export type LegacyChromaVersion = '0.4.0' | '0.4' | '0.5';

export interface LegacyChromaItem {
  id: string;
  /** The document text; null or absent writes a record without one. */
  document?: string | null;
  /** Scalars as Chroma takes them; null/undefined keys are left out. */
  metadata?: Record<string, string | number | boolean | null | undefined>;
  /** Stored in the write-ahead queue (default: a 4-dimension vector from the index). */
  embedding?: number[];
}

export interface LegacyChromaStoreOptions {
  /** Default `0.5`. */
  version?: LegacyChromaVersion;
  /** Default `mind_{GMID}`. */
  collection?: string;
}

export interface WrittenLegacyChromaStore {
  /** `<dir>/{GMID}`. */
  dir: string;
  /** `<dir>/{GMID}/chroma.sqlite3`. */
  file: string;
  collection: string;
  collectionId: string;
}

function run(db: Database, sql: string, params: unknown[] = []): Promise<void> {
  return new Promise((resolve, reject) => db.run(sql, params, (error) => (error ? reject(error) : resolve())));
}

function exec(db: Database, sql: string): Promise<void> {
  return new Promise((resolve, reject) => db.exec(sql, (error) => (error ? reject(error) : resolve())));
}

const seq = (n: number): Buffer => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(n));
  return b;
};

function schema(version: LegacyChromaVersion): string {
  const v040 = version === '0.4.0';
  const v05 = version === '0.5';
  return `
CREATE TABLE migrations (dir TEXT NOT NULL, version INTEGER NOT NULL, filename TEXT NOT NULL, sql TEXT NOT NULL,
  hash TEXT NOT NULL, PRIMARY KEY (dir, version));
CREATE TABLE embeddings_queue (seq_id INTEGER PRIMARY KEY, created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
  operation INTEGER NOT NULL, topic TEXT NOT NULL, id TEXT NOT NULL, vector BLOB, encoding TEXT, metadata TEXT);
${
  v040
    ? ''
    : `CREATE TABLE tenants (id TEXT PRIMARY KEY, name TEXT NOT NULL, UNIQUE (name));
CREATE TABLE databases (id TEXT PRIMARY KEY, name TEXT NOT NULL, tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  UNIQUE (tenant_id, name));
INSERT INTO tenants (id, name) VALUES ('default_tenant', 'default_tenant');
INSERT INTO databases (id, name, tenant_id) VALUES ('00000000-0000-0000-0000-000000000000', 'default_database', 'default_tenant');`
}
CREATE TABLE collections (id TEXT PRIMARY KEY, name TEXT NOT NULL, ${v05 ? '' : 'topic TEXT NOT NULL, '}dimension INTEGER${
    v040
      ? ', UNIQUE (name)'
      : `, database_id TEXT NOT NULL REFERENCES databases(id) ON DELETE CASCADE${v05 ? ', config_json_str TEXT' : ''}, UNIQUE (name, database_id)`
  });
CREATE TABLE collection_metadata (collection_id TEXT REFERENCES collections(id) ON DELETE CASCADE, key TEXT NOT NULL,
  str_value TEXT, int_value INTEGER, float_value REAL${v040 ? '' : ', bool_value INTEGER'}, PRIMARY KEY (collection_id, key));
CREATE TABLE segments (id TEXT PRIMARY KEY, type TEXT NOT NULL, scope TEXT NOT NULL, ${v05 ? '' : 'topic TEXT, '}collection TEXT REFERENCES collections(id));
CREATE TABLE segment_metadata (segment_id TEXT REFERENCES segments(id) ON DELETE CASCADE, key TEXT NOT NULL, str_value TEXT,
  int_value INTEGER, float_value REAL${v040 ? '' : ', bool_value INTEGER'}, PRIMARY KEY (segment_id, key));
CREATE TABLE embeddings (id INTEGER PRIMARY KEY, segment_id TEXT NOT NULL, embedding_id TEXT NOT NULL, seq_id BLOB NOT NULL,
  created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP, UNIQUE (segment_id, embedding_id));
CREATE TABLE embedding_metadata (id INTEGER REFERENCES embeddings(id)${v05 ? ' ON DELETE CASCADE NOT NULL' : ''}, key TEXT NOT NULL,
  string_value TEXT, int_value INTEGER, float_value REAL${v040 ? '' : ', bool_value INTEGER'}, PRIMARY KEY (id, key));
CREATE TABLE max_seq_id (segment_id TEXT PRIMARY KEY, seq_id ${v05 ? 'INTEGER' : 'BLOB'} NOT NULL);
${
  v040
    ? 'CREATE VIRTUAL TABLE embedding_fulltext USING fts5(id, string_value);'
    : "CREATE VIRTUAL TABLE embedding_fulltext_search USING fts5(string_value, tokenize='trigram');"
}
CREATE INDEX embedding_metadata_string_value ON embedding_metadata (key, string_value) WHERE string_value IS NOT NULL;
`;
}

/**
 * Writes the store of Mind `gmid` under `dir` (the old home's `data/chroma`), replacing any. Items are
 * written in order, as `collection.add` would: a queue entry, an `embeddings` row, its metadata rows
 * (the document as `chroma:document`) and the full-text row.
 */
export async function writeLegacyChromaStore(
  dir: string,
  gmid: string,
  items: readonly LegacyChromaItem[],
  options: LegacyChromaStoreOptions = {},
): Promise<WrittenLegacyChromaStore> {
  const version = options.version ?? '0.5';
  const v040 = version === '0.4.0';
  const v05 = version === '0.5';
  const storeDir = join(dir, gmid);
  const file = join(storeDir, 'chroma.sqlite3');
  rmSync(storeDir, { recursive: true, force: true });
  mkdirSync(storeDir, { recursive: true });
  const collection = options.collection ?? `mind_${gmid}`;
  const collectionId = randomUUID();
  const metadataSegment = randomUUID();
  const vectorSegment = randomUUID();
  const topic = `persistent://default/default/${collectionId}`;
  const dimension = items[0]?.embedding?.length ?? 4;

  const db = await new Promise<Database>((resolve, reject) => {
    const opened: Database = new Database(file, (error) => (error ? reject(error) : resolve(opened)));
  });
  try {
    await exec(db, schema(version));
    await exec(db, 'BEGIN');
    const database = v040 ? [] : ['00000000-0000-0000-0000-000000000000'];
    await run(
      db,
      `INSERT INTO collections (id, name, ${v05 ? '' : 'topic, '}dimension${v040 ? '' : ', database_id'}${v05 ? ', config_json_str' : ''})
       VALUES (?, ?, ${v05 ? '' : '?, '}?${v040 ? '' : ', ?'}${v05 ? ', ?' : ''})`,
      [collectionId, collection, ...(v05 ? [] : [topic]), dimension, ...database, ...(v05 ? ['{}'] : [])],
    );
    await run(db, 'INSERT INTO collection_metadata (collection_id, key, str_value) VALUES (?, ?, ?)', [
      collectionId,
      'hnsw:space',
      'cosine',
    ]);
    for (const [id, type, scope] of [
      [vectorSegment, 'urn:chroma:segment/vector/hnsw-local-persisted', 'VECTOR'],
      [metadataSegment, 'urn:chroma:segment/metadata/sqlite', 'METADATA'],
    ] as const) {
      await run(
        db,
        `INSERT INTO segments (id, type, scope, ${v05 ? '' : 'topic, '}collection) VALUES (?, ?, ?, ${v05 ? '' : '?, '}?)`,
        [id, type, scope, ...(v05 ? [] : [scope === 'VECTOR' ? null : topic]), collectionId],
      );
    }
    let n = 0;
    for (const item of items) {
      n += 1;
      const metadata = Object.fromEntries(
        Object.entries(item.metadata ?? {}).filter(([, v]) => v !== null && v !== undefined),
      ) as Record<string, string | number | boolean>;
      const withDocument =
        item.document === null || item.document === undefined
          ? metadata
          : { ...metadata, 'chroma:document': item.document };
      const vector = item.embedding ?? Array.from({ length: dimension }, (_, i) => ((n + i) % 7) / 7);
      const blob = Buffer.from(new Float32Array(vector).buffer);
      await run(
        db,
        'INSERT INTO embeddings_queue (seq_id, operation, topic, id, vector, encoding, metadata) VALUES (?, 0, ?, ?, ?, ?, ?)',
        [n, topic, item.id, blob, 'FLOAT32', JSON.stringify(withDocument)],
      );
      await run(db, 'INSERT INTO embeddings (id, segment_id, embedding_id, seq_id) VALUES (?, ?, ?, ?)', [
        n,
        metadataSegment,
        item.id,
        seq(n),
      ]);
      for (const [key, value] of Object.entries(withDocument)) {
        // Python's bool is an int: 0.4.0 wrote it as one; later versions have bool_value.
        const column =
          typeof value === 'string'
            ? 'string_value'
            : typeof value === 'boolean'
              ? v040
                ? 'int_value'
                : 'bool_value'
              : Number.isInteger(value)
                ? 'int_value'
                : 'float_value';
        const stored = typeof value === 'boolean' ? (value ? 1 : 0) : value;
        await run(db, `INSERT INTO embedding_metadata (id, key, ${column}) VALUES (?, ?, ?)`, [n, key, stored]);
      }
      if (item.document !== null && item.document !== undefined) {
        await run(
          db,
          v040
            ? 'INSERT INTO embedding_fulltext (id, string_value) VALUES (?, ?)'
            : 'INSERT INTO embedding_fulltext_search (rowid, string_value) VALUES (?, ?)',
          [n, item.document],
        );
      }
    }
    await run(db, 'INSERT INTO max_seq_id (segment_id, seq_id) VALUES (?, ?)', [metadataSegment, v05 ? n : seq(n)]);
    await exec(db, 'COMMIT');
  } finally {
    await new Promise<void>((resolve) => db.close(() => resolve()));
  }
  // The HNSW files of the vector segment (placeholders: the importer embeds documents again).
  const segmentDir = join(storeDir, vectorSegment);
  mkdirSync(segmentDir);
  for (const name of ['header.bin', 'data_level0.bin', 'length.bin', 'link_lists.bin'])
    writeFileSync(join(segmentDir, name), Buffer.alloc(16, name.length));
  return { dir: storeDir, file, collection, collectionId };
}
