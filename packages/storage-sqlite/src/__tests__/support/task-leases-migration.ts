import type { QueryRunner } from 'typeorm';
import { FakeClock } from '@genesis/mind-core/testing';
import { TaskLeases1764200000000 } from '../../migrations/1764200000000-TaskLeases';
import { SqlDatabase } from '../../sql-database';
import { createSqlStores } from '../../sql-stores';
import type { TestTarget } from './targets';

const MIND = 'GMD-2026-4A7F-9B23';
const ADDED_COLUMNS = ['lease_token', 'timeout_ms', 'progress'];

/** The index names of background_tasks, and each index's definition (SQL text), sorted by name. */
async function taskIndexes(db: SqlDatabase): Promise<Array<{ name: string; sql: string }>> {
  const rows =
    db.dialect === 'postgres'
      ? await db.all<{ name: string; sql: string }>(
          "SELECT indexname AS name, indexdef AS sql FROM pg_indexes WHERE tablename = 'background_tasks'",
        )
      : await db.all<{ name: string; sql: string | null }>(
          "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'background_tasks'",
        );
  return rows.map((r) => ({ name: r.name, sql: r.sql ?? '' })).sort((a, b) => (a.name < b.name ? -1 : 1));
}

/** A query runner enough for a migration that only runs SQL text. */
const runnerOf = (db: SqlDatabase) => ({ query: (sql: string) => db.all(sql) }) as unknown as QueryRunner;

/** TaskLeases1764200000000: what it adds, that `down()` takes exactly that away, and that `up()` works again. */
export function defineTaskLeasesMigrationSuite(target: TestTarget): void {
  afterAll(() => target.cleanup());

  describe(`TaskLeases1764200000000 (${target.name})`, () => {
    it('adds the lease token, timeout and progress columns and the claim indexes; down() removes exactly those', async () => {
      const { db } = await SqlDatabase.openMigrated({ url: await target.create() });
      try {
        const migrated = { columns: await db.columnNames('background_tasks'), indexes: await taskIndexes(db) };
        expect(migrated.columns).toEqual(expect.arrayContaining(ADDED_COLUMNS));
        const claimIndex = migrated.indexes.find((i) => i.name === 'idx_tasks_claim');
        // TypeORM cannot declare a column's direction: the migration is what makes priority descend.
        expect(claimIndex?.sql).toMatch(/"?priority"? DESC, "?run_at"?( ASC)?, "?id"?/);
        expect(migrated.indexes.map((i) => i.name)).not.toContain('idx_tasks_status_priority_run');

        const { task } = await createSqlStores(db, new FakeClock()).tasks.enqueue({ mindId: MIND, type: 'kept' });
        const migration = new TaskLeases1764200000000();
        await migration.down(runnerOf(db));
        const columns = await db.columnNames('background_tasks');
        expect(columns).toEqual(migrated.columns.filter((c) => !ADDED_COLUMNS.includes(c)));
        const names = (await taskIndexes(db)).map((i) => i.name);
        expect(names).toEqual(expect.arrayContaining(['idx_tasks_status_priority_run', 'idx_tasks_status_run']));
        for (const gone of [
          'idx_tasks_claim',
          'idx_tasks_status_lease',
          'idx_tasks_mind_run',
          'idx_tasks_mind_type_status_run',
        ])
          expect(names).not.toContain(gone);
        expect(await db.all('SELECT id, type FROM background_tasks')).toEqual([{ id: task.id, type: 'kept' }]);

        await migration.up(runnerOf(db));
        expect(await db.columnNames('background_tasks')).toEqual(migrated.columns);
        expect(await taskIndexes(db)).toEqual(migrated.indexes);
        expect(await createSqlStores(db, new FakeClock()).tasks.get(task.id)).toMatchObject({
          type: 'kept',
          leaseToken: null,
          timeoutMs: null,
          progress: null,
        });
      } finally {
        await db.close();
      }
    });
  });
}
