import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Database } from 'sqlite3';
import { tempHome } from '@genesis/mind-core/testing';
import { writeLegacyChromaStore, type LegacyChromaVersion } from '../../testing';
import { findLegacyChromaStores, openLegacyChromaStore, type LegacyChromaRecord } from '../legacy-chroma-store';

const GMID = 'GMID-ABCD1234';
const home = tempHome('legacy-chroma-');
const root = join(home.path, 'data', 'chroma');
afterAll(() => home.cleanup());

const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

async function readAll(dir: string, pageSize?: number): Promise<LegacyChromaRecord[]> {
  const store = await openLegacyChromaStore(dir);
  try {
    const out: LegacyChromaRecord[] = [];
    for await (const r of store.records(pageSize)) out.push(r);
    return out;
  } finally {
    await store.close();
  }
}

function sql(file: string, statement: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const db = new Database(file, (openError) => {
      if (openError) return reject(openError);
      db.exec(statement, (error) => db.close(() => (error ? reject(error) : resolve())));
    });
  });
}

const items = [
  {
    id: 'mem-1',
    document: 'Ann likes green tea — 緑茶',
    metadata: { memory_type: 'semantic', importance: 0.8, access_count: 3, pinned: true, tags: '["ann","tea"]' },
  },
  { id: 'mem-2', document: 'We met in March', metadata: { memory_type: 'episodic', timestamp: '2025-03-01T10:00:00' } },
  { id: 'mem-3', document: null, metadata: { memory_type: 'working' } },
];

describe.each<LegacyChromaVersion>(['0.4.0', '0.4', '0.5'])('an old Chroma store written by chromadb %s', (version) => {
  test('reads every record with its document and typed metadata, and changes nothing', async () => {
    const written = await writeLegacyChromaStore(root, GMID, items, { version });
    const before = sha(written.file);
    const filesBefore = readdirSync(written.dir).sort();
    const store = await openLegacyChromaStore(written.dir);
    expect(store.file).toBe(written.file);
    expect(store.count).toBe(3);
    expect(store.collections).toEqual([{ id: written.collectionId, name: `mind_${GMID}`, count: 3 }]);
    await store.close();

    const records = await readAll(written.dir);
    expect(records.map((r) => r.id)).toEqual(['mem-1', 'mem-2', 'mem-3']);
    expect(records[0]).toEqual({
      id: 'mem-1',
      document: 'Ann likes green tea — 緑茶',
      collection: `mind_${GMID}`,
      // 0.4.0 had no boolean column: Python wrote True as the integer 1.
      metadata: {
        memory_type: 'semantic',
        importance: 0.8,
        access_count: 3,
        pinned: version === '0.4.0' ? 1 : true,
        tags: '["ann","tea"]',
      },
    });
    expect(records[1]).toMatchObject({ document: 'We met in March', metadata: { timestamp: '2025-03-01T10:00:00' } });
    expect(records[2]).toMatchObject({ id: 'mem-3', document: null, metadata: { memory_type: 'working' } });
    expect(sha(written.file)).toBe(before);
    expect(readdirSync(written.dir).sort()).toEqual(filesBefore);
  });

  test('a document missing from the metadata rows is read from the full-text index', async () => {
    const written = await writeLegacyChromaStore(root, GMID, items, { version });
    await sql(written.file, "DELETE FROM embedding_metadata WHERE key = 'chroma:document' AND id = 2");
    const records = await readAll(written.dir);
    expect(records[1]).toMatchObject({ id: 'mem-2', document: 'We met in March' });
  });
});

describe('a store in WAL mode', () => {
  test('is read without leaving -shm or -wal files beside it, from a path with spaces, # and %', async () => {
    const written = await writeLegacyChromaStore(join(home.path, 'odd #dir 100%'), GMID, items);
    await sql(written.file, 'PRAGMA journal_mode=WAL');
    const before = readdirSync(written.dir).sort();
    const digest = sha(written.file);
    expect((await readAll(written.dir)).map((r) => r.id)).toEqual(['mem-1', 'mem-2', 'mem-3']);
    expect(readdirSync(written.dir).sort()).toEqual(before);
    expect(sha(written.file)).toBe(digest);
  });

  test('records still only in its write-ahead log (a writer that did not close) are read too', async () => {
    const written = await writeLegacyChromaStore(join(home.path, 'wal-src'), GMID, items);
    const copy = join(home.path, 'wal-copy', GMID);
    mkdirSync(copy, { recursive: true });
    await new Promise<void>((resolve, reject) => {
      const db = new Database(written.file, (openError) => {
        if (openError) return reject(openError);
        db.exec(
          `PRAGMA journal_mode=WAL; PRAGMA wal_autocheckpoint=0;
           INSERT INTO embeddings (id, segment_id, embedding_id, seq_id)
             SELECT 99, segment_id, 'late', x'0000000000000063' FROM embeddings WHERE id = 1;
           INSERT INTO embedding_metadata (id, key, string_value) VALUES (99, 'chroma:document', 'written last');`,
          (error) => {
            if (error) return db.close(() => reject(error));
            // Copied while the writer is open: the new rows are in the -wal file only.
            copyFileSync(written.file, join(copy, 'chroma.sqlite3'));
            copyFileSync(`${written.file}-wal`, join(copy, 'chroma.sqlite3-wal'));
            db.close(() => resolve());
          },
        );
      });
    });
    const before = Object.fromEntries(readdirSync(copy).map((f) => [f, sha(join(copy, f))]));
    const scratch = () => readdirSync(tmpdir()).filter((f) => f.startsWith('genesis-legacy-sqlite-'));
    const scratchBefore = scratch();
    const records = await readAll(copy);
    expect(records.map((r) => [r.id, r.document])).toContainEqual(['late', 'written last']);
    expect(records).toHaveLength(4);
    // Replayed in a private copy: the folder read keeps its files, byte for byte, and gains none.
    expect(Object.fromEntries(readdirSync(copy).map((f) => [f, sha(join(copy, f))]))).toEqual(before);
    expect(scratch()).toEqual(scratchBefore);
  });
});

test('pages keep storage order and cover every record once', async () => {
  const many = Array.from({ length: 1203 }, (_, i) => ({ id: `m-${i}`, document: `memory ${i}`, metadata: { i } }));
  const written = await writeLegacyChromaStore(root, GMID, many);
  const store = await openLegacyChromaStore(written.dir);
  const sizes: number[] = [];
  const ids: string[] = [];
  for await (const page of store.pages(500)) {
    sizes.push(page.length);
    ids.push(...page.map((r) => r.id));
  }
  await store.close();
  expect(sizes).toEqual([500, 500, 203]);
  expect(ids).toEqual(many.map((m) => m.id));
});

test('only the collections asked for are read', async () => {
  const written = await writeLegacyChromaStore(root, GMID, items, { collection: 'other' });
  const store = await openLegacyChromaStore(written.dir, { collections: [`mind_${GMID}`] });
  expect(store.count).toBe(0);
  expect(await store.pages().next()).toEqual({ done: true, value: undefined });
  await store.close();
});

describe('a store that cannot be read fails with LEGACY_STORE_UNREADABLE naming the file', () => {
  const dir = join(home.path, 'bad');
  const file = join(dir, 'chroma.sqlite3');
  beforeEach(() => {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
  });

  test('garbage bytes', async () => {
    writeFileSync(file, Buffer.from('this is not a database at all, just some bytes '.repeat(100)));
    const before = sha(file);
    await expect(openLegacyChromaStore(dir)).rejects.toMatchObject({
      code: 'LEGACY_STORE_UNREADABLE',
      field: 'file',
      message: expect.stringContaining(file),
    });
    expect(sha(file)).toBe(before);
  });

  test('a SQLite file without Chroma tables', async () => {
    await sql(file, 'DROP TABLE IF EXISTS t; CREATE TABLE t (x)');
    await expect(openLegacyChromaStore(dir)).rejects.toThrow(
      /cannot be read: it is not a Chroma 0.4\+ store \(no table collections/,
    );
  });

  test('no file, and a Chroma 0.3 (Parquet) folder', async () => {
    await expect(openLegacyChromaStore(join(home.path, 'nowhere'))).rejects.toThrow(/the file does not exist/);
    const old = join(home.path, 'v03');
    mkdirSync(old, { recursive: true });
    writeFileSync(join(old, 'chroma-embeddings.parquet'), 'PAR1');
    await expect(openLegacyChromaStore(old)).rejects.toThrow(/Chroma 0\.3 store.*chroma-migrate/);
  });

  test('a damaged page fails while reading, naming the file', async () => {
    const many = Array.from({ length: 300 }, (_, i) => ({ id: `m-${i}`, document: `memory ${i} `.repeat(20) }));
    const written = await writeLegacyChromaStore(join(home.path, 'damaged'), GMID, many);
    // Overwrite the root page of embedding_metadata: opening works (it reads neither), paging does not.
    const root = await new Promise<number>((resolve, reject) => {
      const db = new Database(written.file, (openError) => {
        if (openError) return reject(openError);
        db.get(
          "SELECT rootpage FROM sqlite_master WHERE name = 'embedding_metadata'",
          (error, row: { rootpage: number }) => db.close(() => (error ? reject(error) : resolve(row.rootpage))),
        );
      });
    });
    const bytes = readFileSync(written.file);
    bytes.fill(0x5a, (root - 1) * 4096, root * 4096);
    writeFileSync(written.file, bytes);
    const store = await openLegacyChromaStore(written.dir);
    expect(store.count).toBe(300);
    await expect(store.pages().next()).rejects.toMatchObject({
      code: 'LEGACY_STORE_UNREADABLE',
      message: expect.stringContaining(written.file),
    });
    await store.close();
  });
});

test('old stores are the GMID-named folders only (not the folders of our own Chroma server)', async () => {
  const chroma = join(home.path, 'mixed', 'data', 'chroma');
  await writeLegacyChromaStore(chroma, 'GMID-11111111', items);
  await writeLegacyChromaStore(chroma, 'GMD-2025-0A0B-0C0D', items);
  mkdirSync(join(chroma, '2b0c6a8e-51a1-4c1b-9f1e-1b1f7d0f3a11'), { recursive: true });
  writeFileSync(join(chroma, 'chroma.sqlite3'), '');
  expect(await findLegacyChromaStores(chroma)).toEqual([
    {
      gmid: 'GMD-2025-0A0B-0C0D',
      dir: join(chroma, 'GMD-2025-0A0B-0C0D'),
      file: join(chroma, 'GMD-2025-0A0B-0C0D', 'chroma.sqlite3'),
    },
    {
      gmid: 'GMID-11111111',
      dir: join(chroma, 'GMID-11111111'),
      file: join(chroma, 'GMID-11111111', 'chroma.sqlite3'),
    },
  ]);
  expect(await findLegacyChromaStores(join(home.path, 'absent'))).toEqual([]);
});
