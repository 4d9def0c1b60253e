import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { FakeClock, RecordingLogger, tempHome } from '@genesis/mind-core/testing';
import { MIGRATIONS } from '../migrations';
import { legacyTables, movePythonTablesAside } from '../migrations/python-tables';
import { SqlDatabase, TABLES } from '../sql-database';
import { createSqlStores } from '../sql-stores';
import { readSqliteTable, writePythonHome, type PythonHome } from '../testing';

const NOW = Date.UTC(2030, 0, 1, 12);

let dir: ReturnType<typeof tempHome>;
beforeEach(() => {
  dir = tempHome('genesis-python-home-');
});
afterEach(() => dir.cleanup());

/** The schema as SQLite keeps it: every table, index and its SQL, by name. */
async function schemaOf(file: string): Promise<Array<Record<string, unknown>>> {
  const source = new DataSource({ type: 'sqlite', database: file });
  await source.initialize();
  try {
    return await source.query('SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name');
  } finally {
    await source.destroy();
  }
}

async function pragma(db: SqlDatabase, statement: string): Promise<unknown[]> {
  return db.all(`PRAGMA ${statement}`);
}

/** Every fixture table, now under python_*, holds exactly the rows the fixture wrote, in order. */
async function expectRowsKept(fixture: PythonHome): Promise<void> {
  for (const table of fixture.tables) {
    const rows = await readSqliteTable(fixture.database, `python_${table}`);
    expect({ table, rows }).toEqual({ table, rows: fixture.rows[table] });
  }
}

test('the fixture is a home our migrations alone cannot open (the failure the move avoids)', async () => {
  const fixture = await writePythonHome(dir.path);
  const before = await schemaOf(fixture.database);
  const source = new DataSource({
    type: 'sqlite',
    database: fixture.database,
    migrations: [...MIGRATIONS] as Function[],
    migrationsTableName: 'genesis_migrations',
  });
  await source.initialize();
  try {
    await expect(source.runMigrations({ transaction: 'each' })).rejects.toThrow(
      /NOT NULL constraint failed: temporary_environments.id/,
    );
  } finally {
    await source.destroy();
  }
  // Rolled back: the Python tables are as they were (TypeORM's own migrations table stays).
  const after = (await schemaOf(fixture.database)).filter(
    (r) => r.name !== 'genesis_migrations' && r.name !== 'sqlite_sequence',
  );
  expect(after).toEqual(before);
});

test('opening a Python home moves its tables aside in one go, keeps every row, and creates ours', async () => {
  const fixture = await writePythonHome(dir.path, { minds: 4, rows: { conversation_messages: 25 } });
  expect(fixture.rows.conversation_messages).toHaveLength(100);
  const logger = new RecordingLogger();
  const { db, applied } = await SqlDatabase.openMigrated({ url: fixture.database, logger });
  try {
    expect(applied).toEqual(MIGRATIONS.map((m) => m.name));
    expect(logger.at('warn')).toHaveLength(1);
    expect(logger.at('warn')[0]!.message).toMatch(/earlier Genesis.*python_\*/);
    expect(logger.at('warn')[0]!.fields.tables).toEqual(fixture.tables.map((t) => `python_${t}`).sort());

    // Ours exist, empty, in the shape the entities declare, and work.
    expect(Object.values(await db.tableCounts())).toEqual(TABLES.map(() => 0));
    expect(await db.pendingSchemaChanges()).toEqual([]);
    const stores = createSqlStores(db, new FakeClock(NOW));
    await stores.minds.upsert({ gmid: fixture.minds[0]!, name: 'Mind 0', jsonPath: 'x.json', status: 'active' });
    await stores.messages.append({ mindId: fixture.minds[0]!, role: 'user', content: 'hello again' });
    expect((await stores.messages.list({ mindId: fixture.minds[0]!, limit: 10 })).items).toHaveLength(1);

    // Theirs: every table, every row, unchanged.
    expect(await legacyTables(db)).toEqual(
      fixture.tables
        .map((t) => ({ table: `python_${t}`, original: t, rows: fixture.rows[t]!.length }))
        .sort((a, b) => (a.table < b.table ? -1 : 1)),
    );
  } finally {
    await db.close();
  }
  await expectRowsKept(fixture);

  const { db: check } = await SqlDatabase.openMigrated({ url: fixture.database, migrate: false });
  try {
    expect(await pragma(check, 'integrity_check')).toEqual([{ integrity_check: 'ok' }]);
    expect(await pragma(check, 'foreign_key_check')).toEqual([]);
  } finally {
    await check.close();
  }
  const schema = await schemaOf(fixture.database);
  const pythonIndexes = schema.filter((r) => r.type === 'index' && String(r.tbl_name).startsWith('python_'));
  // Their indexes moved with them, under the prefix (constraint indexes keep SQLite's own names).
  expect(pythonIndexes.length).toBeGreaterThan(30);
  for (const index of pythonIndexes) expect(String(index.name)).toMatch(/^(python_ix_|sqlite_autoindex_python_)/);
  // Their foreign keys now point at their own minds table, not ours.
  const messagesSql = String(schema.find((r) => r.name === 'python_conversation_messages')!.sql);
  expect(messagesSql).toMatch(/REFERENCES "python_minds"/);
});

test('a second open changes nothing and says nothing', async () => {
  const fixture = await writePythonHome(dir.path);
  await (await SqlDatabase.openMigrated({ url: fixture.database })).db.close();
  const before = await schemaOf(fixture.database);

  const logger = new RecordingLogger();
  const { db, applied } = await SqlDatabase.openMigrated({ url: fixture.database, logger });
  try {
    expect(applied).toEqual([]);
    expect(await db.migrate()).toEqual([]);
    expect(logger.at('warn')).toEqual([]);
    expect((await legacyTables(db)).map((t) => t.table)).toHaveLength(fixture.tables.length);
  } finally {
    await db.close();
  }
  expect(await schemaOf(fixture.database)).toEqual(before);
  await expectRowsKept(fixture);
});

test('an older file, lacking the newer columns, and one with only some tables, open the same way', async () => {
  const older = await writePythonHome(join(dir.path, 'older'), { variant: 'older', minds: 2 });
  expect(Object.keys(older.rows.minds![0]!)).not.toContain('gen_balance');
  const some = await writePythonHome(join(dir.path, 'some'), {
    tables: ['minds', 'conversation_messages', 'relationships'],
    mindFiles: false,
  });
  for (const fixture of [older, some]) {
    const { db } = await SqlDatabase.openMigrated({ url: fixture.database });
    try {
      expect(await db.pendingMigrations()).toEqual([]);
      expect((await legacyTables(db)).map((t) => t.original).sort()).toEqual([...fixture.tables].sort());
    } finally {
      await db.close();
    }
    await expectRowsKept(fixture);
  }
});

test('a Genesis-only database has no legacy tables and is never touched by the move', async () => {
  const file = join(dir.path, 'genesis.db');
  const { db } = await SqlDatabase.openMigrated({ url: file });
  await db.close();
  const before = await schemaOf(file);
  const { db: again } = await SqlDatabase.openMigrated({ url: file });
  try {
    expect(await legacyTables(again)).toEqual([]);
  } finally {
    await again.close();
  }
  expect(await schemaOf(file)).toEqual(before);
});

test('a failure in the middle of the move rolls every rename back', async () => {
  const fixture = await writePythonHome(dir.path);
  const before = await schemaOf(fixture.database);
  const source = new DataSource({ type: 'sqlite', database: fixture.database });
  await source.initialize();
  const renamed: string[] = [];
  try {
    await expect(
      movePythonTablesAside(source, {
        beforeRename: (from) => {
          if (renamed.length === 6) throw new Error('crash mid-move');
          renamed.push(from);
        },
      }),
    ).rejects.toThrow('crash mid-move');
  } finally {
    await source.destroy();
  }
  expect(renamed).toHaveLength(6);
  expect(await schemaOf(fixture.database)).toEqual(before);

  // And the next open moves them all.
  const { db } = await SqlDatabase.openMigrated({ url: fixture.database });
  try {
    expect(await legacyTables(db)).toHaveLength(fixture.tables.length);
  } finally {
    await db.close();
  }
  await expectRowsKept(fixture);
});
