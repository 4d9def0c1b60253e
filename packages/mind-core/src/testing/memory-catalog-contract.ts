import type { CatalogCursor, CatalogEntry, CatalogFilter, MemoryCatalogStore } from '../ports/memory-catalog';

/** Something that implements the MemoryCatalogStore port: each test gets a fresh, empty store. */
export interface MemoryCatalogContractTarget {
  name: string;
  create(): Promise<{ store: MemoryCatalogStore; close(): Promise<void> }>;
}

const MIND = 'GMD-2026-4A7F-9B23';
const OTHER = 'GMD-2026-0000-0001';
const T0 = 1_800_000_000_000;
const TYPES = ['episodic', 'semantic', 'procedural'] as const;

/** An entry of MIND, stored, with the given fields over plain defaults. */
function entry(id: string, fields: Partial<CatalogEntry> = {}): CatalogEntry {
  return {
    id,
    mindId: MIND,
    memoryType: 'episodic',
    importance: 0.5,
    userEmail: null,
    relationshipContext: 'generic',
    environmentId: null,
    createdAt: T0,
    lastAccessedAt: null,
    accessCount: 0,
    state: 'stored',
    revision: 0,
    ...fields,
  };
}

/** Ids that do not sort in the order they are made (so id order is really tested). */
const scrambled = (i: number) => `m-${String((i * 37) % 1000).padStart(3, '0')}`;

/**
 * Sixty entries of MIND: 4 share each createdAt (ties), types, users and environments in turns,
 * importance in 7 steps; 6 of them pending and 3 deleting (never listed or counted).
 */
function sixty(): CatalogEntry[] {
  return Array.from({ length: 60 }, (_, i) =>
    entry(scrambled(i), {
      memoryType: TYPES[i % 3]!,
      importance: (i % 7) / 6,
      userEmail: i % 4 === 0 ? null : `user${i % 4}@example.com`,
      relationshipContext: i % 4 === 0 ? 'generic' : 'personal',
      environmentId: i % 5 === 0 ? 'env-garden' : null,
      createdAt: T0 + Math.floor(i / 4) * 1000,
      state: i % 10 === 3 ? 'pending' : i % 20 === 7 ? 'deleting' : 'stored',
    }),
  );
}

const byId = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const newestFirst = (a: CatalogEntry, b: CatalogEntry) => b.createdAt - a.createdAt || byId(b.id, a.id);
const invalid = (field: string) => ({ code: 'INVALID_INPUT', field });
const isStored = (e: CatalogEntry) => e.state === 'stored';
const matching = (f: CatalogFilter) => (e: CatalogEntry) =>
  (f.memoryType === undefined || e.memoryType === f.memoryType) &&
  (f.userEmail === undefined || e.userEmail === f.userEmail) &&
  (f.environmentId === undefined || e.environmentId === f.environmentId);

/** Every `recent` entry, page by page (the cursor is the last entry of the page before). */
async function allRecent(
  store: MemoryCatalogStore,
  limit: number,
  filter?: CatalogFilter,
): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let after: CatalogCursor | undefined;
  let pages = 0;
  for (;;) {
    const page = await store.recent(MIND, { limit, ...(after ? { after } : {}), ...(filter ? { filter } : {}) });
    pages++;
    ids.push(...page.map((e) => e.id));
    if (page.length < limit) return { ids, pages };
    const last = page[page.length - 1]!;
    after = { createdAt: last.createdAt, id: last.id };
    if (pages > 1000) throw new Error('paging does not end');
  }
}

/**
 * The behaviour every MemoryCatalogStore must have (in memory, SQLite, PostgreSQL): the states and
 * what each one shows, keyset pages, importance order, filters, access counting, put/replace,
 * removal, repair queries and bad input. Uses jest's `describe`/`it`/`expect`.
 */
export function defineMemoryCatalogContract(target: MemoryCatalogContractTarget): void {
  const withStore = (test: (store: MemoryCatalogStore) => Promise<void>) => async () => {
    const { store, close } = await target.create();
    try {
      await test(store);
    } finally {
      await close();
    }
  };

  describe(`memory catalogue contract (${target.name})`, () => {
    it(
      'lists and counts only stored entries; pending and deleting ones are unsettled until stored',
      withStore(async (store) => {
        const a = entry('a-1', { state: 'pending', createdAt: T0 + 2 });
        const b = entry('b-1', { createdAt: T0 + 1 });
        expect(await store.put([a, b])).toBe(2);
        expect((await store.recent(MIND, { limit: 10 })).map((e) => e.id)).toEqual(['b-1']);
        expect(await store.count(MIND)).toBe(1);
        expect(await store.get(MIND, ['a-1'])).toEqual([a]);
        expect(await store.unsettled(MIND, 10)).toEqual([a]);

        await store.setState(MIND, ['a-1'], 'stored');
        expect((await store.recent(MIND, { limit: 10 })).map((e) => e.id)).toEqual(['a-1', 'b-1']);
        expect((await store.important(MIND, 10)).map((e) => e.id)).toEqual(['a-1', 'b-1']);
        expect(await store.count(MIND)).toBe(2);
        expect(await store.unsettled(MIND, 10)).toEqual([]);

        await store.setState(MIND, ['b-1', 'no-such-id'], 'deleting');
        expect((await store.recent(MIND, { limit: 10 })).map((e) => e.id)).toEqual(['a-1']);
        expect((await store.important(MIND, 10)).map((e) => e.id)).toEqual(['a-1']);
        expect(await store.count(MIND)).toBe(1);
        expect(await store.unsettled(MIND, 10)).toEqual([{ ...b, state: 'deleting' }]);
        // Another Mind's entry of the same id is another entry: setState of MIND never reaches it.
        await store.put([{ ...b, mindId: OTHER }]);
        await store.setState(MIND, ['b-1'], 'pending');
        expect(await store.get(OTHER, ['b-1'])).toEqual([{ ...b, mindId: OTHER }]);
        expect(await store.count(OTHER)).toBe(1);
        // An empty list changes nothing.
        await store.setState(MIND, [], 'stored');
        expect(await store.count(MIND)).toBe(1);
      }),
    );

    it(
      'pages recent entries newest first by keyset, each stored entry exactly once, ties on createdAt by id',
      withStore(async (store) => {
        const all = sixty();
        expect(await store.put(all)).toBe(60);
        await store.put([entry('other-1', { mindId: OTHER, createdAt: T0 + 30_000 })]);
        const expected = all
          .filter(isStored)
          .sort(newestFirst)
          .map((e) => e.id);
        expect(expected).toHaveLength(51);
        for (const limit of [1, 4, 7, 51, 100]) {
          const { ids } = await allRecent(store, limit);
          expect(ids).toEqual(expected);
        }
        // A cursor in the middle of a tie: the rest of the tie, then older times.
        const tie = all.filter((e) => isStored(e) && e.createdAt === T0 + 5000).sort(newestFirst);
        expect(tie.length).toBeGreaterThan(1);
        const after = { createdAt: tie[0]!.createdAt, id: tie[0]!.id };
        const next = await store.recent(MIND, { limit: 3, after });
        expect(next.map((e) => e.id)).toEqual(expected.slice(expected.indexOf(tie[0]!.id) + 1).slice(0, 3));
        // A cursor that is no entry at all still works: everything older (or same time, lower id).
        const between = await store.recent(MIND, { limit: 100, after: { createdAt: T0 + 5000, id: 'm-5' } });
        expect(between.map((e) => e.id)).toEqual(
          all
            .filter((e) => isStored(e) && (e.createdAt < T0 + 5000 || (e.createdAt === T0 + 5000 && e.id < 'm-5')))
            .sort(newestFirst)
            .map((e) => e.id),
        );
        // Entries come back whole.
        const [newest] = await store.recent(MIND, { limit: 1 });
        expect(newest).toEqual(all.find((e) => e.id === expected[0]));
        expect(await store.recent(OTHER, { limit: 10 })).toHaveLength(1);
        expect(await store.recent('GMD-2026-0000-FFFF', { limit: 10 })).toEqual([]);
      }),
    );

    it(
      'filters recent pages and counts by type, user and environment (alone and together)',
      withStore(async (store) => {
        const all = sixty();
        await store.put(all);
        await store.put([entry('other-1', { mindId: OTHER, memoryType: 'semantic', userEmail: 'user1@example.com' })]);
        const filters: CatalogFilter[] = [
          {},
          { memoryType: 'semantic' },
          { userEmail: 'user1@example.com' },
          { environmentId: 'env-garden' },
          { memoryType: 'episodic', userEmail: 'user2@example.com' },
          { memoryType: 'procedural', environmentId: 'env-garden' },
          { memoryType: 'no-such-type' },
        ];
        for (const filter of filters) {
          const expected = all.filter(isStored).filter(matching(filter)).sort(newestFirst);
          expect(await store.count(MIND, filter)).toBe(expected.length);
          expect((await allRecent(store, 4, filter)).ids).toEqual(expected.map((e) => e.id));
        }
        expect(await store.count(MIND)).toBe(51);
        expect(await store.count(MIND, { memoryType: 'semantic' })).toBe(17);
        expect(await store.count(OTHER, { userEmail: 'user1@example.com' })).toBe(1);
        expect(await store.count('GMD-2026-0000-FFFF')).toBe(0);
      }),
    );

    it(
      'orders important entries by importance, then newest, then id (all descending)',
      withStore(async (store) => {
        const all = sixty();
        await store.put(all);
        await store.put([entry('other-1', { mindId: OTHER, importance: 1 })]);
        const expected = all
          .filter(isStored)
          .sort((a, b) => b.importance - a.importance || newestFirst(a, b))
          .map((e) => e.id);
        expect((await store.important(MIND, 100)).map((e) => e.id)).toEqual(expected);
        expect((await store.important(MIND, 5)).map((e) => e.id)).toEqual(expected.slice(0, 5));
        // Importance is kept exactly (no single-precision rounding).
        await store.put([entry('precise', { importance: 0.123456789012, createdAt: T0 - 1 })], { replace: true });
        expect((await store.get(MIND, ['precise']))[0]?.importance).toBe(0.123456789012);
      }),
    );

    it(
      'counts an access once per call for each id, of this Mind only, and sets the last access time',
      withStore(async (store) => {
        await store.put([entry('a'), entry('b'), entry('c', { state: 'pending' }), entry('a', { mindId: OTHER })]);
        await store.recordAccess(MIND, ['a', 'b', 'a', 'no-such-id'], T0 + 10);
        await store.recordAccess(MIND, ['a', 'c'], T0 + 20);
        await store.recordAccess(MIND, [], T0 + 30);
        const got = Object.fromEntries((await store.get(MIND, ['a', 'b', 'c'])).map((e) => [e.id, e]));
        expect(got.a).toMatchObject({ accessCount: 2, lastAccessedAt: T0 + 20 });
        expect(got.b).toMatchObject({ accessCount: 1, lastAccessedAt: T0 + 10 });
        expect(got.c).toMatchObject({ accessCount: 1, lastAccessedAt: T0 + 20, state: 'pending' });
        expect(await store.count(MIND)).toBe(2);
        expect(await store.get(OTHER, ['a'])).toEqual([entry('a', { mindId: OTHER })]);
      }),
    );

    it(
      'puts an id once (a second pending put keeps the first), replaces on demand, and counts what it inserted',
      withStore(async (store) => {
        const first = entry('x', { state: 'pending', importance: 0.1, memoryType: 'semantic' });
        expect(await store.put([first])).toBe(1);
        expect(await store.put([{ ...first, importance: 0.9 }])).toBe(0);
        expect(await store.get(MIND, ['x'])).toEqual([first]);

        const replaced = entry('x', {
          importance: 0.9,
          memoryType: 'procedural',
          userEmail: 'ann@example.com',
          relationshipContext: 'personal',
          environmentId: 'env-1',
          createdAt: T0 + 5,
          lastAccessedAt: T0 + 6,
          accessCount: 4,
        });
        expect(await store.put([replaced, entry('y')], { replace: true })).toBe(1);
        // A replaced row counts its revision up (readers caching the memory's text check it).
        expect((await store.get(MIND, ['x', 'y'])).sort((a, b) => byId(a.id, b.id))).toEqual([
          { ...replaced, revision: 1 },
          entry('y'),
        ]);
        // Counts follow a replace: into stored, from one type/user/environment to another, out of stored.
        expect(await store.count(MIND)).toBe(2);
        expect(await store.count(MIND, { memoryType: 'procedural', userEmail: 'ann@example.com' })).toBe(1);
        expect(await store.count(MIND, { environmentId: 'env-1' })).toBe(1);
        await store.put([{ ...replaced, memoryType: 'semantic', userEmail: null, environmentId: null }], {
          replace: true,
        });
        expect(await store.count(MIND, { memoryType: 'procedural' })).toBe(0);
        expect(await store.count(MIND, { userEmail: 'ann@example.com' })).toBe(0);
        expect(await store.count(MIND, { environmentId: 'env-1' })).toBe(0);
        expect(await store.count(MIND, { memoryType: 'semantic' })).toBe(1);
        await store.put([{ ...replaced, state: 'deleting' }], { replace: true });
        expect(await store.count(MIND)).toBe(1);
        await store.put([replaced], { replace: true });
        expect(await store.count(MIND)).toBe(2);
        // The same id twice in one put: as two puts one after the other.
        expect(await store.put([entry('z', { importance: 0.2 }), entry('z', { importance: 0.3 })])).toBe(1);
        expect((await store.get(MIND, ['z']))[0]?.importance).toBe(0.2);
        expect(
          await store.put([entry('z', { importance: 0.4 }), entry('z', { importance: 0.6 })], { replace: true }),
        ).toBe(0);
        expect((await store.get(MIND, ['z']))[0]?.importance).toBe(0.6);
        // The same id in another Mind is another entry.
        expect(await store.put([entry('x', { mindId: OTHER })])).toBe(1);
        expect(await store.get(MIND, ['x'])).toEqual([{ ...replaced, revision: 4 }]);
        expect(await store.put([])).toBe(0);
        expect(await store.put([], { replace: true })).toBe(0);
      }),
    );

    it(
      'removes entries in any state, and every entry of a Mind',
      withStore(async (store) => {
        await store.put([entry('a'), entry('b', { state: 'pending' }), entry('c', { state: 'deleting' }), entry('d')]);
        await store.put([entry('a', { mindId: OTHER }), entry('o', { mindId: OTHER })]);
        expect(await store.remove(MIND, ['a', 'b', 'c', 'a', 'no-such-id'])).toBe(3);
        expect(await store.remove(MIND, ['a'])).toBe(0);
        expect(await store.remove(MIND, [])).toBe(0);
        expect((await store.get(MIND, ['a', 'b', 'c', 'd'])).map((e) => e.id)).toEqual(['d']);
        expect(await store.count(MIND)).toBe(1);
        expect(await store.count(OTHER)).toBe(2);
        // onlyIf: only the entries still in that state go (repair never removes what a writer settled).
        await store.put([entry('p1', { state: 'pending' }), entry('p2'), entry('p3', { state: 'deleting' })]);
        expect(await store.remove(MIND, ['p1', 'p2', 'p3'], { onlyIf: 'pending' })).toBe(1);
        expect(await store.remove(MIND, ['p2', 'p3'], { onlyIf: 'deleting' })).toBe(1);
        expect(await store.remove(MIND, ['p2', 'd'], { onlyIf: 'pending' })).toBe(0);
        expect(await store.count(MIND)).toBe(2);
        expect(await store.remove(MIND, ['p2'], { onlyIf: 'stored' })).toBe(1);
        expect(await store.count(MIND)).toBe(1);
        expect(await store.removeMind(MIND)).toBe(1);
        expect(await store.removeMind(MIND)).toBe(0);
        expect(await store.count(MIND)).toBe(0);
        expect(await store.ids(MIND, { limit: 10 })).toEqual([]);
        expect((await store.get(OTHER, ['a', 'o'])).map((e) => e.id).sort(byId)).toEqual(['a', 'o']);
      }),
    );

    it(
      'lists unsettled entries oldest first and pages every id in id order, in any state',
      withStore(async (store) => {
        const all = sixty();
        await store.put(all);
        await store.put([entry('other-1', { mindId: OTHER, state: 'pending' })]);
        const unsettled = all.filter((e) => !isStored(e)).sort((a, b) => a.createdAt - b.createdAt || byId(a.id, b.id));
        expect(unsettled).toHaveLength(9);
        expect(await store.unsettled(MIND, 100)).toEqual(unsettled);
        expect((await store.unsettled(MIND, 4)).map((e) => e.id)).toEqual(unsettled.slice(0, 4).map((e) => e.id));

        const expected = all.map((e) => e.id).sort(byId);
        const seen: string[] = [];
        let afterId: string | undefined;
        for (let pages = 0; pages < 100; pages++) {
          const page = await store.ids(MIND, { limit: 7, ...(afterId === undefined ? {} : { afterId }) });
          seen.push(...page);
          if (page.length < 7) break;
          afterId = page[page.length - 1];
        }
        expect(seen).toEqual(expected);
        expect(await store.ids(MIND, { afterId: expected[58]!, limit: 10 })).toEqual([expected[59]]);
        expect(await store.ids(OTHER, { limit: 10 })).toEqual(['other-1']);
      }),
    );

    it(
      'handles batches larger than one statement takes (put, get, access, state, remove)',
      withStore(async (store) => {
        const many = Array.from({ length: 2500 }, (_, i) =>
          entry(`bulk-${String(i).padStart(5, '0')}`, { createdAt: T0 + i, state: 'pending' }),
        );
        expect(await store.put(many)).toBe(2500);
        expect(await store.put(many, { replace: true })).toBe(0);
        const ids = many.map((e) => e.id);
        expect(await store.get(MIND, ids)).toHaveLength(2500);
        await store.setState(MIND, ids, 'stored');
        expect(await store.count(MIND)).toBe(2500);
        await store.recordAccess(MIND, ids, T0 + 9);
        expect((await store.important(MIND, 3)).map((e) => e.accessCount)).toEqual([1, 1, 1]);
        expect((await store.recent(MIND, { limit: 1 }))[0]).toMatchObject({ id: ids[2499], lastAccessedAt: T0 + 9 });
        expect(await store.remove(MIND, ids.slice(0, 2400))).toBe(2400);
        expect(await store.count(MIND)).toBe(100);
      }),
    );

    it(
      'rejects bad input with errors that name the field, writing nothing',
      withStore(async (store) => {
        await store.put([entry('keep')]);
        const bad: Array<[Partial<CatalogEntry>, string]> = [
          [{ id: '' }, 'entries[1].id'],
          [{ mindId: ' ' }, 'entries[1].mindId'],
          [{ memoryType: '' }, 'entries[1].memoryType'],
          [{ importance: Number.NaN }, 'entries[1].importance'],
          [{ importance: '0.5' as never }, 'entries[1].importance'],
          [{ userEmail: '' }, 'entries[1].userEmail'],
          [{ relationshipContext: '' }, 'entries[1].relationshipContext'],
          [{ createdAt: -1 }, 'entries[1].createdAt'],
          [{ createdAt: 1.5 }, 'entries[1].createdAt'],
          [{ lastAccessedAt: -5 }, 'entries[1].lastAccessedAt'],
          [{ accessCount: -1 }, 'entries[1].accessCount'],
          [{ state: 'gone' as never }, 'entries[1].state'],
        ];
        for (const [fields, field] of bad) {
          await expect(store.put([entry('fine-1'), entry('bad', fields)])).rejects.toMatchObject(invalid(field));
          await expect(store.put([entry('fine-1'), entry('bad', fields)], { replace: true })).rejects.toMatchObject(
            invalid(field),
          );
        }
        await expect(store.put(null as never)).rejects.toMatchObject(invalid('entries'));
        await expect(store.put([null as never])).rejects.toMatchObject(invalid('entries[0]'));
        // Nothing of the refused puts was written.
        expect(await store.ids(MIND, { limit: 10 })).toEqual(['keep']);

        await expect(store.recent(MIND, { limit: 0 })).rejects.toMatchObject(invalid('limit'));
        await expect(store.recent(MIND, { limit: 1001 })).rejects.toMatchObject(invalid('limit'));
        await expect(store.recent(MIND, { limit: 1.5 })).rejects.toMatchObject(invalid('limit'));
        await expect(store.recent(MIND, { limit: 5, after: { createdAt: -1, id: 'x' } })).rejects.toMatchObject(
          invalid('after.createdAt'),
        );
        await expect(store.recent(MIND, { limit: 5, after: { createdAt: T0, id: '' } })).rejects.toMatchObject(
          invalid('after.id'),
        );
        await expect(store.recent(MIND, { limit: 5, filter: { memoryType: '' } })).rejects.toMatchObject(
          invalid('filter.memoryType'),
        );
        await expect(store.count(MIND, { userEmail: 7 as never })).rejects.toMatchObject(invalid('filter.userEmail'));
        await expect(store.count(MIND, { environmentId: '' })).rejects.toMatchObject(invalid('filter.environmentId'));
        await expect(store.count('')).rejects.toMatchObject(invalid('mindId'));
        await expect(store.important(MIND, 0)).rejects.toMatchObject(invalid('limit'));
        await expect(store.unsettled(MIND, -1)).rejects.toMatchObject(invalid('limit'));
        await expect(store.ids(MIND, { limit: 10, afterId: '' })).rejects.toMatchObject(invalid('afterId'));
        await expect(store.ids(MIND, { limit: 0 })).rejects.toMatchObject(invalid('limit'));
        await expect(store.setState(MIND, ['keep'], 'lost' as never)).rejects.toMatchObject(invalid('state'));
        await expect(store.setState(MIND, 'keep' as never, 'stored')).rejects.toMatchObject(invalid('ids'));
        await expect(store.get(MIND, ['keep', ''])).rejects.toMatchObject(invalid('ids[1]'));
        await expect(store.remove('', ['keep'])).rejects.toMatchObject(invalid('mindId'));
        await expect(store.remove(MIND, ['keep'], { onlyIf: 'gone' as never })).rejects.toMatchObject(
          invalid('onlyIf'),
        );
        await expect(store.recordAccess(MIND, ['keep'], -1)).rejects.toMatchObject(invalid('at'));
        await expect(store.recordAccess(MIND, ['keep'], Number.NaN)).rejects.toMatchObject(invalid('at'));
        await expect(store.removeMind(' ')).rejects.toMatchObject(invalid('mindId'));
        // Still there, untouched.
        expect(await store.get(MIND, ['keep'])).toEqual([entry('keep')]);
      }),
    );

    it(
      'queues vectors with their rows in one write, returns them as queued (float32), dequeues them, drops them with the Mind',
      withStore(async (store) => {
        const vector = (id: string, x: number) => ({
          id,
          embedding: [x, 0.1, -0.25, 1 / 3],
          document: `text of ${id} — “quoted”, 日本`,
          metadata: { memory_type: 'episodic', importance: 0.5, tags: '["a"]', ok: true },
        });
        await store.put([entry('q-1', { createdAt: T0 + 1 }), entry('q-2', { createdAt: T0 + 2 })], {
          replace: true,
          queue: { mindId: MIND, vectors: [vector('q-1', 0.5), vector('q-2', 0.75)] },
        });
        await store.put([entry('q-3', { createdAt: T0 + 3 })], {
          queue: {
            mindId: MIND,
            vectors: [{ ...vector('q-3', 0), embedding: [], metadataOnly: true }],
          },
        });
        const queued = await store.queued(MIND, { limit: 10 });
        expect(queued.map((v) => v.id)).toEqual(['q-1', 'q-2', 'q-3']);
        expect(queued[0]).toEqual({
          ...vector('q-1', 0.5),
          embedding: Array.from(Float32Array.from(vector('q-1', 0.5).embedding)),
        });
        expect(queued[2]).toMatchObject({ id: 'q-3', embedding: [], metadataOnly: true });
        expect(queued[0]!.metadataOnly).toBeUndefined();
        // The rows are stored: listed and counted while their vectors are queued.
        expect(await store.count(MIND)).toBe(3);
        expect((await store.queued(MIND, { limit: 10, ids: ['q-2', 'nope'] })).map((v) => v.id)).toEqual(['q-2']);
        expect((await store.queued(MIND, { limit: 1 })).map((v) => v.id)).toEqual(['q-1']);
        expect(await store.queued(OTHER, { limit: 10 })).toEqual([]);
        // Queued again under the same id: the newer one replaces it.
        await store.put([entry('q-1', { createdAt: T0 + 1 })], {
          replace: true,
          queue: { mindId: MIND, vectors: [vector('q-1', -1)] },
        });
        expect((await store.queued(MIND, { limit: 10, ids: ['q-1'] }))[0]!.embedding[0]).toBe(-1);
        expect(await store.dequeue(MIND, ['q-1', 'q-1', 'nope'])).toBe(1);
        expect(await store.dequeue(MIND, [])).toBe(0);
        expect((await store.queued(MIND, { limit: 10 })).map((v) => v.id).sort()).toEqual(['q-2', 'q-3']);
        // A queued vector without its row in the same put is refused, and nothing is written.
        await expect(
          store.put([entry('q-4')], { queue: { mindId: MIND, vectors: [vector('q-5', 1)] } }),
        ).rejects.toMatchObject(invalid('queue.vectors[0].id'));
        await expect(
          store.put([entry('q-4')], {
            queue: { mindId: MIND, vectors: [{ ...vector('q-4', 1), embedding: [Number.NaN] }] },
          }),
        ).rejects.toMatchObject(invalid('queue.vectors[0].embedding'));
        expect(await store.get(MIND, ['q-4'])).toEqual([]);
        await store.removeMind(MIND);
        expect(await store.queued(MIND, { limit: 10 })).toEqual([]);
      }),
    );

    it(
      'merges a near-duplicate in the write of its twin: its row and queued record go, its id names the twin until the twin goes',
      withStore(async (store) => {
        const record = (id: string) => ({ id, embedding: [], document: `text of ${id}`, metadata: { x: 1 } });
        const toEmbed = record;
        await store.put([entry('t-1', { createdAt: T0 + 1 }), entry('d-1', { createdAt: T0 + 2 })], {
          queue: { mindId: MIND, vectors: [toEmbed('t-1'), toEmbed('d-1')] },
        });
        await store.put([entry('d-1', { mindId: OTHER })]);
        expect(await store.count(MIND)).toBe(2);
        const twin = entry('t-1', { createdAt: T0 + 1, importance: 0.9, accessCount: 1 });
        await store.put([twin], {
          replace: true,
          queue: { mindId: MIND, vectors: [{ ...record('t-1'), metadataOnly: true }] },
          merged: { mindId: MIND, ids: [{ id: 'd-1', into: 't-1' }] },
        });
        expect(await store.count(MIND)).toBe(1);
        expect(await store.get(MIND, ['d-1'])).toEqual([]);
        expect(await store.get(MIND, ['t-1'])).toMatchObject([{ importance: 0.9, accessCount: 1 }]);
        expect((await store.queued(MIND, { limit: 10 })).map((v) => [v.id, v.metadataOnly === true])).toEqual([
          ['t-1', true],
        ]);
        expect(await store.aliases(MIND, ['d-1', 't-1', 'nope'])).toEqual([{ id: 'd-1', into: 't-1' }]);
        expect(await store.aliases(OTHER, ['d-1'])).toEqual([]);
        expect(await store.get(OTHER, ['d-1'])).toHaveLength(1); // another Mind's row of that id stays
        // Bad merges are refused naming the field, and nothing is written.
        await expect(
          store.put([entry('t-2')], { merged: { mindId: MIND, ids: [{ id: 'x-1', into: 't-9' }] } }),
        ).rejects.toMatchObject(invalid('merged.ids[0].into'));
        await expect(
          store.put([entry('t-2')], { merged: { mindId: MIND, ids: [{ id: 't-2', into: 't-2' }] } }),
        ).rejects.toMatchObject(invalid('merged.ids[0].id'));
        expect(await store.get(MIND, ['t-2'])).toEqual([]);
        // Removing the twin removes its aliases; removing the Mind removes them all.
        await store.put([entry('t-3'), entry('d-3')]);
        await store.put([entry('t-3')], { replace: true, merged: { mindId: MIND, ids: [{ id: 'd-3', into: 't-3' }] } });
        expect(await store.remove(MIND, ['t-1'])).toBe(1);
        expect(await store.aliases(MIND, ['d-1', 'd-3'])).toEqual([{ id: 'd-3', into: 't-3' }]);
        await store.removeMind(MIND);
        expect(await store.aliases(MIND, ['d-3'])).toEqual([]);
      }),
    );
  });
}
