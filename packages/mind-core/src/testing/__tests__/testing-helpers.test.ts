import { GenesisError } from '../../shared/errors';
import { FakeClock, HashEmbedder, InMemoryMemoryStore, InMemoryMessageStore, InMemoryMindDocumentStore } from '..';
import { RecordingLogger, cosineSimilarity, createInMemoryStores, tempHome } from '..';
import { existsSync } from 'node:fs';

describe('FakeClock', () => {
  test('starts at 2026-01-01 UTC, moves only by hand, and its now can be passed unbound', () => {
    const clock = new FakeClock();
    const { now } = clock;
    expect(now()).toBe(Date.UTC(2026, 0, 1));
    expect(clock.advance(1500)).toBe(Date.UTC(2026, 0, 1, 0, 0, 1, 500));
    expect(now()).toBe(clock.current);
    clock.set(42);
    expect(now()).toBe(42);
    expect(new FakeClock(7).now()).toBe(7);
    expect(() => clock.advance(0.5)).toThrow(GenesisError);
    expect(() => clock.set(-1)).toThrow(/must be epoch milliseconds/);
  });
});

describe('RecordingLogger', () => {
  test('keeps every line; children share the lines and add their bindings', () => {
    const log = new RecordingLogger();
    log.info('plain');
    const child = log.child({ gmid: 'G' }).child({ part: 'memory' });
    child.warn({ pending: 2 }, 'not moved yet');
    child.error({ err: 'x' });
    expect(log.lines).toEqual([
      { level: 'info', fields: {}, message: 'plain' },
      { level: 'warn', fields: { gmid: 'G', part: 'memory', pending: 2 }, message: 'not moved yet' },
      { level: 'error', fields: { gmid: 'G', part: 'memory', err: 'x' }, message: '' },
    ]);
    expect(log.at('warn')).toHaveLength(1);
    expect(child.lines).toBe(log.lines);
  });
});

describe('HashEmbedder', () => {
  test('is deterministic and normalised; the same words are the same vector, other words far', async () => {
    const embedder = new HashEmbedder();
    expect(embedder).toMatchObject({ name: 'test-hash', dimension: 128 });
    const [a, b, c, empty] = await embedder.embed(['Ann likes tea', 'ann LIKES tea!', 'quarterly tax deadline', '']);
    expect(a).toHaveLength(128);
    expect(Math.hypot(...a!)).toBeCloseTo(1, 10);
    expect(cosineSimilarity(a!, b!)).toBeCloseTo(1, 10);
    expect(cosineSimilarity(a!, c!)).toBeLessThan(0.5);
    expect(empty!.every((x) => x === 0)).toBe(true);
    expect(await new HashEmbedder().embed(['Ann likes tea'])).toEqual([a]);
  });
});

describe('in-memory stores', () => {
  test('hand out copies: changing a returned row changes nothing stored', async () => {
    const store = new InMemoryMessageStore(new FakeClock());
    const m = await store.append({ mindId: 'm', role: 'user', content: 'x', metadata: { a: 1 } });
    m.content = 'changed';
    m.metadata.a = 2;
    expect(await store.get('m', m.id)).toMatchObject({ content: 'x', metadata: { a: 1 } });
    expect(store.rows).toHaveLength(1);
  });

  test('keep rows with the same time in insertion order (ids grow)', async () => {
    const store = new InMemoryMessageStore(new FakeClock());
    for (const content of ['a', 'b', 'c']) await store.append({ mindId: 'm', role: 'user', content });
    expect((await store.list({ mindId: 'm', limit: 10, order: 'asc' })).items.map((m) => m.content)).toEqual([
      'a',
      'b',
      'c',
    ]);
  });

  test('refuse metadata that is not JSON, naming the field', async () => {
    const store = new InMemoryMessageStore(new FakeClock());
    await expect(
      store.append({ mindId: 'm', role: 'user', content: 'x', metadata: { when: new Date() } }),
    ).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      field: 'metadata.when',
    });
  });

  test('a unit of work restores the state it started from, including rows of every store', async () => {
    const { stores, unitOfWork, state } = createInMemoryStores(new FakeClock());
    await stores.minds.upsert({ gmid: 'G', name: 'n', jsonPath: '/p', status: 'active' });
    await expect(
      unitOfWork.run(async (tx) => {
        await tx.minds.remove('G');
        await tx.environments.upsert({ mindId: 'G', name: 'cli', kind: 'cli' });
        throw new Error('undo');
      }),
    ).rejects.toThrow('undo');
    expect(state.minds.map((m) => m.gmid)).toEqual(['G']);
    expect(state.environments).toEqual([]);
  });
});

describe('InMemoryMemoryStore', () => {
  test('scans in insertion order and refuses an owner that was never opened', async () => {
    const store = new InMemoryMemoryStore();
    await expect(store.count('nobody')).rejects.toMatchObject({ code: 'MEMORY_QUERY_FAILED' });
    await store.open('o', { provider: 'p', dimension: 2 });
    await store.add(
      'o',
      ['c', 'a', 'b'].map((id) => ({ id, embedding: [1, 0], document: id, metadata: {} })),
    );
    expect((await store.scan('o', { limit: 10, offset: 0 })).map((r) => r.id)).toEqual(['c', 'a', 'b']);
    expect((await store.scan('o', { limit: 1, offset: 1 })).map((r) => r.id)).toEqual(['a']);
    await expect(
      store.add('o', [{ id: 'd', embedding: [1, 0, 0], document: 'd', metadata: {} }]),
    ).rejects.toMatchObject({ code: 'EMBEDDING_MISMATCH' });
  });
});

describe('InMemoryMindDocumentStore', () => {
  test('locks per Mind: different Minds do not wait for each other', async () => {
    const store = new InMemoryMindDocumentStore();
    const events: string[] = [];
    let release!: () => void;
    const held = store.withLock('GMD-2026-0000-0001', () => new Promise<void>((resolve) => (release = resolve)));
    await store.withLock('GMD-2026-0000-0002', async () => events.push('other mind ran'));
    expect(events).toEqual(['other mind ran']);
    release();
    await held;
  });

  test('reads files put at any path, for imports', async () => {
    const store = new InMemoryMindDocumentStore({ clock: new FakeClock(), location: '/h/minds' });
    store.putFile('/old/m.json', '{"a":1}', 5);
    expect(await store.readFile('/old/m.json')).toMatchObject({ path: '/old/m.json', value: { a: 1 }, modifiedAt: 5 });
    expect(store.pathFor('GMID-12345678')).toBe('/h/minds/GMID-12345678.json');
    expect(store.paths()).toEqual(['/old/m.json']);
  });
});

test('tempHome makes a folder and removes it', () => {
  const home = tempHome();
  expect(existsSync(home.path)).toBe(true);
  home.cleanup();
  expect(existsSync(home.path)).toBe(false);
});
