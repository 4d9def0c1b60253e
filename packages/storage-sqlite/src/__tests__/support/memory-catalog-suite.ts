import { defineMemoryCatalogContract, FakeClock } from '@genesis/mind-core/testing';
import { MindRegistryRepository } from '../../repositories/mind-registry.repository';
import { MemoryCatalogRepository } from '../../repositories/memory-catalog.repository';
import { SqlDatabase } from '../../sql-database';
import type { TestTarget } from './targets';

const MIND = 'GMD-2026-4A7F-9B23';

/** The memory_catalog table (migration, entity, repository) on one database: the port's contract and more. */
export function defineMemoryCatalogSuite(target: TestTarget): void {
  afterAll(() => target.cleanup());

  defineMemoryCatalogContract({
    name: target.name,
    create: async () => {
      const db = await SqlDatabase.open({ url: await target.create() });
      await db.migrate();
      return { store: new MemoryCatalogRepository(db), close: () => db.close() };
    },
  });

  it(`memory_catalog (${target.name}): migrated as the entities declare, again keeps rows and rebuilds counts, removed with its Mind`, async () => {
    const url = await target.create();
    let db = await SqlDatabase.open({ url });
    try {
      await db.migrate();
      expect(await db.pendingSchemaChanges()).toEqual([]);
      const catalog = new MemoryCatalogRepository(db);
      const minds = new MindRegistryRepository(db, new FakeClock());
      await minds.upsert({ gmid: MIND, name: 'Atlas', jsonPath: '/tmp/atlas.json', status: 'active' });
      const entry = {
        id: 'm-1',
        mindId: MIND,
        memoryType: 'episodic',
        importance: 0.5,
        userEmail: null,
        relationshipContext: 'generic',
        environmentId: null,
        createdAt: 1_800_000_000_000,
        lastAccessedAt: null,
        accessCount: 0,
        state: 'stored' as const,
      };
      await catalog.put([entry, { ...entry, id: 'm-2', state: 'pending' }, { ...entry, mindId: 'GMD-2026-0000-0001' }]);
      await db.close();
      // Opening and migrating again applies nothing and keeps the rows.
      db = await SqlDatabase.open({ url });
      expect(await db.migrate()).toEqual([]);
      expect(await db.pendingSchemaChanges()).toEqual([]);
      let again = new MemoryCatalogRepository(db);
      expect(await again.count(MIND)).toBe(1);
      // Run once more over existing rows (as if its record were lost): tables, indexes and triggers
      // are kept, and the counts are rebuilt from the rows (here: after they were damaged).
      await db.run('UPDATE memory_catalog_counts SET n = 99');
      await db.run("DELETE FROM genesis_migrations WHERE name = 'MemoryCatalog1764900000000'");
      expect(await db.migrate()).toEqual(['MemoryCatalog1764900000000']);
      expect(await db.pendingSchemaChanges()).toEqual([]);
      again = new MemoryCatalogRepository(db);
      expect(await again.count(MIND)).toBe(1);
      expect(await again.count('GMD-2026-0000-0001')).toBe(1);
      await again.setState(MIND, ['m-2'], 'stored');
      expect(await again.count(MIND, { memoryType: 'episodic' })).toBe(2);
      // Removing the Mind removes its catalogue (any state) and its counts, not another Mind's.
      const removed = await new MindRegistryRepository(db, new FakeClock()).remove(MIND);
      expect(removed).toEqual({ removed: true, rowsDeleted: 3 }); // 2 memories, 1 row of counts
      expect(await again.ids(MIND, { limit: 10 })).toEqual([]);
      expect(await again.count(MIND)).toBe(0);
      expect(await db.all('SELECT * FROM memory_catalog_counts WHERE mind_id = ?', [MIND])).toEqual([]);
      expect(await again.count('GMD-2026-0000-0001')).toBe(1);
    } finally {
      await db.close();
    }
  });
}
