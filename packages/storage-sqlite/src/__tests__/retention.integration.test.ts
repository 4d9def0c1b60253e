import { FakeClock } from '@genesis/mind-core/testing';
import { RetentionRepository } from '../repositories/retention.repository';
import { SqlDatabase } from '../sql-database';
import { createSqlStores } from '../sql-stores';
import { defineRetentionSuite } from './support/retention-suite';
import { sqliteTarget } from './support/targets';

defineRetentionSuite(sqliteTarget());

/**
 * Every statement retention runs is planned by SQLite as an index search (no scan of the table,
 * no temporary B-tree to sort): reads stay short however many rows there are, and so do deletes.
 */
describe('retention query plans (SQLite)', () => {
  const target = sqliteTarget();
  const mind = 'GMD-2026-4A7F-9B23';
  let db: SqlDatabase;
  let r: RetentionRepository;
  let captured: Array<{ sql: string; params: unknown[] }> = [];

  beforeAll(async () => {
    db = await SqlDatabase.open({
      url: await target.create(),
      onQuery: (sql, params) => captured.push({ sql, params: [...params] }),
    });
    await db.migrate();
    const s = createSqlStores(db, new FakeClock());
    await s.messages.appendMany(
      Array.from({ length: 3000 }, (_, i) => ({
        mindId: `GMD-2026-0000-${String(i % 3).padStart(4, '0')}`,
        role: 'user' as const,
        content: `m${i}`,
        createdAt: i,
      })),
    );
    const sched = await s.schedules.upsert({
      mindId: mind,
      name: 'a',
      cron: '0 0 * * * *',
      type: 'echo',
      timezone: 'UTC',
      payload: null,
      enabled: true,
      nextRunAt: 0,
    });
    await s.schedules.fireSlot(sched.id, 1000, 2000, 0);
    r = new RetentionRepository(db);
  });
  afterAll(async () => {
    await db.close();
    await target.cleanup();
  });

  async function plans(run: () => Promise<unknown>): Promise<Array<{ sql: string; plan: string }>> {
    captured = [];
    await run();
    const out = [];
    for (const { sql, params } of captured) {
      if (/^\s*(BEGIN|COMMIT)/i.test(sql)) continue;
      out.push({ sql, plan: (await db.explain(sql, params)).join('\n') });
    }
    return out;
  }

  const position = { createdAt: 500, id: '' };
  test.each([
    ['newest kept (both archived streams, stepping)', () => r.newestKept('GMD-2026-0000-0001', 10)],
    ['oldest messages', () => r.oldestMessages(mind, { until: position, after: { createdAt: 10, id: 'a' } }, 100)],
    ['count messages before', () => r.countMessagesBefore(mind, position)],
    ['delete messages by id', () => r.deleteMessages(mind, ['x', 'y'])],
    ['closed concerns', () => r.deleteClosedConcerns(mind, 10, 100)],
    ['finished tasks', () => r.deleteFinishedTasks(mind, 10, 100)],
    ['concern fires', () => r.deleteConcernFires(mind, 10, 100)],
    ['schedule fires', () => r.deleteScheduleFires(mind, 5000, 100)],
  ])('%s uses an index', async (_name, run) => {
    const found = await plans(run);
    expect(found.length).toBeGreaterThan(0);
    for (const { sql, plan } of found) {
      const tables = [...sql.matchAll(/(?:FROM|UPDATE|INTO)\s+(\w+)/gi)].map((m) => m[1]);
      for (const table of tables)
        expect({ sql, plan }).toEqual({ sql, plan: expect.not.stringMatching(new RegExp(`SCAN ${table}\\b`)) });
      expect({ sql, plan }).toEqual({ sql, plan: expect.not.stringMatching(/USE TEMP B-TREE/) });
      // A delete finds its rows by their primary key, never by walking an index of the whole Mind.
      if (/^DELETE/.test(sql) && /IN \(|concern_id = \?/.test(sql))
        expect({ sql, plan }).toEqual({
          sql,
          plan: expect.stringMatching(/USING INDEX sqlite_autoindex_\w+_1 \((id|concern_id)=\?/),
        });
    }
  });
});
