import type { CatalogEntry } from '@genesis/mind-core';
import { MemoryCatalogRepository } from '../repositories/memory-catalog.repository';
import type { SqlDatabase } from '../sql-database';
import { openPlannedDatabase, type PlannedDatabase } from './support/query-plans';
import { sqliteTarget } from './support/targets';

/**
 * Every query of the memory catalogue is planned by SQLite as one search of an index: no table
 * scan and no temporary B-tree to sort (a page of newest or most important memories reads its
 * rows in index order and stops at the limit). The SQL is captured from the repository itself.
 */
const target = sqliteTarget();
const mind = 'GMD-2026-0000-0003';
let db: SqlDatabase;
let planOf: PlannedDatabase['planOf'];
let plansOf: PlannedDatabase['plansOf'];
let catalog: MemoryCatalogRepository;

beforeAll(async () => {
  ({ db, planOf, plansOf } = await openPlannedDatabase(target));
  catalog = new MemoryCatalogRepository(db);
  const types = ['episodic', 'semantic', 'procedural', 'prospective', 'working'];
  await catalog.put(
    Array.from({ length: 4000 }, (_, i): CatalogEntry => ({
      id: `m-${String(i).padStart(5, '0')}`,
      mindId: `GMD-2026-0000-${String(i % 10).padStart(4, '0')}`,
      memoryType: types[i % 5]!,
      importance: (i % 11) / 10,
      userEmail: i % 3 === 0 ? null : `u${i % 7}@x.io`,
      relationshipContext: 'generic',
      environmentId: i % 4 === 0 ? `env-${i % 3}` : null,
      createdAt: 1_800_000_000_000 + Math.floor(i / 3),
      lastAccessedAt: null,
      accessCount: 0,
      state: i % 50 === 7 ? 'pending' : 'stored',
    })),
  );
});
afterAll(async () => {
  await db.close();
  await target.cleanup();
});

function expectIndexed(plan: string, index: string, table = 'memory_catalog'): void {
  expect(plan).toMatch(new RegExp(`SEARCH ${table} USING (COVERING )?INDEX ${index} \\(mind_id=\\?`));
  expect(plan).not.toMatch(/SCAN memory_catalog/);
  expect(plan).not.toMatch(/USE TEMP B-TREE/);
}

const after = { createdAt: 1_800_000_000_500, id: 'm-01500' };
const ids = ['m-00003', 'm-00013', 'm-00023', 'm-00033', 'm-00043'];

test.each([
  ['recent', () => catalog.recent(mind, { limit: 20 }), 'idx_memory_catalog_recent'],
  ['recent after a cursor', () => catalog.recent(mind, { limit: 20, after }), 'idx_memory_catalog_recent'],
  [
    'recent of a type after a cursor',
    () => catalog.recent(mind, { limit: 20, after, filter: { memoryType: 'semantic' } }),
    'idx_memory_catalog_type',
  ],
  [
    'recent of a user',
    () => catalog.recent(mind, { limit: 20, filter: { userEmail: 'u3@x.io' } }),
    'idx_memory_catalog_user',
  ],
  ['important', () => catalog.important(mind, 20), 'idx_memory_catalog_important'],
  ['unsettled', () => catalog.unsettled(mind, 20), 'idx_memory_catalog_unsettled'],
  ['ids after an id', () => catalog.ids(mind, { afterId: 'm-01000', limit: 100 }), 'sqlite_autoindex_memory_catalog_1'],
  ['get by ids', () => catalog.get(mind, ids), 'sqlite_autoindex_memory_catalog_1'],
  [
    'recordAccess (one UPDATE)',
    () => catalog.recordAccess(mind, ids, 1_900_000_000_000),
    'sqlite_autoindex_memory_catalog_1',
  ],
  ['setState (one UPDATE)', () => catalog.setState(mind, ids, 'stored'), 'sqlite_autoindex_memory_catalog_1'],
])('memory catalogue: %s', async (_name, run, index) => {
  expectIndexed(await planOf(run as () => Promise<unknown>), index as string);
});

test('memory catalogue: remove only if pending (one DELETE, then one of the aliases of what went)', async () => {
  const [rows, aliases, ...more] = await plansOf(() => catalog.remove(mind, ids, { onlyIf: 'pending' }));
  expect(more).toEqual([]);
  expectIndexed(rows!.plan, 'sqlite_autoindex_memory_catalog_1');
  expectIndexed(aliases!.plan, 'idx_memory_aliases_target', 'memory_aliases');
  expect(aliases!.plan).toMatch(/SEARCH c USING COVERING INDEX sqlite_autoindex_memory_catalog_1/);
});

/** Counts sum the Mind's rows of memory_catalog_counts (one per type, user and environment), whatever the filter. */
test.each([
  ['count', () => catalog.count(mind)],
  ['count of a type', () => catalog.count(mind, { memoryType: 'semantic' })],
  ['count of a user', () => catalog.count(mind, { userEmail: 'u3@x.io' })],
  ['count of an environment', () => catalog.count(mind, { environmentId: 'env-1' })],
])('memory catalogue: %s', async (_name, run) => {
  expectIndexed(await planOf(run), 'sqlite_autoindex_memory_catalog_counts_1', 'memory_catalog_counts');
});
