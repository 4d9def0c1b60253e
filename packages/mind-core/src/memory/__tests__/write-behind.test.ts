import type { VectorRecord } from '../../ports/memory-store';
import {
  FakeClock,
  HashEmbedder,
  InMemoryMemoryCatalog,
  InMemoryMemoryStore,
  RecordingLogger,
  createInMemoryMemoryBackend,
} from '../../testing';
import { MemoryManager } from '../memory-manager';
import { forgetMemoryWrites, settleMemoryWrites } from '../write-behind';

const MIND = 'GMD-2026-4A7F-9B23';

/** A vector store whose writes wait while it is closed (or fail while `failing`), counting its adds. */
class GatedStore extends InMemoryMemoryStore {
  adds: string[][] = [];
  failing = false;
  private gate: Promise<void> = Promise.resolve();
  private release: () => void = () => undefined;

  close(): void {
    this.gate = new Promise((resolve) => (this.release = resolve));
  }

  letThrough(): void {
    this.release();
  }

  override async add(ownerId: string, records: VectorRecord[]): Promise<void> {
    this.adds.push(records.map((r) => r.id));
    await this.gate;
    if (this.failing) throw new Error('vector store unreachable');
    return super.add(ownerId, records);
  }

  override async update(ownerId: string, records: Parameters<InMemoryMemoryStore['update']>[1]): Promise<void> {
    await this.gate;
    if (this.failing) throw new Error('vector store unreachable');
    return super.update(ownerId, records);
  }
}

function build() {
  const store = new GatedStore();
  const backend = createInMemoryMemoryBackend(new HashEmbedder(), store);
  const catalog = new InMemoryMemoryCatalog();
  const logger = new RecordingLogger();
  const clock = new FakeClock();
  const manager = () => new MemoryManager(MIND, backend, catalog, clock, { logger, relevanceWeight: 0 });
  return { store, catalog, logger, memory: manager(), manager };
}

/** Whether `promise` settles within a few turns of the event loop. */
async function settlesSoon(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  void promise.then(
    () => (done = true),
    () => (done = true),
  );
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
  return done;
}

describe('write-behind of single memories', () => {
  test('an add returns before the vector store has it: listed, counted and read at once; a search waits for it', async () => {
    const { store, catalog, memory, manager } = build();
    await memory.countMemories(); // opened (and repaired) before the gate closes
    store.close();
    const added = await memory.addMemory({ content: 'the cat sleeps on the warm windowsill', memoryType: 'episodic' });
    expect(await store.count(MIND)).toBe(0);
    const [queued] = await catalog.queued(MIND, { limit: 10 });
    expect(queued).toMatchObject({ id: added.id, document: added.content });
    expect(queued!.embedding).toEqual([]); // embedded in the background, with its near-duplicate check
    expect((await memory.getRecentMemories(5)).map((m) => m.id)).toEqual([added.id]);
    expect(await memory.countMemories()).toBe(1);
    expect((await memory.getMemory(added.id))?.content).toBe(added.content);
    // Another Mind object of the same Mind in this process reads it from the queue too.
    expect((await manager().getMemory(added.id))?.content).toBe(added.content);

    const search = memory.searchMemories({ query: 'cat sleeps windowsill' });
    expect(await settlesSoon(search)).toBe(false);
    store.letThrough();
    expect((await search).map((h) => h.id)).toEqual([added.id]);
    expect(await store.count(MIND)).toBe(1);
    expect(await catalog.queued(MIND, { limit: 10 })).toEqual([]);
  });

  test('adds in quick succession go to the vector store together, in one call, once they pause', async () => {
    const { store, memory } = build();
    await memory.countMemories();
    for (let i = 0; i < 5; i++)
      await memory.addMemory({ content: `note ${i} about river ${i * 31}`, memoryType: 'semantic' });
    expect(store.adds).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 60)); // longer than the queue's quiet time
    expect(store.adds.map((ids) => ids.length)).toEqual([5]);
    expect(await store.count(MIND)).toBe(5);
    await settleMemoryWrites(build().catalog); // another catalogue: nothing of its own to wait for
  });

  test('a process that ends before the vector store took them loses nothing: the next repair writes them', async () => {
    const { store, catalog, logger, memory, manager } = build();
    await memory.countMemories();
    store.failing = true;
    const a = await memory.addMemory({ content: 'the passport expires in March', memoryType: 'prospective' });
    const b = await memory.addMemory({ content: 'allergic to penicillin', memoryType: 'semantic' });
    await new Promise((resolve) => setTimeout(resolve, 60)); // the background write has failed once
    await expect(settleMemoryWrites(catalog, MIND)).rejects.toThrow('vector store unreachable');
    expect(
      logger.lines.some((l) => l.level === 'warn' && l.message.includes('not yet written to the vector store')),
    ).toBe(true);
    expect((await catalog.queued(MIND, { limit: 10 })).map((v) => v.id).sort()).toEqual([a.id, b.id].sort());
    // The process ends: its queue is gone, SQL keeps the vectors.
    forgetMemoryWrites(catalog, MIND);
    store.failing = false;
    const next = manager();
    expect(await next.repair()).toMatchObject({ written: 2, abandoned: 0, orphaned: 0 });
    expect(await catalog.queued(MIND, { limit: 10 })).toEqual([]);
    expect((await next.searchMemories({ query: 'passport expires March', limit: 1 }))[0]?.id).toBe(a.id);
    expect(await store.count(MIND)).toBe(2);
    expect(await next.countMemories()).toBe(2);
  });

  test('a near-duplicate of a memory still on its way is found and strengthened, not stored twice; its id names the twin', async () => {
    const { store, catalog, memory, manager } = build();
    await memory.countMemories();
    store.close();
    const first = await memory.addMemory({
      content: 'Sam loves hiking in the Alps',
      memoryType: 'semantic',
      importance: 0.4,
    });
    const again = await memory.addMemory({
      content: 'Sam loves hiking in the Alps',
      memoryType: 'semantic',
      importance: 0.9,
      tags: ['mountains'],
    });
    expect(again.id).not.toBe(first.id); // returned at once, before the check
    expect(await memory.countMemories()).toBe(2);
    store.letThrough();
    await settleMemoryWrites(catalog, MIND);
    expect(await store.count(MIND)).toBe(1);
    expect(await memory.countMemories()).toBe(1);
    expect(await catalog.get(MIND, [again.id])).toEqual([]);
    expect(await catalog.queued(MIND, { limit: 10 })).toEqual([]);
    for (const reader of [memory, manager()])
      expect(await reader.getMemory(again.id)).toMatchObject({
        id: first.id,
        importance: 0.9,
        accessCount: 1,
        tags: ['mountains'],
      });
    expect((await store.get(MIND, [first.id]))[0]?.metadata.importance).toBe(0.9);
    // The alias changes nothing else: it cannot be changed or deleted in the twin's place.
    await expect(memory.updateMemory(again.id, { importance: 0.1 })).rejects.toThrow(/merged into its near-duplicate/);
    expect(await memory.deleteMemory(again.id)).toBe(false);
    expect(await memory.countMemories()).toBe(1);
    // Deleting the twin takes the alias with it.
    expect(await memory.deleteMemory(first.id)).toBe(true);
    expect(await memory.getMemory(again.id)).toBeNull();
    expect(await catalog.aliases(MIND, [again.id])).toEqual([]);
  });

  test('a process that ends after adds and before their near-duplicate check: the next repair checks and merges them', async () => {
    const { store, catalog, memory, manager } = build();
    const twin = await memory.addMemory({ content: 'Ann keeps bees behind the barn', memoryType: 'semantic' });
    await settleMemoryWrites(catalog, MIND);
    const again = await memory.addMemory({ content: 'Ann keeps bees behind the barn', memoryType: 'semantic' });
    const other = await memory.addMemory({ content: 'the boiler was serviced in May', memoryType: 'semantic' });
    // The process ends at once: nothing embedded yet, both queued in SQL as texts.
    forgetMemoryWrites(catalog, MIND);
    expect((await catalog.queued(MIND, { limit: 10 })).map((v) => v.embedding)).toEqual([[], []]);
    const next = manager();
    expect(await next.repair()).toMatchObject({ written: 2 });
    expect(await catalog.queued(MIND, { limit: 10 })).toEqual([]);
    expect(await next.countMemories()).toBe(2);
    expect(await store.count(MIND)).toBe(2);
    expect((await next.getMemory(again.id))?.id).toBe(twin.id);
    expect((await next.getMemory(other.id))?.content).toBe(other.content);
  });

  test('a memory whose write failed and was retried is told to the hooks once, after it is written', async () => {
    const store = new GatedStore();
    const catalog = new InMemoryMemoryCatalog();
    const told: string[] = [];
    const counted: number[] = [];
    const memory = new MemoryManager(
      MIND,
      createInMemoryMemoryBackend(new HashEmbedder(), store),
      catalog,
      new FakeClock(),
      {
        logger: new RecordingLogger(),
        onMemoriesAdded: (_mind, added) => told.push(...added.map((m) => m.id)),
        onCountChange: (_type, delta) => counted.push(delta),
      },
    );
    await memory.countMemories();
    store.failing = true;
    const added = await memory.addMemory({ content: 'the gate code is 4471', memoryType: 'semantic' });
    await expect(settleMemoryWrites(catalog, MIND)).rejects.toThrow('vector store unreachable');
    expect(told).toEqual([]); // checked, not written yet
    store.failing = false;
    await memory.settle();
    expect(told).toEqual([added.id]);
    expect(counted).toEqual([1]);
  });

  test('deleting a memory still on its way waits for it, then removes row and vector', async () => {
    const { store, catalog, memory } = build();
    await memory.countMemories();
    store.close();
    const added = await memory.addMemory({ content: 'meeting moved to Friday', memoryType: 'episodic' });
    const deleting = memory.deleteMemory(added.id);
    expect(await settlesSoon(deleting)).toBe(false);
    store.letThrough();
    expect(await deleting).toBe(true);
    expect(await store.count(MIND)).toBe(0);
    expect(await memory.countMemories()).toBe(0);
    expect(await catalog.queued(MIND, { limit: 10 })).toEqual([]);
  });

  test('a vector whose row another process deleted meanwhile is removed again once written', async () => {
    const { store, catalog, memory } = build();
    await memory.countMemories();
    store.close();
    const added = await memory.addMemory({ content: 'temporary note', memoryType: 'working' });
    await catalog.setState(MIND, [added.id], 'deleting');
    await catalog.remove(MIND, [added.id]);
    store.letThrough();
    await settleMemoryWrites(catalog, MIND);
    expect(await store.count(MIND)).toBe(0);
    expect(await catalog.queued(MIND, { limit: 10 })).toEqual([]);
  });

  test('a batch of more than 16 is in the vector store when the call returns (nothing queued)', async () => {
    const { store, catalog, memory } = build();
    const added = await memory.addMemories(
      Array.from({ length: 20 }, (_, i) => ({
        content: `fact ${i} of the batch ${i * 17}`,
        memoryType: 'semantic' as const,
      })),
    );
    expect(added).toHaveLength(20);
    expect(await store.count(MIND)).toBe(20);
    expect(await catalog.queued(MIND, { limit: 100 })).toEqual([]);
    expect(store.adds).toEqual([added.map((m) => m.id)]);
  });

  test('strengthening a stored twin queues its new metadata: read at once, in the vector store after, repaired after a crash', async () => {
    const { store, catalog, memory, manager } = build();
    const twin = await memory.addMemory({
      content: 'Sam loves hiking in the Alps',
      memoryType: 'semantic',
      tags: ['a'],
    });
    await settleMemoryWrites(catalog, MIND);
    store.close();
    const again = await memory.addMemory({
      content: 'Sam loves hiking in the Alps',
      memoryType: 'semantic',
      tags: ['b'],
      importance: 0.9,
    });
    // Checked in the background: merged in SQL at once, the twin's new metadata queued for the vector store.
    for (let i = 0; i < 100 && (await catalog.aliases(MIND, [again.id])).length === 0; i++)
      await new Promise((resolve) => setTimeout(resolve, 10));
    expect(await catalog.aliases(MIND, [again.id])).toEqual([{ id: again.id, into: twin.id }]);
    expect(await manager().getMemory(again.id)).toMatchObject({
      id: twin.id,
      importance: 0.9,
      tags: ['a', 'b'],
      accessCount: 1,
    });
    expect(await manager().getMemory(twin.id)).toMatchObject({ importance: 0.9, tags: ['a', 'b'] });
    expect((await store.get(MIND, [twin.id]))[0]?.metadata.importance).toBe(0.5); // not written yet
    // The write fails and the process ends: the next repair applies the update from SQL.
    store.failing = true;
    store.letThrough();
    await expect(settleMemoryWrites(catalog, MIND)).rejects.toThrow('vector store unreachable');
    forgetMemoryWrites(catalog, MIND);
    store.failing = false;
    expect(await manager().repair()).toMatchObject({ written: 1 });
    expect((await store.get(MIND, [twin.id]))[0]?.metadata.importance).toBe(0.9);
    expect(await manager().getMemory(twin.id)).toMatchObject({ importance: 0.9, tags: ['a', 'b'] });
    expect(await store.count(MIND)).toBe(1);
  });

  test('a search writes what another process left queued in SQL first, and then finds it', async () => {
    const { store, catalog, memory, manager } = build();
    await memory.countMemories();
    store.failing = true;
    const left = await memory.addMemory({ content: 'the spare key is under the blue pot', memoryType: 'semantic' });
    await expect(settleMemoryWrites(catalog, MIND)).rejects.toThrow('vector store unreachable');
    forgetMemoryWrites(catalog, MIND); // that process is gone; this one was repaired long ago
    store.failing = false;
    const hits = await manager().searchMemories({ query: 'spare key blue pot', limit: 1 });
    expect(hits.map((h) => h.id)).toEqual([left.id]);
    expect(await catalog.queued(MIND, { limit: 10 })).toEqual([]);
  });

  test('a queued vector must belong to one of the entries written with it', async () => {
    const { catalog } = build();
    await expect(
      catalog.put([], {
        queue: { mindId: MIND, vectors: [{ id: 'x', embedding: [1, 0], document: 'x', metadata: {} }] },
      }),
    ).rejects.toMatchObject({ code: 'INVALID_INPUT', field: 'queue.vectors[0].id' });
    expect(await catalog.queued(MIND, { limit: 10 })).toEqual([]);
  });
});
