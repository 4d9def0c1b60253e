import { FakeClock } from '@genesis/mind-core/testing';
import { MIGRATIONS } from '../../migrations';
import { SqlDatabase, TABLES } from '../../sql-database';
import { createSqlStores } from '../../sql-stores';
import type { TestTarget } from './targets';

const MIND = 'GMD-2026-4A7F-9B23';
/** Every migration, by name, in order. */
const MIGRATION_NAMES = MIGRATIONS.map((m) => m.name);

async function tableNames(db: SqlDatabase): Promise<string[]> {
  const rows =
    db.dialect === 'postgres'
      ? await db.all<{ name: string }>(
          "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public'",
        )
      : await db.all<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'");
  return rows.map((r) => r.name);
}

async function columnNames(db: SqlDatabase, table: string): Promise<string[]> {
  return db.columnNames(table);
}

/** SQL an older tool might have used to create these tables (integer ids, datetime text). */
function legacyDdl(dialect: 'sqlite' | 'postgres'): string[] {
  const serial = dialect === 'postgres' ? 'SERIAL PRIMARY KEY' : 'INTEGER PRIMARY KEY AUTOINCREMENT';
  const ts = dialect === 'postgres' ? 'TIMESTAMP' : 'DATETIME';
  return [
    `CREATE TABLE conversation_messages (id ${serial}, mind_id VARCHAR(64) NOT NULL, role VARCHAR(20) NOT NULL, content TEXT NOT NULL, user_email VARCHAR(255), timestamp ${ts} NOT NULL, session_id VARCHAR(64) NOT NULL)`,
    "INSERT INTO conversation_messages (mind_id, role, content, user_email, timestamp, session_id) VALUES ('GMD-2026-4A7F-9B23', 'user', 'old hello', 'a@example.com', '2025-03-01 10:00:00', 's1')",
    "INSERT INTO conversation_messages (mind_id, role, content, user_email, timestamp, session_id) VALUES ('GMD-2026-4A7F-9B23', 'assistant', 'old reply', NULL, '2025-03-01 10:00:05', 's1')",
    `CREATE TABLE concerns (id ${serial}, mind_id VARCHAR(64) NOT NULL, user_email VARCHAR(255), concern_type VARCHAR(32) NOT NULL, description TEXT NOT NULL, status VARCHAR(16) NOT NULL, follow_up_at ${ts}, created_at ${ts} NOT NULL)`,
    "INSERT INTO concerns (mind_id, user_email, concern_type, description, status, follow_up_at, created_at) VALUES ('GMD-2026-4A7F-9B23', 'a@example.com', 'health', 'knee surgery', 'active', '2025-03-05 09:00:00', '2025-03-01 10:00:00')",
    `CREATE TABLE background_tasks (id VARCHAR(36) PRIMARY KEY, mind_id VARCHAR(64) NOT NULL, type VARCHAR(100) NOT NULL, status VARCHAR(16) NOT NULL, payload TEXT, created_at ${ts} NOT NULL)`,
    "INSERT INTO background_tasks (id, mind_id, type, status, payload, created_at) VALUES ('t-1', 'GMD-2026-4A7F-9B23', 'dream', 'pending', '{\"n\":1}', '2025-03-01 10:00:00')",
  ];
}

/**
 * What only the SQL tier has: migrations and the schema. The behaviour of the stores (the ports)
 * is checked by mind-core's store contract (`defineStoreContract`), run on SQLite and PostgreSQL.
 */
export function defineStoreSuite(target: TestTarget): void {
  const clock = new FakeClock();

  const fresh = async () => {
    const database = await SqlDatabase.open({ url: await target.create() });
    await database.migrate();
    return database;
  };

  afterAll(() => target.cleanup());

  describe(`migrations (${target.name})`, () => {
    it('two processes migrating one database at once apply each migration exactly once', async () => {
      const url = await target.create();
      const [a, b] = await Promise.all([SqlDatabase.open({ url }), SqlDatabase.open({ url })]);
      try {
        const [appliedByA, appliedByB] = await Promise.all([a.migrate(), b.migrate()]);
        expect([...appliedByA, ...appliedByB].sort()).toEqual([...MIGRATION_NAMES].sort());
        const recorded = await a.all<{ name: string }>('SELECT name FROM genesis_migrations');
        expect(recorded.map((r) => r.name).sort()).toEqual([...MIGRATION_NAMES].sort());
        expect(await b.pendingMigrations()).toEqual([]);
      } finally {
        await a.close();
        await b.close();
      }
    });

    it('creates every table on a fresh database, and a second run is a no-op', async () => {
      const database = await SqlDatabase.open({ url: await target.create() });
      try {
        expect(await database.pendingMigrations()).toEqual(MIGRATION_NAMES);
        expect(await database.migrate()).toEqual(MIGRATION_NAMES);
        expect(await tableNames(database)).toEqual(expect.arrayContaining([...TABLES, 'genesis_migrations']));
        expect(TABLES).toHaveLength(11);
        expect(Object.values(await database.tableCounts())).toEqual(TABLES.map(() => 0));
        expect(await database.migrate()).toEqual([]);
        expect(await database.pendingMigrations()).toEqual([]);
        expect(await database.appliedMigrations()).toEqual(MIGRATION_NAMES);
      } finally {
        await database.close();
      }
    });

    it('leaves the schema exactly as the entities declare it (nothing left to synchronize)', async () => {
      const database = await fresh();
      try {
        expect(await database.pendingSchemaChanges()).toEqual([]);
      } finally {
        await database.close();
      }
    });

    it('brings tables left by an older tool to the current schema without losing their rows', async () => {
      const url = await target.create();
      const database = await SqlDatabase.open({ url });
      try {
        for (const statement of legacyDdl(database.dialect)) await database.all(statement);
        expect(await database.migrate()).toEqual(MIGRATION_NAMES);
        expect(await database.migrate()).toEqual([]);

        const messageColumns = await columnNames(database, 'conversation_messages');
        expect(messageColumns).toEqual(
          expect.arrayContaining([
            'id',
            'created_at',
            'archived',
            'source_key',
            'environment_id',
            'metadata',
            'legacy_id',
            'timestamp',
            'session_id',
          ]),
        );
        const stores = createSqlStores(database, clock);
        const page = await stores.messages.list({ mindId: MIND, limit: 10, order: 'asc' });
        expect(page.items.map((m) => [m.content, m.createdAt, m.userEmail])).toEqual([
          ['old hello', Date.UTC(2025, 2, 1, 10, 0, 0), 'a@example.com'],
          ['old reply', Date.UTC(2025, 2, 1, 10, 0, 5), null],
        ]);
        // New rows can be written next to the legacy ones (legacy NOT NULL columns were relaxed).
        await stores.messages.append({ mindId: MIND, role: 'user', content: 'new' });
        expect(await stores.messages.count({ mindId: MIND })).toBe(3);

        const [concern] = (await stores.concerns.list({ mindId: MIND, limit: 10 })).items;
        expect(concern).toMatchObject({
          description: 'knee surgery',
          nextCheckAt: Date.UTC(2025, 2, 5, 9),
          status: 'active',
          followUpCount: 0,
        });
        expect(await stores.tasks.get('t-1')).toMatchObject({
          type: 'dream',
          payload: { n: 1 },
          runAt: Date.UTC(2025, 2, 1, 10),
        });
        const tables = await tableNames(database);
        expect(tables).toEqual(expect.arrayContaining(TABLES));
      } finally {
        await database.close();
      }
    });

    it('rolls a failing migration back completely', async () => {
      const database = await SqlDatabase.open({ url: await target.create() });
      try {
        // Two tasks with the same idempotency key make the unique index impossible to build.
        await database.all(
          'CREATE TABLE background_tasks (id VARCHAR(36) PRIMARY KEY, mind_id VARCHAR(64) NOT NULL, idempotency_key VARCHAR(200))',
        );
        await database.all("INSERT INTO background_tasks VALUES ('a', 'm', 'same'), ('b', 'm', 'same')");
        await expect(database.migrate()).rejects.toMatchObject({ code: 'MIGRATION_FAILED' });
        const tables = await tableNames(database);
        expect(tables).not.toContain('conversation_messages');
        expect(tables).not.toContain('minds');
        expect(await columnNames(database, 'background_tasks')).toEqual(['id', 'mind_id', 'idempotency_key']);
        expect(await database.pendingMigrations()).toEqual(MIGRATION_NAMES);
      } finally {
        await database.close();
      }
    });
  });
}
