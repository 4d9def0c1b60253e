import type { MemoryStore, VectorFilter, VectorScalar } from '../ports/memory-store';

/** Something that implements the MemoryStore port: each test gets a fresh, empty store. */
export interface MemoryStoreContractTarget {
  name: string;
  create(): Promise<{ store: MemoryStore; close(): Promise<void> }>;
}

const A = 'GMD-2026-0000-000A';
const B = 'GMD-2026-0000-000B';
const TEST = { provider: 'test', dimension: 3 };

const cosine = (a: number[], b: number[]) => {
  const dot = a.reduce((sum, x, i) => sum + x * b[i]!, 0);
  return dot / (Math.hypot(...a) * Math.hypot(...b));
};

/** A deterministic pseudo-random unit vector source. */
function randomVectors(seed: number, dimension: number): () => number[] {
  let state = seed;
  const next = () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31 - 0.5;
  return () => {
    const v = Array.from({ length: dimension }, next);
    const n = Math.hypot(...v);
    return v.map((x) => x / n);
  };
}

/**
 * The behaviour every MemoryStore must have (the in-memory one, Chroma): collections per owner,
 * cosine ranking, filters inside the query, scan/count/get/update/delete, drop, dimension checks
 * and reindex. Uses jest's `describe`/`it`/`expect`.
 */
export function defineMemoryStoreContract(target: MemoryStoreContractTarget): void {
  const withStore = (test: (store: MemoryStore) => Promise<void>) => async () => {
    const { store, close } = await target.create();
    try {
      await test(store);
    } finally {
      await close();
    }
  };

  describe(`memory store contract (${target.name})`, () => {
    it(
      "keeps one collection per owner: no query of one owner returns another owner's records",
      withStore(async (store) => {
        expect(await store.open(A, TEST)).toEqual(TEST);
        await store.open(B, TEST);
        await store.add(A, [{ id: 'a1', embedding: [1, 0, 0], document: 'alpha', metadata: { kind: 'x' } }]);
        await store.add(B, [{ id: 'b1', embedding: [1, 0, 0], document: 'beta', metadata: { kind: 'x' } }]);
        expect((await store.query(A, [1, 0, 0], 10)).map((h) => h.id)).toEqual(['a1']);
        expect((await store.query(B, [1, 0, 0], 10)).map((h) => h.id)).toEqual(['b1']);
        expect(await store.get(A, ['b1'])).toEqual([]);
        expect(await store.count(A)).toBe(1);
        expect(await store.drop(B)).toBe(true);
        expect(await store.drop(B)).toBe(false);
        expect(await store.count(A)).toBe(1);
        // A dropped collection opens again, empty.
        await store.open(B, TEST);
        expect(await store.count(B)).toBe(0);
      }),
    );

    it(
      'ranks by cosine similarity, best first, with documents and metadata',
      withStore(async (store) => {
        await store.open(A, TEST);
        await store.add(A, [
          { id: 'same', embedding: [2, 0, 0], document: 'same direction', metadata: { n: 1, ok: true } },
          { id: 'close', embedding: [1, 1, 0], document: 'close', metadata: { n: 2, ok: false } },
          { id: 'orthogonal', embedding: [0, 0, 1], document: 'orthogonal', metadata: { n: 3, ok: true } },
          { id: 'opposite', embedding: [-1, 0, 0], document: 'opposite', metadata: { n: 4, ok: true } },
        ]);
        const hits = await store.query(A, [1, 0, 0], 10);
        expect(hits.map((h) => h.id)).toEqual(['same', 'close', 'orthogonal', 'opposite']);
        expect(hits[0]).toMatchObject({ id: 'same', document: 'same direction', metadata: { n: 1, ok: true } });
        expect(hits.map((h) => h.similarity)).toEqual([
          expect.closeTo(1, 5),
          expect.closeTo(Math.SQRT1_2, 5),
          expect.closeTo(0, 5),
          expect.closeTo(-1, 5),
        ]);
        expect((await store.query(A, [1, 0, 0], 2)).map((h) => h.id)).toEqual(['same', 'close']);
        // nearest: the same order and similarities, ids only.
        const near = await store.nearest(A, [1, 0, 0], 3);
        expect(near.map((h) => h.id)).toEqual(['same', 'close', 'orthogonal']);
        expect(near[1]!.similarity).toBeCloseTo(Math.SQRT1_2, 5);
        expect(Object.keys(near[0]!).sort()).toEqual(['id', 'similarity']);
        // queryMany: one list per embedding, each as query gives it.
        const many = await store.queryMany(
          A,
          [
            [1, 0, 0],
            [0, 1, 0],
            [-1, 0, 0],
          ],
          1,
        );
        expect(many.map((hs) => hs.map((h) => h.id))).toEqual([['same'], ['close'], ['opposite']]);
        expect(many[0]![0]).toMatchObject({ document: 'same direction', similarity: expect.closeTo(1, 5) });
        expect(await store.queryMany(A, [], 2)).toEqual([]);
      }),
    );

    it(
      'applies filters inside the query: eq, ne, in, ranges and or',
      withStore(async (store) => {
        await store.open(A, TEST);
        await store.add(A, [
          { id: 'near-other', embedding: [1, 0, 0], document: 'n', metadata: { user: 'v', n: 1 } },
          { id: 'near-other2', embedding: [0.99, 0.1, 0], document: 'n2', metadata: { user: 'v', n: 2 } },
          { id: 'far-mine', embedding: [0, 1, 0], document: 'f', metadata: { user: 'u', n: 3 } },
        ]);
        const ids = async (filter: VectorFilter) => (await store.query(A, [1, 0, 0], 10, filter)).map((h) => h.id);
        const hits = await store.query(A, [1, 0, 0], 1, [{ field: 'user', op: 'eq', value: 'u' }]);
        expect(hits.map((h) => h.id)).toEqual(['far-mine']);
        expect(hits[0]!.similarity).toBeCloseTo(0, 5);
        expect(await ids([{ field: 'user', op: 'ne', value: 'u' }])).toEqual(['near-other', 'near-other2']);
        expect(await ids([{ field: 'n', op: 'in', value: [1, 3] }])).toEqual(['near-other', 'far-mine']);
        expect(await ids([{ field: 'n', op: 'gt', value: 1 }])).toEqual(['near-other2', 'far-mine']);
        expect(
          await ids([
            { field: 'n', op: 'gte', value: 2 },
            { field: 'n', op: 'lte', value: 2 },
          ]),
        ).toEqual(['near-other2']);
        expect(await ids([{ field: 'n', op: 'lt', value: 2 }])).toEqual(['near-other']);
        expect(
          await ids([
            {
              op: 'or',
              clauses: [
                { field: 'n', op: 'eq', value: 1 },
                { field: 'user', op: 'eq', value: 'u' },
              ],
            },
          ]),
        ).toEqual(['near-other', 'far-mine']);
        expect(await ids([{ field: 'user', op: 'eq', value: 'nobody' }])).toEqual([]);
        expect(await store.count(A, [{ field: 'n', op: 'gte', value: 2 }])).toBe(2);
        expect(
          await store.count(A, [
            {
              op: 'or',
              clauses: [
                { field: 'n', op: 'eq', value: 1 },
                { field: 'user', op: 'eq', value: 'u' },
              ],
            },
          ]),
        ).toBe(2);
      }),
    );

    it(
      'gets, updates and deletes records by id',
      withStore(async (store) => {
        await store.open(A, TEST);
        await store.add(A, [
          { id: 'x', embedding: [1, 0, 0], document: 'x doc', metadata: { user: 'u', n: 3 } },
          { id: 'y', embedding: [0, 1, 0], document: 'y doc', metadata: { user: 'v', n: 4 } },
        ]);
        expect(await store.get(A, ['x'])).toEqual([{ id: 'x', document: 'x doc', metadata: { user: 'u', n: 3 } }]);
        expect(await store.get(A, ['missing'])).toEqual([]);
        expect(await store.get(A, [])).toEqual([]);
        expect((await store.get(A, ['x', 'y', 'missing'])).map((v) => v.id).sort()).toEqual(['x', 'y']);

        await store.update(A, [{ id: 'x', metadata: { user: 'u', n: 30 } }]);
        expect((await store.get(A, ['x']))[0]!.metadata).toEqual({ user: 'u', n: 30 });
        await store.update(A, [{ id: 'y', embedding: [1, 0, 0], document: 'y moved' }]);
        const [best] = await store.query(A, [1, 0, 0], 1, [{ field: 'user', op: 'eq', value: 'v' }]);
        expect(best).toMatchObject({ id: 'y', document: 'y moved', metadata: { user: 'v', n: 4 } });
        expect(best!.similarity).toBeCloseTo(1, 5);

        await store.delete(A, ['x']);
        await store.delete(A, []);
        expect(await store.count(A)).toBe(1);
        expect(await store.get(A, ['x'])).toEqual([]);
        expect((await store.query(A, [1, 0, 0], 10)).map((h) => h.id)).toEqual(['y']);
      }),
    );

    it(
      'scans every record once in offset pages, with and without a filter',
      withStore(async (store) => {
        await store.open(A, TEST);
        const make = randomVectors(3, 3);
        await store.add(
          A,
          Array.from({ length: 25 }, (_, i) => ({
            id: `r${i}`,
            embedding: make(),
            document: `doc ${i}`,
            metadata: { i, even: i % 2 === 0 },
          })),
        );
        const scanAll = async (filter?: VectorFilter) => {
          const ids: string[] = [];
          for (let offset = 0; ; offset += 4) {
            const page = await store.scan(A, { limit: 4, offset, ...(filter ? { filter } : {}) });
            ids.push(...page.map((r) => r.id));
            if (page.length < 4) return ids;
          }
        };
        const all = await scanAll();
        expect(all).toHaveLength(25);
        expect(new Set(all).size).toBe(25);
        expect(all).toEqual((await store.scan(A, { limit: 100, offset: 0 })).map((r) => r.id));
        const even = await scanAll([{ field: 'even', op: 'eq', value: true }]);
        expect([...even].sort()).toEqual(Array.from({ length: 13 }, (_, k) => `r${k * 2}`).sort());
        const [one] = await store.scan(A, { limit: 1, offset: 0 });
        expect(Object.keys(one!).sort()).toEqual(['document', 'id', 'metadata']);
        expect(await store.scan(A, { limit: 5, offset: 25 })).toEqual([]);
        expect(await store.count(A)).toBe(25);
        expect(await store.count(A, [{ field: 'even', op: 'eq', value: false }])).toBe(12);
      }),
    );

    it(
      'returns exactly the filtered nearest records, for common and rare filters alike',
      withStore(async (store) => {
        const make = randomVectors(7, 8);
        await store.open(A, { provider: 'test', dimension: 8 });
        const records = Array.from({ length: 400 }, (_, i) => ({
          id: `r${i}`,
          embedding: make(),
          document: `doc ${i}`,
          metadata: {
            kind: i % 5 === 0 ? 'common' : i % 97 === 1 ? 'rare' : 'other',
            user: i % 2 ? 'u' : '',
            n: i,
          } as Record<string, VectorScalar>,
        }));
        await store.add(A, records);
        const cases: Array<[VectorFilter, (m: Record<string, VectorScalar>) => boolean, number]> = [
          [[{ field: 'kind', op: 'eq', value: 'common' }], (m) => m.kind === 'common', 5],
          [[{ field: 'kind', op: 'eq', value: 'rare' }], (m) => m.kind === 'rare', 5],
          [
            [
              { field: 'kind', op: 'eq', value: 'common' },
              {
                op: 'or',
                clauses: [
                  { field: 'user', op: 'eq', value: 'u' },
                  { field: 'n', op: 'lt', value: 10 },
                ],
              },
            ],
            (m) => m.kind === 'common' && (m.user === 'u' || (m.n as number) < 10),
            7,
          ],
        ];
        for (const [filter, keep, k] of cases) {
          for (let q = 0; q < 3; q++) {
            const query = make();
            const expected = records
              .filter((r) => keep(r.metadata))
              .sort((a, b) => cosine(b.embedding, query) - cosine(a.embedding, query))
              .slice(0, k)
              .map((r) => r.id);
            expect((await store.query(A, query, k, filter)).map((h) => h.id)).toEqual(expected);
          }
        }
      }),
    );

    it(
      'refuses to open a collection with a provider of another dimension unless allowed; reindex re-embeds and swaps',
      withStore(async (store) => {
        const owner = 'GMD-2026-0000-000D';
        await store.open(owner, { provider: 'small', dimension: 2 });
        await store.add(
          owner,
          Array.from({ length: 600 }, (_, i) => ({
            id: `m${i}`,
            embedding: [1, i / 600],
            document: `doc ${i}`,
            metadata: { i },
          })),
        );
        await expect(store.open(owner, { provider: 'big', dimension: 4 })).rejects.toMatchObject({
          code: 'EMBEDDING_MISMATCH',
          message: expect.stringContaining(
            `"small" (2 dimensions), but the configured provider "big" makes 4. Run "genesis memory reindex ${owner}"`,
          ),
        });
        // Same dimension, another provider: opens, and says which provider made the collection.
        expect(await store.open(owner, { provider: 'other', dimension: 2 })).toEqual({
          provider: 'small',
          dimension: 2,
        });
        expect(await store.open(owner, { provider: 'big', dimension: 4 }, { allowMismatch: true })).toEqual({
          provider: 'small',
          dimension: 2,
        });
        const progress: Array<[number, number]> = [];
        const n = await store.reindex(owner, {
          embedding: { provider: 'big', dimension: 4 },
          embed: async (docs) => docs.map((d) => [Number(d.split(' ')[1]) / 600, 0, 0, 1]),
          onProgress: (done, total) => progress.push([done, total]),
        });
        expect(n).toBe(600);
        expect(progress[0]).toEqual([0, 600]);
        expect(progress[progress.length - 1]).toEqual([600, 600]);
        expect(progress.length).toBeGreaterThan(2);
        expect(await store.open(owner, { provider: 'big', dimension: 4 })).toEqual({ provider: 'big', dimension: 4 });
        expect(await store.count(owner)).toBe(600);
        const [hit] = await store.query(owner, [1, 0, 0, 1], 1);
        expect(hit).toMatchObject({ id: 'm599', document: 'doc 599', metadata: { i: 599 } });
        await expect(store.open(owner, { provider: 'small', dimension: 2 })).rejects.toMatchObject({
          code: 'EMBEDDING_MISMATCH',
        });
      }),
    );
  });
}
