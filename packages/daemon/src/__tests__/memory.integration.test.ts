import { openGenesis } from '../composition/open-genesis';
import { FakeClock } from '@genesis/mind-core/testing';
import { genesisPerFile } from './support/genesis-per-file';

const clock = new FakeClock(Date.UTC(2026, 5, 1));
const suite = genesisPerFile(clock);
const DAY = 86_400_000;

test("opening a Mind starts nothing; the first memory call starts the home's Chroma server", async () => {
  const mind = await suite.genesis.createMind({ name: 'Lazy' });
  expect(await suite.genesis.memoryServerUrl()).toBeNull();
  await mind.memory.addMemory({ content: 'first memory', memoryType: 'episodic' });
  expect(await suite.genesis.memoryServerUrl()).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
});

test('add and search with filters, best first, every field kept', async () => {
  const mind = await suite.genesis.createMind({ name: 'Searcher' });
  const coffeeFields = {
    importance: 0.9,
    emotion: 'joy',
    emotionIntensity: 0.6,
    tags: ['ann', 'coffee'],
    relatedMemoryIds: ['x-1'],
    userEmail: 'ann@example.com',
    relationshipContext: 'personal' as const,
    environmentId: 'env-chat',
    environmentName: 'Chat',
    metadata: { source: 'chat', nested: { a: [1, 2] } },
    timestamp: clock.now() - 10 * DAY,
  };
  const coffee = await mind.memory.addMemory({
    content: 'Ann loves strong black coffee in the morning',
    memoryType: 'semantic',
    ...coffeeFields,
  });
  await mind.memory.addMemories([
    { content: 'The team meeting moved to Thursday afternoon', memoryType: 'episodic', importance: 0.4 },
    { content: 'To brew coffee, grind beans then pour hot water', memoryType: 'procedural', importance: 0.2 },
    {
      content: 'Remember to call the plumber next week',
      memoryType: 'prospective',
      importance: 0.7,
      timestamp: clock.now() - 2 * DAY,
    },
  ]);
  const hits = await mind.memory.searchMemories({ query: 'coffee in the morning', limit: 2 });
  expect(hits[0]).toMatchObject({ id: coffee.id, type: 'semantic', content: coffee.content, ...coffeeFields });
  expect(hits[0]!.similarity).toBeGreaterThan(hits[1]!.similarity);
  expect((await mind.memory.searchMemories({ query: 'coffee', memoryType: 'procedural' })).map((h) => h.type)).toEqual([
    'procedural',
  ]);
  expect((await mind.memory.searchMemories({ query: 'coffee', minImportance: 0.8 })).map((h) => h.id)).toEqual([
    coffee.id,
  ]);
  expect(
    (await mind.memory.searchMemories({ query: 'plumber', since: clock.now() - 3 * DAY, until: clock.now() })).map(
      (h) => h.content,
    ),
  ).toEqual(['Remember to call the plumber next week']);
  expect((await mind.memory.searchMemories({ query: 'coffee', environmentId: 'env-chat' })).map((h) => h.id)).toEqual([
    coffee.id,
  ]);
  expect(await mind.memory.countMemories()).toBe(4);
  expect(await mind.memory.countMemories({ memoryType: 'semantic' })).toBe(1);
  // The Mind file keeps counts only, never the memories.
  expect(mind.document.memory).toMatchObject({
    totalMemories: 4,
    byType: { semantic: 1, episodic: 1, procedural: 1, prospective: 1 },
  });
  await mind.save();
  expect(JSON.stringify(mind.document)).not.toContain('black coffee');
});

test("user scoping is applied inside the vector query: never another user's personal memory, no under-filled results", async () => {
  const mind = await suite.genesis.createMind({ name: 'Scoped' });
  await mind.memory.addMemories(
    Array.from({ length: 60 }, (_, i) => ({
      content: `Bob secret garden plan number ${i}`,
      memoryType: 'episodic' as const,
      userEmail: 'bob@example.com',
      relationshipContext: 'personal' as const,
    })),
    { dedup: false },
  );
  await mind.memory.addMemories(
    [
      {
        content: 'Ann garden roses',
        memoryType: 'episodic',
        userEmail: 'ann@example.com',
        relationshipContext: 'personal',
      },
      {
        content: 'garden club shared schedule',
        memoryType: 'episodic',
        userEmail: 'bob@example.com',
        relationshipContext: 'shared',
      },
      { content: 'general garden facts', memoryType: 'semantic' },
    ],
    { dedup: false },
  );
  const forAnn = await mind.memory.searchMemories({
    query: 'Bob secret garden plan',
    userEmail: 'ann@example.com',
    limit: 5,
  });
  expect(forAnn.map((h) => h.content).sort()).toEqual([
    'Ann garden roses',
    'garden club shared schedule',
    'general garden facts',
  ]);
  const forBob = await mind.memory.searchMemories({ query: 'garden', userEmail: 'bob@example.com', limit: 10 });
  expect(forBob).toHaveLength(10);
  expect(forBob.some((h) => h.content === 'Ann garden roses')).toBe(false);
});

test("two Minds never see each other's memories; deleting a Mind deletes its collection", async () => {
  const a = await suite.genesis.createMind({ name: 'A' });
  const b = await suite.genesis.createMind({ name: 'B' });
  await a.memory.addMemory({ content: 'the launch code is tulip', memoryType: 'semantic' });
  await b.memory.addMemory({ content: 'the launch code is daisy', memoryType: 'semantic' });
  expect((await a.memory.searchMemories({ query: 'launch code', limit: 10 })).map((h) => h.content)).toEqual([
    'the launch code is tulip',
  ]);
  expect((await b.memory.searchMemories({ query: 'launch code', limit: 10 })).map((h) => h.content)).toEqual([
    'the launch code is daisy',
  ]);
  expect(await suite.genesis.deleteMind(b.gmid)).toMatchObject({ memoriesDropped: true });
  expect((await a.memory.searchMemories({ query: 'launch code' })).map((h) => h.content)).toEqual([
    'the launch code is tulip',
  ]);
});

test('a near-duplicate of the same type strengthens the existing memory instead of adding a copy', async () => {
  const mind = await suite.genesis.createMind({ name: 'Dedup' });
  const first = await mind.memory.addMemory({
    content: 'Ann is allergic to peanuts',
    memoryType: 'semantic',
    importance: 0.4,
    tags: ['health'],
  });
  clock.advance(1000);
  const again = await mind.memory.addMemory({
    content: 'Ann is allergic to peanuts!',
    memoryType: 'semantic',
    importance: 0.8,
    tags: ['food'],
  });
  // Returned at once; embedded and checked as it is written (settle waits for that).
  expect(again.id).not.toBe(first.id);
  await mind.memory.settle();
  expect(await mind.memory.countMemories()).toBe(1);
  expect((await mind.memory.getMemory(again.id))?.id).toBe(first.id);
  const stored = await mind.memory.getMemory(first.id);
  expect(stored).toMatchObject({
    importance: 0.8,
    accessCount: 1,
    lastAccessed: clock.now(),
    tags: ['health', 'food'],
  });
  // Another type is not a duplicate.
  await mind.memory.addMemory({ content: 'Ann is allergic to peanuts', memoryType: 'episodic' });
  await mind.memory.settle();
  expect(await mind.memory.countMemories()).toBe(2);
});

test('near-duplicate detection can be turned off', async () => {
  const other = await openGenesis({
    home: suite.home.path,
    clock,
    env: { GENESIS_EMBEDDINGS: 'hash' },
    memory: { dedupThreshold: null },
  });
  try {
    const mind = await other.createMind({ name: 'NoDedup' });
    await mind.memory.addMemory({ content: 'same words', memoryType: 'semantic' });
    await mind.memory.addMemory({ content: 'same words', memoryType: 'semantic' });
    expect(await mind.memory.countMemories()).toBe(2);
  } finally {
    await other.close();
  }
});

test('search hits are accesses (persisted), feed working memory, and ranking blends relevance', async () => {
  const mind = await suite.genesis.createMind({ name: 'Ranker' });
  const old = await mind.memory.addMemory({
    content: 'blue bicycle in the garage',
    memoryType: 'episodic',
    importance: 0.1,
    timestamp: clock.now() - 400 * DAY,
  });
  const vital = await mind.memory.addMemory({
    content: 'blue bicycle in the garage!',
    memoryType: 'semantic',
    importance: 1,
  });
  const ranked = await mind.memory.searchMemories({ query: 'blue bicycle in the garage', limit: 2 });
  expect(ranked.map((h) => h.id)).toEqual([vital.id, old.id]);
  expect(ranked[0]!.score).toBeGreaterThan(ranked[1]!.score);
  expect(await mind.memory.getMemory(old.id)).toMatchObject({ accessCount: 1, lastAccessed: clock.now() });
  expect(mind.memory.getWorkingMemory()).toEqual([vital.id, old.id]);
  expect(mind.memory.relevance({ ...vital, accessCount: 10 }, clock.now())).toBeCloseTo(1 + 0.3, 5);
  await mind.memory.addMemories(
    Array.from({ length: 15 }, (_, i) => ({ content: `distinct note ${i}`, memoryType: 'working' as const })),
    { dedup: false },
  );
  await mind.memory.searchMemories({ query: 'distinct note', limit: 20 });
  expect(mind.memory.getWorkingMemory()).toHaveLength(12);
});

test('recent, important, paginated listing, update (re-embedded) and delete', async () => {
  const mind = await suite.genesis.createMind({ name: 'Lister' });
  await mind.memory.addMemories(
    [
      { content: 'written first, happened last', memoryType: 'episodic', timestamp: clock.now(), importance: 0.2 },
      {
        content: 'written second, happened first',
        memoryType: 'episodic',
        timestamp: clock.now() - 5 * DAY,
        importance: 0.9,
      },
      {
        content: 'written third, happened in between',
        memoryType: 'episodic',
        timestamp: clock.now() - 2 * DAY,
        importance: 0.5,
      },
    ],
    { dedup: false },
  );
  expect((await mind.memory.getRecentMemories(3)).map((m) => m.content.split(',')[0])).toEqual([
    'written first',
    'written third',
    'written second',
  ]);
  expect((await mind.memory.getImportantMemories(1)).map((m) => m.importance)).toEqual([0.9]);
  const p1 = await mind.memory.listMemories({ limit: 2 });
  const p2 = await mind.memory.listMemories({ limit: 2, cursor: p1.nextCursor });
  expect(p2.nextCursor).toBeNull();
  expect(new Set([...p1.items, ...p2.items].map((m) => m.id)).size).toBe(3);

  const target = p1.items[0]!;
  const updated = await mind.memory.updateMemory(target.id, {
    content: 'completely different words about volcanoes',
    importance: 0.6,
  });
  expect(updated).toMatchObject({ id: target.id, importance: 0.6, timestamp: target.timestamp });
  expect((await mind.memory.searchMemories({ query: 'volcanoes', limit: 1 }))[0]!.id).toBe(target.id);
  expect(await mind.memory.deleteMemory(target.id)).toBe(true);
  expect(await mind.memory.getMemory(target.id)).toBeNull();
  expect(await mind.memory.deleteMemory(target.id)).toBe(false);
});

test('user metadata can never overwrite the reserved fields', async () => {
  const mind = await suite.genesis.createMind({ name: 'Reserved' });
  const m = await mind.memory.addMemory({
    content: 'a fact',
    memoryType: 'semantic',
    importance: 0.3,
    metadata: { importance: 1, memory_type: 'working', user_email: 'evil@x.io' },
  });
  const stored = await mind.memory.getMemory(m.id);
  expect(stored).toMatchObject({
    importance: 0.3,
    type: 'semantic',
    userEmail: null,
    metadata: { importance: 1, memory_type: 'working', user_email: 'evil@x.io' },
  });
});

test('bad input is refused before anything is written', async () => {
  const mind = await suite.genesis.createMind({ name: 'Picky' });
  await mind.memory.addMemory({ content: 'keep', memoryType: 'semantic' });
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  const cases: Array<[() => Promise<unknown>, RegExp]> = [
    [() => mind.memory.addMemory({ content: '  ', memoryType: 'semantic' }), /content must be a non-empty string/],
    [
      () => mind.memory.addMemory({ content: 'x', memoryType: 'dreamy' as never }),
      /memoryType must be one of episodic, semantic, procedural, prospective, working/,
    ],
    [
      () => mind.memory.addMemory({ content: 'x', memoryType: 'semantic', importance: 1.5 }),
      /importance must be a number from 0 to 1/,
    ],
    [
      () => mind.memory.addMemory({ content: 'x', memoryType: 'semantic', metadata: { f: () => 1 } }),
      /metadata\.f cannot be stored as JSON: it is a function/,
    ],
    [
      () => mind.memory.addMemory({ content: 'x', memoryType: 'semantic', metadata: { n: 10n } as never }),
      /metadata\.n cannot be stored as JSON: it is a bigint/,
    ],
    [() => mind.memory.addMemory({ content: 'x', memoryType: 'semantic', metadata: cyclic }), /refers back to itself/],
    [
      () =>
        mind.memory.addMemories([
          { content: 'ok', memoryType: 'semantic' },
          { content: '', memoryType: 'semantic' },
        ]),
      /memories\.1\.content must be a non-empty string/,
    ],
    [() => mind.memory.searchMemories({ query: 'x', limit: 0 }), /limit must be an integer from 1 to 1000/],
    [() => mind.memory.searchMemories({ query: 'x', limit: 1001 }), /limit must be an integer from 1 to 1000/],
    [() => mind.memory.searchMemories({ query: '' }), /query must be a non-empty string/],
  ];
  for (const [run, message] of cases) await expect(run()).rejects.toThrow(message);
  expect(await mind.memory.countMemories()).toBe(1);
});

test('memories survive a restart of the process; a Mind keeps the provider it was built with until reindexed', async () => {
  const mind = await suite.genesis.createMind({ name: 'Durable' });
  await mind.memory.addMemories(
    Array.from({ length: 30 }, (_, i) => ({
      content: `durable fact ${i} about topic ${i % 3}`,
      memoryType: 'semantic' as const,
    })),
    { dedup: false },
  );
  await suite.genesis.close();

  suite.genesis = await openGenesis({ home: suite.home.path, clock, env: { GENESIS_EMBEDDINGS: 'hash' } });
  const reloaded = await suite.genesis.loadMind(mind.gmid);
  expect(await reloaded.memory.countMemories()).toBe(30);
  expect((await reloaded.memory.searchMemories({ query: 'durable fact 7', limit: 1 }))[0]!.content).toBe(
    'durable fact 7 about topic 1',
  );
  await suite.genesis.close();

  suite.genesis = await openGenesis({
    home: suite.home.path,
    clock,
    env: { GENESIS_EMBEDDINGS: 'hash' },
    embeddings: { provider: 'hash', dimension: 128 },
  });
  const resized = await suite.genesis.loadMind(mind.gmid);
  // Still searched with the vectors it has (hash, 384 dimensions), never a mix.
  expect((await resized.memory.searchMemories({ query: 'durable fact 7', limit: 1 }))[0]!.content).toBe(
    'durable fact 7 about topic 1',
  );
  const progress: Array<[number, number]> = [];
  expect(await resized.memory.reindex((done, total) => progress.push([done, total]))).toBe(30);
  expect(progress.at(-1)).toEqual([30, 30]);
  expect((await resized.memory.searchMemories({ query: 'durable fact 7', limit: 1 }))[0]!.content).toBe(
    'durable fact 7 about topic 1',
  );
  expect(await resized.memory.countMemories()).toBe(30);
});
