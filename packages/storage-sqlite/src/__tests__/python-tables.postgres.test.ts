import { DataSource } from 'typeorm';
import { FakeClock, RecordingLogger } from '@genesis/mind-core/testing';
import { MIGRATIONS } from '../migrations';
import { legacyTables, movePythonTablesAside } from '../migrations/python-tables';
import { SqlDatabase } from '../sql-database';
import { createSqlStores } from '../sql-stores';
import { writePythonTablesOnPostgres } from './support/python-tables-postgres';
import { postgresTarget, withPostgres } from './support/targets';

/** Each table's row count and a digest of every row's text, by table name. */
async function contents(db: SqlDatabase, tables: string[]): Promise<Record<string, { n: number; digest: string }>> {
  const out: Record<string, { n: number; digest: string }> = {};
  for (const table of tables) {
    const [row] = await db.all<{ n: string; digest: string }>(
      `SELECT COUNT(*) AS n, md5(string_agg(t::text, '|' ORDER BY t::text)) AS digest FROM "${table}" t`,
    );
    out[table] = { n: Number(row!.n), digest: row!.digest };
  }
  return out;
}

withPostgres('Python tables on PostgreSQL', () => {
  const target = postgresTarget();
  afterAll(() => target.cleanup());

  test('a Python database on PostgreSQL: tables, indexes and sequences move aside, rows untouched', async () => {
    const url = await target.create();
    const fixture = await writePythonTablesOnPostgres(url);
    const { db: raw } = await SqlDatabase.openMigrated({ url, migrate: false });
    const before = await contents(raw, fixture.tables);
    await raw.close();

    const logger = new RecordingLogger();
    const { db, applied } = await SqlDatabase.openMigrated({ url, logger });
    try {
      expect(applied).toEqual(MIGRATIONS.map((m) => m.name));
      expect(logger.at('warn')).toHaveLength(1);
      const after = await contents(
        db,
        fixture.tables.map((t) => `python_${t}`),
      );
      expect(Object.fromEntries(Object.entries(after).map(([t, v]) => [t.slice('python_'.length), v]))).toEqual(before);
      expect((await legacyTables(db)).map((t) => [t.original, t.rows])).toEqual(
        [...fixture.tables].sort().map((t) => [t, fixture.rows[t]!.length]),
      );
      const leftovers = await db.all<{ relname: string }>(
        "SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind IN ('i', 'S') " +
          "AND relname NOT LIKE 'python\\_%' AND (relname LIKE 'ix\\_%' OR relname LIKE '%\\_seq' AND relname NOT LIKE 'genesis%')",
      );
      expect(leftovers).toEqual([]);
      const moved = await db.all<{ relname: string }>(
        "SELECT relname FROM pg_class WHERE relname IN ('python_conversation_messages_id_seq', 'python_ix_conv_mind_time', 'python_minds_pkey')",
      );
      expect(moved).toHaveLength(3);

      const stores = createSqlStores(db, new FakeClock(Date.UTC(2030, 0, 1)));
      await stores.messages.append({ mindId: fixture.minds[0]!, role: 'user', content: 'hello again' });
      expect((await stores.messages.list({ mindId: fixture.minds[0]!, limit: 10 })).items).toHaveLength(1);
      expect(await db.migrate()).toEqual([]);
    } finally {
      await db.close();
    }
  });

  test('on PostgreSQL too, a failure in the middle of the move rolls every rename back', async () => {
    const url = await target.create();
    const fixture = await writePythonTablesOnPostgres(url);
    const source = new DataSource({ type: 'postgres', url });
    await source.initialize();
    try {
      let renames = 0;
      await expect(
        movePythonTablesAside(source, {
          beforeRename: () => {
            if (++renames === 5) throw new Error('crash mid-move');
          },
        }),
      ).rejects.toThrow('crash mid-move');
      const names = await source.query(
        "SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relname LIKE 'python\\_%'",
      );
      expect(names).toEqual([]);
      const tables = (await source.query(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name",
      )) as Array<{ table_name: string }>;
      expect(tables.map((t) => t.table_name)).toEqual([...fixture.tables].sort());
    } finally {
      await source.destroy();
    }
  });
});
