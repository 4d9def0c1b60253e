import type { EmbeddingProvider } from '../../ports/memory-store';
import { FakeClock, HashEmbedder, InMemoryMemoryCatalog, createInMemoryMemoryBackend } from '../../testing';
import { MemoryManager, type MemoryOptions } from '../memory-manager';
import { MEMORY_TYPES, MemoryType } from '../memory-input';

const MIND = 'GMD-2026-4A7F-9B23';

function build(options: MemoryOptions = {}, embedder?: EmbeddingProvider) {
  const clock = new FakeClock();
  const backend = createInMemoryMemoryBackend(embedder);
  const catalog = new InMemoryMemoryCatalog();
  return { clock, backend, catalog, memory: new MemoryManager(MIND, backend, catalog, clock, options) };
}

/** Fixed vectors per text, to control similarities exactly. */
function tableEmbedder(table: Record<string, number[]>): EmbeddingProvider {
  return {
    name: 'table',
    dimension: 2,
    embed: async (texts) =>
      texts.map((t) => {
        const v = table[t];
        if (!v) throw new Error(`no vector for ${t}`);
        return v;
      }),
  };
}

describe('MemoryManager', () => {
  test('MemoryType keeps the names of the original API', () => {
    expect(MemoryType.EPISODIC).toBe('episodic');
    expect(MemoryType.SEMANTIC).toBe('semantic');
    expect(MEMORY_TYPES).toEqual(['episodic', 'semantic', 'procedural', 'prospective', 'working']);
  });

  test('strengthens a near-duplicate of the same type instead of adding it', async () => {
    const counted: Array<[string, number]> = [];
    const { memory } = build({ onCountChange: (type, delta) => counted.push([type, delta]) });
    const first = await memory.addMemory({
      content: 'Ann loves hiking in the Alps',
      memoryType: MemoryType.EPISODIC,
      importance: 0.4,
      tags: ['hike'],
    });
    const twin = await memory.addMemory({
      content: 'ann loves hiking in the alps!',
      memoryType: 'episodic',
      importance: 0.9,
      tags: ['alps'],
    });
    expect(twin.id).not.toBe(first.id); // returned at once; checked in the background
    await memory.settle();
    expect(await memory.getMemory(twin.id)).toMatchObject({
      id: first.id,
      content: 'Ann loves hiking in the Alps',
      importance: 0.9,
      accessCount: 1,
      tags: ['hike', 'alps'],
    });
    expect(await memory.getMemory(first.id)).toMatchObject({ importance: 0.9, accessCount: 1, tags: ['hike', 'alps'] });
    expect(await memory.countMemories()).toBe(1);

    const otherType = await memory.addMemory({ content: 'Ann loves hiking in the Alps', memoryType: 'semantic' });
    const unrelated = await memory.addMemory({
      content: 'The quarterly tax deadline is in April',
      memoryType: 'episodic',
    });
    expect(new Set([first.id, otherType.id, unrelated.id]).size).toBe(3);
    await memory.settle();
    expect(await memory.countMemories()).toBe(3);
    expect(await memory.countMemories({ memoryType: 'episodic' })).toBe(2);
    expect(counted).toEqual([
      ['episodic', 1],
      ['semantic', 1],
      ['episodic', 1],
    ]);

    const { memory: noDedup } = build({ dedupThreshold: null });
    await noDedup.addMemory({ content: 'same words', memoryType: 'episodic' });
    await noDedup.addMemory({ content: 'same words', memoryType: 'episodic' });
    expect(await noDedup.countMemories()).toBe(2);
  });

  test('ranks by similarity alone with relevanceWeight 0, and lets importance win with a high weight', async () => {
    const table = { query: [1, 0], exact: [1, 0], close: [0.8, 0.6] };
    const add = async (memory: MemoryManager) => {
      const exact = await memory.addMemory({ content: 'exact', memoryType: 'semantic', importance: 0.1 });
      const close = await memory.addMemory({ content: 'close', memoryType: 'semantic', importance: 1 });
      return { exact, close };
    };

    const bySimilarity = build({ relevanceWeight: 0 }, tableEmbedder(table)).memory;
    const a = await add(bySimilarity);
    const hits = await bySimilarity.searchMemories({ query: 'query', limit: 5 });
    expect(hits.map((h) => h.id)).toEqual([a.exact.id, a.close.id]);
    expect(hits.map((h) => h.score)).toEqual([expect.closeTo(1, 6), expect.closeTo(0.8, 6)]);

    const byRelevance = build({ relevanceWeight: 0.9 }, tableEmbedder(table)).memory;
    const b = await add(byRelevance);
    const ranked = await byRelevance.searchMemories({ query: 'query', limit: 5 });
    expect(ranked.map((h) => h.id)).toEqual([b.close.id, b.exact.id]);
    // score = 0.1 × similarity + 0.9 × (importance × 0.99^0 + 0 accesses)
    expect(ranked.map((h) => h.score)).toEqual([
      expect.closeTo(0.1 * 0.8 + 0.9 * 1, 6),
      expect.closeTo(0.1 * 1 + 0.9 * 0.1, 6),
    ]);
    expect(ranked[0]!.similarity).toBeCloseTo(0.8, 6);
    // Hits count as accesses.
    expect((await byRelevance.getMemory(b.exact.id))?.accessCount).toBe(1);
    expect((await byRelevance.searchMemories({ query: 'query', limit: 1 })).map((h) => h.id)).toEqual([b.close.id]);
  });

  test("never returns another user's personal memory to a search for a user", async () => {
    const { memory } = build({ dedupThreshold: null });
    const annPersonal = await memory.addMemory({
      content: 'ann secret diary',
      memoryType: 'episodic',
      userEmail: 'ann@x.io',
      relationshipContext: 'personal',
    });
    const bobPersonal = await memory.addMemory({
      content: 'bob secret diary',
      memoryType: 'episodic',
      userEmail: 'bob@x.io',
      relationshipContext: 'personal',
    });
    const bobShared = await memory.addMemory({
      content: 'bob shared diary',
      memoryType: 'episodic',
      userEmail: 'bob@x.io',
      relationshipContext: 'shared',
    });
    const generic = await memory.addMemory({ content: 'general diary', memoryType: 'episodic' });

    for (const query of ['diary', 'bob secret diary']) {
      const forAnn = await memory.searchMemories({ query, userEmail: 'ANN@x.io', limit: 10 });
      expect(forAnn.map((h) => h.id).sort()).toEqual([annPersonal.id, bobShared.id, generic.id].sort());
    }
    const forBob = await memory.searchMemories({ query: 'ann secret diary', userEmail: 'bob@x.io', limit: 10 });
    expect(forBob.map((h) => h.id)).not.toContain(annPersonal.id);
    expect((await memory.searchMemories({ query: 'diary', limit: 10 })).map((h) => h.id).sort()).toEqual(
      [annPersonal.id, bobPersonal.id, bobShared.id, generic.id].sort(),
    );
    expect(await memory.countMemories({ userEmail: 'bob@x.io' })).toBe(2);
    await expect(memory.searchMemories({ query: 'diary', userEmail: 'not-an-email' })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      field: 'userEmail',
    });
  });

  test('keeps the ids of the latest hits as working memory (at most 12, newest first)', async () => {
    const { memory } = build();
    const facts = await memory.addMemories(
      Array.from({ length: 15 }, (_, i) => ({ content: `fact ${i}`, memoryType: MemoryType.SEMANTIC })),
    );
    expect(memory.getWorkingMemory()).toEqual([]);
    const [hit] = await memory.searchMemories({ query: 'fact 3', limit: 1 });
    expect(hit!.id).toBe(facts[3]!.id);
    expect(memory.getWorkingMemory()).toEqual([facts[3]!.id]);
    await memory.searchMemories({ query: 'fact 7', limit: 1 });
    expect(memory.getWorkingMemory()).toEqual([facts[7]!.id, facts[3]!.id]);
    await memory.deleteMemory(facts[7]!.id);
    expect(memory.getWorkingMemory()).toEqual([facts[3]!.id]);
    await memory.searchMemories({ query: 'fact', limit: 14 });
    expect(memory.getWorkingMemory()).toHaveLength(12);
    expect(new Set(memory.getWorkingMemory()).size).toBe(12);
  });

  test.each([
    ['a function', { fn: () => 1 }, 'metadata.fn', /a function/],
    ['a Map', { nested: { m: new Map([[1, 2]]) } }, 'metadata.nested.m', /a Map/],
    ['NaN', { score: Number.NaN }, 'metadata.score', /NaN/],
  ])('refuses metadata holding %s, naming the field, and stores nothing', async (_what, metadata, field, message) => {
    const { memory } = build();
    await expect(
      memory.addMemory({ content: 'x', memoryType: 'episodic', metadata: metadata as Record<string, unknown> }),
    ).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      field,
      message: expect.stringMatching(message),
    });
    await expect(
      memory.addMemories([
        { content: 'fine', memoryType: 'episodic' },
        { content: 'x', memoryType: 'episodic', metadata: metadata as Record<string, unknown> },
      ]),
    ).rejects.toMatchObject({ code: 'INVALID_INPUT', field: `memories.1.${field}` });
    expect(await memory.countMemories()).toBe(0);
  });

  test('a provider of another dimension is refused until the memories are re-indexed with it', async () => {
    const { memory, backend, clock } = build();
    await memory.addMemories([
      { content: 'Ann likes tea', memoryType: 'semantic' },
      { content: 'Bob plays chess', memoryType: 'semantic' },
    ]);
    const small = createInMemoryMemoryBackend(new HashEmbedder(32), backend.store);
    const other = new MemoryManager(MIND, small, new InMemoryMemoryCatalog(), clock);
    await expect(other.countMemories()).rejects.toMatchObject({ code: 'EMBEDDING_MISMATCH' });
    // The maintenance run re-embeds only a collection built by another provider.
    expect(await memory.reindex(undefined, { onlyIfStale: true })).toBe(0);
    const progress: number[] = [];
    expect(await other.reindex((done) => progress.push(done), { onlyIfStale: true })).toBe(2);
    expect(progress).toEqual([0, 2]);
    expect(await other.reindex(undefined, { onlyIfStale: true })).toBe(0);
    expect(await other.countMemories()).toBe(2);
    const [best] = await other.searchMemories({ query: 'who plays chess', limit: 1 });
    expect(best?.content).toBe('Bob plays chess');
  });
});
