import type { EmbeddingProvider } from '../../ports/memory-store';
import { catalogEntry } from '../catalog-sync';
import {
  FakeClock,
  HashEmbedder,
  InMemoryMemoryCatalog,
  InMemoryMemoryStore,
  RecordingLogger,
  createInMemoryMemoryBackend,
} from '../../testing';
import { buildMemory } from '../memory-input';
import { MemoryManager, type MemoryOptions } from '../memory-manager';
import { settleMemoryWrites } from '../write-behind';

const MIND = 'GMD-2026-4A7F-9B23';

/** An embedder that counts its calls. */
function counting(inner: EmbeddingProvider = new HashEmbedder()) {
  const calls: string[][] = [];
  const embedder: EmbeddingProvider = {
    name: inner.name,
    dimension: inner.dimension,
    embed: async (texts) => {
      calls.push(texts);
      return inner.embed(texts);
    },
  };
  return { embedder, calls };
}

function build(options: MemoryOptions = {}) {
  const clock = new FakeClock();
  const { embedder, calls } = counting();
  const backend = createInMemoryMemoryBackend(embedder);
  const catalog = new InMemoryMemoryCatalog();
  const logger = new RecordingLogger();
  const memory = new MemoryManager(MIND, backend, catalog, clock, { logger, ...options });
  return { clock, backend, catalog, memory, calls, logger };
}

describe('MemoryManager over the SQL catalogue', () => {
  test('recent, important, count and list read the catalogue; list pages are keyset, newest first, each memory once', async () => {
    const { memory } = build({ dedupThreshold: null });
    const t0 = Date.UTC(2025, 5, 1);
    // 25 memories, several sharing a timestamp: ties are broken by id.
    await memory.addMemories(
      Array.from({ length: 25 }, (_, i) => ({
        content: `memory number ${i}`,
        memoryType: i % 2 ? ('semantic' as const) : ('episodic' as const),
        timestamp: t0 + Math.floor(i / 3) * 1000,
        importance: (i % 5) / 5,
      })),
    );
    const pages: string[][] = [];
    let cursor: string | null = null;
    do {
      const page: Awaited<ReturnType<typeof memory.listMemories>> = await memory.listMemories({ limit: 4, cursor });
      pages.push(page.items.map((m) => m.content));
      cursor = page.nextCursor;
    } while (cursor);
    const listed = pages.flat();
    expect(listed).toHaveLength(25);
    expect(new Set(listed).size).toBe(25);
    expect(pages).toHaveLength(7);
    const recent = await memory.getRecentMemories(25);
    expect(recent.map((m) => m.content)).toEqual(listed);
    for (let i = 1; i < recent.length; i++)
      expect(recent[i - 1]!.timestamp).toBeGreaterThanOrEqual(recent[i]!.timestamp);
    const important = await memory.getImportantMemories(5);
    expect(important.map((m) => m.importance)).toEqual([0.8, 0.8, 0.8, 0.8, 0.8]);
    expect(await memory.countMemories()).toBe(25);
    expect(await memory.countMemories({ memoryType: 'semantic' })).toBe(12);
    await expect(memory.listMemories({ limit: 4, cursor: 'bm90LWEtY3Vyc29y' })).rejects.toMatchObject({
      code: 'INVALID_CURSOR',
      field: 'cursor',
    });
  });

  test('a search counts its hits in one catalogue statement and writes nothing to the vectors', async () => {
    const { memory, catalog, backend } = build();
    await memory.addMemories([
      { content: 'Ann loves hiking in the Alps', memoryType: 'episodic' },
      { content: 'Ann hikes every summer in the mountains', memoryType: 'episodic' },
      { content: 'The car needs new tyres', memoryType: 'semantic' },
    ]);
    const recordAccess = jest.spyOn(catalog, 'recordAccess');
    const update = jest.spyOn(backend.store, 'update');
    const hits = await memory.searchMemories({ query: 'hiking Alps', limit: 2 });
    expect(hits).toHaveLength(2);
    expect(recordAccess).toHaveBeenCalledTimes(1);
    expect(recordAccess.mock.calls[0]![1]).toEqual(hits.map((h) => h.id));
    expect(update).not.toHaveBeenCalled();
    expect(hits.every((h) => h.accessCount === 1)).toBe(true);
    await memory.searchMemories({ query: 'hiking Alps', limit: 2 });
    expect((await memory.getMemory(hits[0]!.id))?.accessCount).toBe(2);
  });

  test('the near-duplicate check reuses the embedding of the memory being added', async () => {
    const { memory, calls } = build();
    await memory.addMemory({ content: 'Ann loves hiking in the Alps', memoryType: 'episodic' });
    await memory.settle();
    const first = (await memory.getRecentMemories(1))[0]!;
    calls.length = 0;
    const added = await memory.addMemory({ content: 'Ann loves hiking in the Alps!', memoryType: 'episodic' });
    await memory.settle(); // checked (and merged) in the background, embedded once
    expect(await memory.countMemories()).toBe(1);
    expect(calls).toEqual([['Ann loves hiking in the Alps!']]);
    const twin = await memory.getMemory(added.id);
    expect(twin).toMatchObject({ id: first.id, accessCount: 1 });
  });

  test('a deleted memory is gone from listing, counts and search', async () => {
    const { memory } = build();
    const a = await memory.addMemory({ content: 'Ann likes green tea', memoryType: 'semantic' });
    await memory.addMemory({ content: 'Bo plays the cello', memoryType: 'semantic' });
    expect(await memory.deleteMemory(a.id)).toBe(true);
    expect(await memory.countMemories()).toBe(1);
    expect((await memory.getRecentMemories(10)).map((m) => m.id)).not.toContain(a.id);
    expect((await memory.searchMemories({ query: 'green tea' })).map((m) => m.id)).not.toContain(a.id);
    expect(await memory.getMemory(a.id)).toBeNull();
  });

  test('repair settles pending rows by their vectors, finishes deletions, back-fills and drops orphans', async () => {
    const clock = new FakeClock();
    const embedder = new HashEmbedder();
    const store = new InMemoryMemoryStore();
    const backend = createInMemoryMemoryBackend(embedder, store);
    const catalog = new InMemoryMemoryCatalog();
    await store.open(MIND, { provider: embedder.name, dimension: embedder.dimension });
    const make = (content: string) => buildMemory({ content, memoryType: 'episodic' }, clock.now());
    const vector = async (m: ReturnType<typeof make>) =>
      store.add(MIND, [
        {
          id: m.id,
          embedding: (await embedder.embed([m.content]))[0]!,
          document: m.content,
          metadata: { memory_type: 'episodic', timestamp: m.timestamp },
        },
      ]);
    const written = make('pending whose vector was written'); // crash after the vector
    const lost = make('pending whose vector never came'); // crash before the vector
    const deleting = make('deletion that was interrupted');
    const old = make('stored before the catalogue existed');
    const orphan = make('row whose vector is gone');
    await catalog.put([
      catalogEntry(MIND, written, 'pending'),
      catalogEntry(MIND, lost, 'pending'),
      catalogEntry(MIND, deleting, 'deleting'),
      catalogEntry(MIND, orphan, 'stored'),
    ]);
    for (const m of [written, deleting, old]) await vector(m);
    const progress: Array<[number, number]> = [];
    const memory = new MemoryManager(MIND, backend, catalog, clock);
    expect(await memory.repair((done, total) => progress.push([done, total]))).toEqual({
      written: 0,
      settled: 1,
      abandoned: 1,
      deleted: 1,
      backfilled: 1,
      orphaned: 1,
    });
    expect(progress.at(-1)).toEqual([2, 2]);
    expect((await memory.getRecentMemories(10)).map((m) => m.content).sort()).toEqual([
      'pending whose vector was written',
      'stored before the catalogue existed',
    ]);
    expect(await store.count(MIND)).toBe(2);
    expect(await memory.repair()).toEqual({
      written: 0,
      settled: 0,
      abandoned: 0,
      deleted: 0,
      backfilled: 0,
      orphaned: 0,
    });
  });

  test('a writer that finishes after a repair removed its pending row still leaves its memory catalogued', async () => {
    const { memory, catalog, backend } = build();
    await memory.countMemories(); // opened and repaired once
    // The writer's first step is done (pending row) and a repair from another process runs now.
    const add = backend.store.add.bind(backend.store);
    jest.spyOn(backend.store, 'add').mockImplementationOnce(async (owner, records) => {
      await new MemoryManager(MIND, backend, catalog, new FakeClock()).repair(); // sees pending, no vector: removes it
      expect(await catalog.get(MIND, [records[0]!.id])).toEqual([]);
      return add(owner, records);
    });
    // A batch written before the call returns (no write-behind): pending → vector → stored.
    const [added] = await memory.addMemories([{ content: 'written while a repair ran', memoryType: 'semantic' }], {
      dedup: false,
    });
    expect((await catalog.get(MIND, [added!.id])).map((e) => e.state)).toEqual(['stored']);
    expect(await memory.countMemories()).toBe(1);
  });

  test('an existing Mind keeps the provider it was built with until reindexed', async () => {
    const clock = new FakeClock();
    const store = new InMemoryMemoryStore();
    const catalog = new InMemoryMemoryCatalog();
    const old = new HashEmbedder(64);
    const first = new MemoryManager(MIND, createInMemoryMemoryBackend(old, store), catalog, clock);
    await first.addMemory({ content: 'Ann likes green tea', memoryType: 'semantic' });

    const configured = counting(new HashEmbedder(32));
    const { embedder: own, calls: ownCalls } = counting(old);
    const logger = new RecordingLogger();
    const backend = { ...createInMemoryMemoryBackend(configured.embedder, store), embedderFor: async () => own };
    const later = new MemoryManager(MIND, backend, catalog, clock, { logger });
    const [hit] = await later.searchMemories({ query: 'green tea', limit: 1 });
    expect(hit?.content).toBe('Ann likes green tea');
    expect(ownCalls).toEqual([['green tea']]);
    expect(configured.calls).toEqual([]);
    expect(logger.lines.some((l) => /keep the embedding provider/.test(l.message))).toBe(true);

    // Without a way to make the old provider, a different dimension is refused, naming the fix.
    const strict = new MemoryManager(MIND, createInMemoryMemoryBackend(new HashEmbedder(32), store), catalog, clock);
    await expect(strict.countMemories()).rejects.toMatchObject({ code: 'EMBEDDING_MISMATCH' });
  });

  test('text over 32 KB is refused naming the field, before anything is written', async () => {
    const { memory, catalog } = build();
    const big = 'word '.repeat(7000);
    await expect(memory.addMemory({ content: big, memoryType: 'semantic' })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      field: 'content',
    });
    await expect(memory.searchMemories({ query: big })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      field: 'query',
    });
    await expect(memory.addMemory({ content: '   ', memoryType: 'semantic' })).rejects.toMatchObject({
      field: 'content',
    });
    expect(await catalog.count(MIND)).toBe(0);
  });

  test('a filtered search is never under-filled: when the nearest 1,000 belong to others, the filter goes inside the vector query', async () => {
    const { memory, backend } = build({ dedupThreshold: null });
    await memory.addMemories(
      Array.from({ length: 1100 }, (_, i) => ({
        content: `Ann talked about hiking trip number ${i}`,
        memoryType: 'episodic' as const,
        userEmail: 'ann@example.com',
        relationshipContext: 'personal' as const,
      })),
    );
    await memory.addMemories(
      Array.from({ length: 3 }, (_, i) => ({
        content: `Bo keeps bees, hive ${i}`,
        memoryType: 'semantic' as const,
        userEmail: 'bo@example.com',
        relationshipContext: 'personal' as const,
      })),
    );
    const query = jest.spyOn(backend.store, 'query');
    const hits = await memory.searchMemories({ query: 'hiking trip', limit: 3, userEmail: 'bo@example.com' });
    expect(hits.map((h) => h.content).sort()).toEqual([
      'Bo keeps bees, hive 0',
      'Bo keeps bees, hive 1',
      'Bo keeps bees, hive 2',
    ]);
    expect(query).toHaveBeenCalledTimes(1);
    // The common case reads only ids first: no vector query with documents.
    query.mockClear();
    const ann = await memory.searchMemories({ query: 'hiking trip', limit: 3, userEmail: 'ann@example.com' });
    expect(ann).toHaveLength(3);
    expect(ann.every((h) => h.userEmail === 'ann@example.com')).toBe(true);
    expect(query).not.toHaveBeenCalled();
  });

  test('texts read once are reused while the catalogue revision holds; a change made elsewhere is seen', async () => {
    const { memory, backend, catalog, clock } = build({ dedupThreshold: null });
    const a = await memory.addMemory({ content: 'Ann likes green tea', memoryType: 'semantic' });
    await memory.addMemory({ content: 'Bo plays the cello', memoryType: 'semantic' });
    await settleMemoryWrites(catalog); // in the vector store (not read from the write queue)
    const get = jest.spyOn(backend.store, 'get');
    await memory.getRecentMemories(10);
    await memory.getRecentMemories(10);
    expect(get).toHaveBeenCalledTimes(1);
    // Another process (another manager over the same tiers) changes a memory's text.
    const other = new MemoryManager(MIND, backend, catalog, clock);
    await other.updateMemory(a.id, { content: 'Ann now prefers black coffee' });
    expect((await memory.getMemory(a.id))?.content).toBe('Ann now prefers black coffee');
    expect((await memory.getRecentMemories(10)).map((m) => m.content).sort()).toEqual([
      'Ann now prefers black coffee',
      'Bo plays the cello',
    ]);
  });
});
