import type { MemoryStore } from '@genesis/mind-core';
import { InMemoryMemoryStore } from '@genesis/mind-core/testing';
import { MemoryTierError } from '../errors';
import { isConnectionFailure, ReconnectingMemoryStore } from '../reconnecting-memory-store';

const MIND = 'GMD-2026-AAAA-0001';
const INFO = { provider: 'hash', dimension: 2 };
const unreachable = () => new MemoryTierError('CHROMA_UNAVAILABLE', 'Cannot reach Chroma: fetch failed');

/** Stores standing for successive connections; `down` makes one fail as an unreachable server does. */
function connections(options: { replacementsDown?: boolean } = {}) {
  const stores: Array<InMemoryMemoryStore & { down?: boolean }> = [];
  const fresh = () => {
    const store = new InMemoryMemoryStore() as InMemoryMemoryStore & { down?: boolean };
    for (const method of ['open', 'add', 'count', 'get', 'reindex'] as const) {
      const original = store[method].bind(store) as (...args: unknown[]) => Promise<unknown>;
      (store as unknown as Record<string, unknown>)[method] = (...args: unknown[]) =>
        store.down ? Promise.reject(unreachable()) : original(...args);
    }
    store.down = stores.length > 0 && options.replacementsDown === true;
    stores.push(store);
    return store;
  };
  let current = fresh();
  let replaced = 0;
  const store = new ReconnectingMemoryStore({
    current: async () => current,
    replace: async (failed: MemoryStore) => {
      if (failed === current) {
        replaced++;
        current = fresh();
      }
      return current;
    },
  });
  return { store, stores, replaced: () => replaced, current: () => current };
}

test('tells connection failures from other errors', () => {
  expect(isConnectionFailure(unreachable())).toBe(true);
  expect(isConnectionFailure(Object.assign(new Error('Failed to connect'), { name: 'ChromaConnectionError' }))).toBe(
    true,
  );
  expect(isConnectionFailure(new Error('wrapped', { cause: new TypeError('fetch failed') }))).toBe(true);
  expect(isConnectionFailure(new MemoryTierError('EMBEDDING_MISMATCH', 'dimension'))).toBe(false);
  expect(isConnectionFailure(new Error('Expected metadata to be non-empty'))).toBe(false);
});

test('a call that cannot reach the server reconnects once, re-opens the collection and succeeds', async () => {
  const c = connections();
  await c.store.open(MIND, INFO);
  await c.store.add(MIND, [{ id: 'a', embedding: [1, 0], document: 'a', metadata: {} }]);
  c.stores[0]!.down = true;
  // The new connection has its own data here: what matters is that the collection was opened on it.
  expect(await c.store.count(MIND)).toBe(0);
  expect(c.replaced()).toBe(1);
  await c.store.add(MIND, [{ id: 'b', embedding: [0, 1], document: 'b', metadata: {} }]);
  expect((await c.store.get(MIND, ['b'])).map((r) => r.id)).toEqual(['b']);
});

test('concurrent failures share one reconnection; a second failure is thrown', async () => {
  const c = connections();
  await c.store.open(MIND, INFO);
  c.stores[0]!.down = true;
  await Promise.all([c.store.count(MIND), c.store.get(MIND, ['x']), c.store.count(MIND)]);
  expect(c.replaced()).toBe(1);

  // Every new connection fails as well: one retry, then the error.
  const d = connections({ replacementsDown: true });
  await d.store.open(MIND, INFO);
  d.stores[0]!.down = true;
  await expect(d.store.count(MIND)).rejects.toMatchObject({ code: 'CHROMA_UNAVAILABLE' });
  expect(d.replaced()).toBe(1);
});

test('other errors are thrown without reconnecting; a re-index is not repeated', async () => {
  const c = connections();
  await expect(c.store.count(MIND)).rejects.toThrow(); // not opened: not a connection failure
  expect(c.replaced()).toBe(0);
  await c.store.open(MIND, INFO);
  c.stores[0]!.down = true;
  await expect(
    c.store.reindex(MIND, { embedding: INFO, embed: async (docs) => docs.map(() => [1, 0]) }),
  ).rejects.toMatchObject({ code: 'CHROMA_UNAVAILABLE' });
  expect(c.replaced()).toBe(1);
  await c.store.open(MIND, INFO);
  expect(await c.store.count(MIND)).toBe(0);
});
