import { SqlDatabase } from '../sql-database';
import { StorageError } from '../errors';
import { sqliteTarget } from './support/targets';

/**
 * SQLite reads (`SqlDatabase.all`) reuse a prepared statement per SQL text instead of preparing and
 * finalizing one per call: the answers must be those of fresh statements — concurrent reads of one
 * text each get their own rows, a failed read fails alone, a changed schema is read as it is now —
 * and the database still closes with reads in flight.
 */
const target = sqliteTarget();
let db: SqlDatabase;

beforeAll(async () => {
  db = await SqlDatabase.open({ url: await target.create() });
  await db.write(async (tx) => {
    await tx.run('CREATE TABLE probe (n INTEGER NOT NULL, v TEXT NOT NULL)');
    for (let n = 0; n < 100; n++) await tx.run('INSERT INTO probe (n, v) VALUES (?, ?)', [n, `v${n}`]);
  });
});
afterAll(async () => {
  await db.close();
  await target.cleanup();
});

test('concurrent reads of one SQL text each get the rows of their own parameters', async () => {
  const reads = await Promise.all(
    Array.from({ length: 200 }, (_, i) =>
      db.all<{ n: number; v: string }>('SELECT n, v FROM probe WHERE n >= ? ORDER BY n LIMIT ?', [i % 100, 3]),
    ),
  );
  reads.forEach((rows, i) => {
    const first = i % 100;
    const expected = [first, first + 1, first + 2].filter((n) => n < 100).map((n) => ({ n, v: `v${n}` }));
    expect(rows).toEqual(expected);
  });
});

test('a read that fails fails alone, and its SQL text still reads afterwards', async () => {
  const bad = await Promise.allSettled(Array.from({ length: 6 }, () => db.all('SELEC n FROM probe WHERE n = ?', [1])));
  for (const result of bad) {
    expect(result.status).toBe('rejected');
    expect((result as PromiseRejectedResult).reason).toBeInstanceOf(StorageError);
    expect((result as PromiseRejectedResult).reason.code).toBe('QUERY_FAILED');
  }
  // Fails while running (not while preparing), next to reads of the same text that succeed.
  const mixed = await Promise.allSettled(['{}', '{bad', '[1]'].map((text) => db.all('SELECT json(?) AS j', [text])));
  expect(mixed.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
  expect(await db.all('SELECT json(?) AS j', ['{"a":1}'])).toEqual([{ j: '{"a":1}' }]);
  expect(await db.all('SELECT COUNT(*) AS c FROM probe WHERE n >= ?', [0])).toEqual([{ c: 100 }]);
});

test('a read without parameters binds nothing, whatever the same text was given before', async () => {
  expect(await db.all('SELECT ? AS v', ['x'])).toEqual([{ v: 'x' }]);
  expect(await db.all('SELECT ? AS v')).toEqual([{ v: null }]);
  expect(await db.all('SELECT ?1 AS v, ?2 AS w', [1])).toEqual([{ v: 1, w: null }]);
  expect(await db.all('SELECT ?1 AS v, ?2 AS w', [1, 2])).toEqual([{ v: 1, w: 2 }]);
  expect(await db.all('SELECT ?1 AS v, ?2 AS w', [3])).toEqual([{ v: 3, w: null }]);
});

test('a table dropped and made again is read as it is now', async () => {
  const CHANGING = 'SELECT * FROM probe_changing WHERE a <> ?';
  await db.all(CHANGING, ['']).catch(() => undefined);
  await db.write((tx) => tx.run('CREATE TABLE probe_changing (a TEXT)'));
  await db.write((tx) => tx.run("INSERT INTO probe_changing (a) VALUES ('one')"));
  expect(await db.all(CHANGING, [''])).toEqual([{ a: 'one' }]);
  await db.write((tx) => tx.run('DROP TABLE probe_changing'));
  await expect(db.all(CHANGING, [''])).rejects.toThrow(/no such table/);
  await db.write((tx) => tx.run('CREATE TABLE probe_changing (a TEXT, b INTEGER)'));
  await db.write((tx) => tx.run("INSERT INTO probe_changing (a, b) VALUES ('two', 2)"));
  expect(await db.all(CHANGING, [''])).toEqual([{ a: 'two', b: 2 }]);
});

test('many distinct SQL texts, then a close with reads still running', async () => {
  for (let i = 0; i < 450; i++) expect(await db.all(`SELECT ${i} + ? AS i`, [0])).toEqual([{ i }]);
  const second = await SqlDatabase.open({ url: await target.create() });
  const running = Promise.all(
    Array.from({ length: 50 }, (_, i) => second.all<{ i: number }>(`SELECT ${i % 3} + ? AS i`, [i])),
  );
  const closed = second.close();
  expect((await running).map(([row]) => row?.i)).toEqual(Array.from({ length: 50 }, (_, i) => (i % 3) + i));
  await expect(closed).resolves.toBeUndefined();
});
