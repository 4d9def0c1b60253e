import { chromaDataDir, startEmbeddedChroma, type ChromaServerHandle } from '../chroma-server';
import { ChromaMemoryStore } from '../chroma-memory-store';
import { tempDir } from './support';

const home = tempDir();
let server: ChromaServerHandle;
let store: ChromaMemoryStore;

beforeAll(async () => {
  server = await startEmbeddedChroma({ dataDir: chromaDataDir(home.path) });
  store = new ChromaMemoryStore({ url: server.url });
});
afterAll(async () => {
  await server.close();
  home.cleanup();
});

const v = (...xs: number[]) => xs;

test('one collection per owner: no query of one owner returns another owner\'s records', async () => {
  await store.open('GMD-2026-0000-000A', { provider: 'test', dimension: 3 });
  await store.open('GMD-2026-0000-000B', { provider: 'test', dimension: 3 });
  await store.add('GMD-2026-0000-000A', [{ id: 'a1', embedding: v(1, 0, 0), document: 'alpha', metadata: { kind: 'x' } }]);
  await store.add('GMD-2026-0000-000B', [{ id: 'b1', embedding: v(1, 0, 0), document: 'beta', metadata: { kind: 'x' } }]);
  expect((await store.query('GMD-2026-0000-000A', v(1, 0, 0), 10)).map((h) => h.id)).toEqual(['a1']);
  expect((await store.query('GMD-2026-0000-000B', v(1, 0, 0), 10)).map((h) => h.id)).toEqual(['b1']);
  expect(await store.drop('GMD-2026-0000-000B')).toBe(true);
  expect(await store.drop('GMD-2026-0000-000B')).toBe(false);
});

test('filters run inside the vector query, cosine similarity, updates and deletes', async () => {
  const owner = 'GMD-2026-0000-000C';
  await store.open(owner, { provider: 'test', dimension: 3 });
  await store.add(owner, [
    { id: 'near-other', embedding: v(1, 0, 0), document: 'n', metadata: { user: 'v', n: 1 } },
    { id: 'near-other2', embedding: v(0.99, 0.1, 0), document: 'n2', metadata: { user: 'v', n: 2 } },
    { id: 'far-mine', embedding: v(0, 1, 0), document: 'f', metadata: { user: 'u', n: 3 } },
  ]);
  const hits = await store.query(owner, v(1, 0, 0), 1, [{ field: 'user', op: 'eq', value: 'u' }]);
  expect(hits.map((h) => h.id)).toEqual(['far-mine']);
  expect(hits[0]!.similarity).toBeCloseTo(0, 5);
  const best = await store.query(owner, v(1, 0, 0), 1);
  expect(best[0]).toMatchObject({ id: 'near-other', document: 'n', metadata: { user: 'v', n: 1 } });
  expect(best[0]!.similarity).toBeCloseTo(1, 5);
  expect(await store.count(owner, [{ field: 'n', op: 'gte', value: 2 }])).toBe(2);
  expect(await store.count(owner, [{ op: 'or', clauses: [{ field: 'n', op: 'eq', value: 1 }, { field: 'user', op: 'eq', value: 'u' }] }])).toBe(2);
  await store.update(owner, [{ id: 'far-mine', metadata: { user: 'u', n: 30 } }]);
  expect((await store.get(owner, ['far-mine']))[0]!.metadata.n).toBe(30);
  await store.delete(owner, ['near-other']);
  expect(await store.count(owner)).toBe(2);
  expect((await store.scan(owner, { limit: 1, offset: 1 }))).toHaveLength(1);
});

test('opening with a provider of another dimension fails loudly; reindex re-embeds and swaps', async () => {
  const owner = 'GMD-2026-0000-000D';
  await store.open(owner, { provider: 'small', dimension: 2 });
  await store.add(owner, Array.from({ length: 600 }, (_, i) => ({ id: `m${i}`, embedding: v(1, i / 600), document: `doc ${i}`, metadata: { i } })));
  await expect(store.open(owner, { provider: 'big', dimension: 4 })).rejects.toMatchObject({
    code: 'EMBEDDING_MISMATCH',
    message: expect.stringContaining(`"small" (2 dimensions), but the configured provider "big" makes 4. Run "genesis memory reindex ${owner}"`),
  });
  await store.open(owner, { provider: 'big', dimension: 4 }, { allowMismatch: true });
  const progress: number[] = [];
  const n = await store.reindex(owner, { provider: 'big', dimension: 4 }, async (docs) => docs.map((d) => [Number(d.split(' ')[1]) / 600, 0, 0, 1]), (done) => progress.push(done));
  expect(n).toBe(600);
  expect(progress[progress.length - 1]).toBe(600);
  expect(progress.length).toBeGreaterThan(2);
  expect(await store.open(owner, { provider: 'big', dimension: 4 })).toEqual({ provider: 'big', dimension: 4 });
  expect(await store.count(owner)).toBe(600);
  const [hit] = await store.query(owner, [1, 0, 0, 1], 1);
  expect(hit).toMatchObject({ id: 'm599', metadata: { i: 599 } });
});

test('filtered search returns exactly the filtered nearest records, for common and rare filters alike', async () => {
  const owner = 'GMD-2026-0000-000E';
  await store.open(owner, { provider: 'test', dimension: 8 });
  let seed = 7;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) - 0.5;
  const norm = (x: number[]) => {
    const n = Math.hypot(...x);
    return x.map((y) => y / n);
  };
  const records = Array.from({ length: 1500 }, (_, i) => ({
    id: `r${i}`,
    embedding: norm(Array.from({ length: 8 }, rand)),
    document: `doc ${i}`,
    metadata: { kind: i % 5 === 0 ? 'common' : i % 300 === 1 ? 'rare' : 'other', user: i % 2 ? 'u' : '', n: i } as Record<string, string | number>,
  }));
  await store.add(owner, records);
  const cos = (a: number[], b: number[]) => a.reduce((s, x, k) => s + x * b[k]!, 0);
  for (const [filter, k] of [
    [[{ field: 'kind', op: 'eq', value: 'common' }], 5],
    [[{ field: 'kind', op: 'eq', value: 'rare' }], 5],
    [[{ field: 'kind', op: 'eq', value: 'common' }, { op: 'or', clauses: [{ field: 'user', op: 'eq', value: 'u' }, { field: 'n', op: 'lt', value: 10 }] }], 7],
  ] as const) {
    for (let q = 0; q < 5; q++) {
      const query = norm(Array.from({ length: 8 }, rand));
      const expected = records
        .filter((r) => (filter as unknown as Array<{ field?: string; op: string; value?: unknown; clauses?: unknown[] }>).every((c) =>
          c.op === 'or' ? (r.metadata.user === 'u' || (r.metadata.n as number) < 10) : r.metadata[c.field!] === c.value))
        .sort((a, b) => cos(b.embedding, query) - cos(a.embedding, query))
        .slice(0, k)
        .map((r) => r.id);
      const got = (await store.query(owner, query, k, filter as never)).map((h) => h.id);
      expect(got).toEqual(expected);
    }
  }
});
