import { SqlDatabase } from '../../sql-database';
import type { TransactionStores } from '@genesis/mind-core';
import { createSqlStores } from '../../sql-stores';
import { FakeClock, type TestTarget } from './targets';

const MIND = 'GMD-2026-4A7F-9B23';
const OTHER = 'GMD-2026-0000-0001';
const TABLES = ['minds', 'environments', 'relationships', 'conversation_messages', 'concerns', 'background_tasks', 'mind_records'];

async function tableNames(db: SqlDatabase): Promise<string[]> {
  const rows =
    db.dialect === 'postgres'
      ? await db.all<{ name: string }>("SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public'")
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

export function defineStoreSuite(target: TestTarget): void {
  const clock = new FakeClock();
  let db: SqlDatabase;
  let s: TransactionStores;

  const fresh = async () => {
    const database = await SqlDatabase.open({ url: await target.create() });
    await database.migrate();
    return database;
  };

  afterAll(() => target.cleanup());

  describe(`migrations (${target.name})`, () => {
    it('creates every table on a fresh database, and a second run is a no-op', async () => {
      const database = await SqlDatabase.open({ url: await target.create() });
      try {
        expect(await database.pendingMigrations()).toEqual(['InitialSchema1764000000000', 'MindRecords1764100000000']);
        expect(await database.migrate()).toEqual(['InitialSchema1764000000000', 'MindRecords1764100000000']);
        expect(await tableNames(database)).toEqual(expect.arrayContaining([...TABLES, 'genesis_migrations']));
        expect(await database.migrate()).toEqual([]);
        expect(await database.pendingMigrations()).toEqual([]);
        expect(await database.appliedMigrations()).toEqual(['InitialSchema1764000000000', 'MindRecords1764100000000']);
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
        expect(await database.migrate()).toEqual(['InitialSchema1764000000000', 'MindRecords1764100000000']);
        expect(await database.migrate()).toEqual([]);

        const messageColumns = await columnNames(database, 'conversation_messages');
        expect(messageColumns).toEqual(
          expect.arrayContaining(['id', 'created_at', 'archived', 'source_key', 'environment_id', 'metadata', 'legacy_id', 'timestamp', 'session_id']),
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
        expect(concern).toMatchObject({ description: 'knee surgery', nextCheckAt: Date.UTC(2025, 2, 5, 9), status: 'active', followUpCount: 0 });
        expect(await stores.tasks.get('t-1')).toMatchObject({ type: 'dream', payload: { n: 1 }, runAt: Date.UTC(2025, 2, 1, 10) });
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
        expect(await database.pendingMigrations()).toEqual(['InitialSchema1764000000000', 'MindRecords1764100000000']);
      } finally {
        await database.close();
      }
    });
  });

  describe(`stores (${target.name})`, () => {
    beforeAll(async () => {
      db = await fresh();
      s = createSqlStores(db, clock);
    });
    afterAll(() => db.close());

    describe('messages', () => {
      const mind = 'GMD-2026-AAAA-0001';
      beforeAll(async () => {
        const base = clock.current;
        await s.messages.appendMany(
          Array.from({ length: 50 }, (_, i) => ({
            mindId: mind,
            role: i % 2 === 0 ? ('user' as const) : ('assistant' as const),
            content: `m${i}`,
            userEmail: i % 5 === 0 ? 'bob@example.com' : 'ann@example.com',
            createdAt: base + i * 1000,
            metadata: { i },
          })),
        );
        await s.messages.append({ mindId: OTHER, role: 'user', content: 'not yours' });
      });

      it('pages newest-first with a cursor, visiting each message once', async () => {
        const seen: string[] = [];
        let cursor: string | null = null;
        do {
          const page = await s.messages.list({ mindId: mind, limit: 7, cursor });
          seen.push(...page.items.map((m) => m.content));
          cursor = page.nextCursor;
        } while (cursor);
        expect(seen).toEqual(Array.from({ length: 50 }, (_, i) => `m${49 - i}`));
      });

      it('filters by time range, user and role, and counts', async () => {
        const base = clock.current;
        const range = await s.messages.list({ mindId: mind, since: base + 10_000, until: base + 15_000, limit: 100, order: 'asc' });
        expect(range.items.map((m) => m.content)).toEqual(['m10', 'm11', 'm12', 'm13', 'm14']);
        const bob = await s.messages.list({ mindId: mind, userEmail: 'bob@example.com', limit: 100 });
        expect(bob.items.map((m) => m.content)).toEqual(['m45', 'm40', 'm35', 'm30', 'm25', 'm20', 'm15', 'm10', 'm5', 'm0']);
        expect(await s.messages.count({ mindId: mind })).toBe(50);
        expect(await s.messages.count({ mindId: mind, role: 'user' })).toBe(25);
        expect(await s.messages.count({ mindId: mind, userEmail: 'bob@example.com', since: base + 20_000 })).toBe(6);
        expect(await s.messages.count({ mindId: OTHER })).toBe(1);
        const [newest] = (await s.messages.list({ mindId: mind, limit: 1 })).items;
        expect(newest).toMatchObject({ content: 'm49', metadata: { i: 49 }, archived: false, role: 'assistant' });
        expect(await s.messages.get(mind, newest!.id)).toEqual(newest);
        expect(await s.messages.get(OTHER, newest!.id)).toBeNull();
      });

      it('imports idempotently by source key, in order', async () => {
        const batch = ['a', 'b', 'c'].map((content, i) => ({
          mindId: 'GMD-2026-AAAA-0002',
          role: 'user' as const,
          content,
          createdAt: 1000,
          sourceKey: `legacy:${i}`,
        }));
        expect(await s.messages.appendMany(batch)).toEqual({ inserted: 3, skipped: 0 });
        expect(await s.messages.appendMany(batch)).toEqual({ inserted: 0, skipped: 3 });
        const again = await s.messages.append(batch[1]!);
        const page = await s.messages.list({ mindId: 'GMD-2026-AAAA-0002', limit: 10, order: 'asc' });
        expect(page.items.map((m) => m.content)).toEqual(['a', 'b', 'c']);
        expect(again.id).toBe(page.items[1]!.id);
      });

      it('rejects bad input and bad cursors with clear errors, writing nothing', async () => {
        const before = await s.messages.count({ mindId: mind });
        await expect(s.messages.append({ mindId: mind, role: 'robot' as never, content: 'x' })).rejects.toThrow(/role must be one of user, assistant, system, tool/);
        await expect(
          s.messages.appendMany([
            { mindId: mind, role: 'user', content: 'fine' },
            { mindId: mind, role: 'user', content: 'bad', createdAt: -5 },
          ]),
        ).rejects.toThrow(/createdAt/);
        await expect(s.messages.list({ mindId: mind, limit: 0 })).rejects.toThrow(/limit must be an integer from 1 to 1000/);
        await expect(s.messages.list({ mindId: mind, limit: 5, cursor: 'garbage' })).rejects.toMatchObject({ name: 'GenesisError', code: 'INVALID_CURSOR', field: 'cursor' });
        expect(await s.messages.count({ mindId: mind })).toBe(before);
      });

      it('archives and deletes by age (retention)', async () => {
        const m = 'GMD-2026-AAAA-0003';
        await s.messages.appendMany([1, 2, 3, 4].map((t) => ({ mindId: m, role: 'user' as const, content: `t${t}`, createdAt: t * 1000 })));
        expect(await s.messages.archiveBefore(m, 3000)).toBe(2);
        expect(await s.messages.count({ mindId: m })).toBe(2);
        expect(await s.messages.count({ mindId: m, includeArchived: true })).toBe(4);
        expect(await s.messages.deleteBefore(m, 10_000)).toBe(2);
        expect(await s.messages.count({ mindId: m, includeArchived: true })).toBe(2);
        expect(await s.messages.deleteBefore(m, 10_000, { all: true })).toBe(2);
        expect(await s.messages.count({ mindId: m, includeArchived: true })).toBe(0);
      });

      it('visits every row exactly once while rows are being inserted', async () => {
        const m = 'GMD-2026-AAAA-0004';
        const t0 = clock.current;
        await s.messages.appendMany(Array.from({ length: 300 }, (_, i) => ({ mindId: m, role: 'user' as const, content: `old${i}`, createdAt: t0 + i })));
        const seen = new Map<string, number>();
        let cursor: string | null = null;
        let page = 0;
        do {
          const result = await s.messages.list({ mindId: m, limit: 25, cursor });
          for (const msg of result.items) seen.set(msg.id, (seen.get(msg.id) ?? 0) + 1);
          cursor = result.nextCursor;
          // Writers keep adding newer messages (and some with the same timestamp as the page edge).
          await Promise.all([
            s.messages.append({ mindId: m, role: 'user', content: `new${page}`, createdAt: t0 + 10_000 + page }),
            s.messages.append({ mindId: m, role: 'user', content: `tie${page}`, createdAt: t0 + 299 }),
          ]);
          page++;
        } while (cursor);
        const old = await s.messages.list({ mindId: m, limit: 1000, order: 'asc', until: t0 + 299 });
        expect(old.items).toHaveLength(299);
        for (const msg of old.items) expect(seen.get(msg.id)).toBe(1);
        expect([...seen.values()].every((n) => n === 1)).toBe(true);
      });
    });

    describe('concerns', () => {
      const mind = 'GMD-2026-BBBB-0001';
      const t = (h: number) => Date.UTC(2026, 0, 1, h);

      it('creates, reads and lists concerns by status, user and follow-up window', async () => {
        const a = await s.concerns.insert({ mindId: mind, concernType: 'health', description: 'surgery', nextCheckAt: t(5), userEmail: 'a@x.io', severity: 0.9, urgency: 'high', memoryId: 'mem-1', metadata: { k: 1 } });
        const b = await s.concerns.insert({ mindId: mind, concernType: 'task', description: 'taxes', nextCheckAt: t(2), userEmail: 'b@x.io' });
        const c = await s.concerns.insert({ mindId: mind, concernType: 'emotion', description: 'sad', nextCheckAt: t(9), userEmail: 'a@x.io' });
        expect(await s.concerns.get(mind, a.id)).toEqual(a);
        expect(a).toMatchObject({ status: 'active', followUpCount: 0, severity: 0.9, urgency: 'high', memoryId: 'mem-1', metadata: { k: 1 } });
        expect(b).toMatchObject({ severity: 0.5, urgency: 'normal' });

        const all = await s.concerns.list({ mindId: mind, limit: 10 });
        expect(all.items.map((x) => x.id)).toEqual([b.id, a.id, c.id]);
        const window = await s.concerns.list({ mindId: mind, status: 'active', dueAfter: t(3), dueBefore: t(9), limit: 10 });
        expect(window.items.map((x) => x.id)).toEqual([a.id]);
        const ofA = await s.concerns.list({ mindId: mind, userEmail: 'a@x.io', limit: 1 });
        expect(ofA.items.map((x) => x.id)).toEqual([a.id]);
        const next = await s.concerns.list({ mindId: mind, userEmail: 'a@x.io', limit: 1, cursor: ofA.nextCursor });
        expect(next.items.map((x) => x.id)).toEqual([c.id]);
        expect(next.nextCursor).toBeNull();
        expect(await s.concerns.count({ mindId: mind, status: ['active', 'snoozed'] })).toBe(3);
      });

      it('finds due concerns, guards status transitions and expires old ones', async () => {
        const m = 'GMD-2026-BBBB-0002';
        const due1 = await s.concerns.insert({ mindId: m, concernType: 'personal', description: 'call mom', nextCheckAt: t(1) });
        const later = await s.concerns.insert({ mindId: m, concernType: 'personal', description: 'later', nextCheckAt: t(20), expiresAt: t(10) });
        expect((await s.concerns.due(m, t(3), 10)).map((x) => x.id)).toEqual([due1.id]);

        const checked = await s.concerns.update(m, due1.id, { lastCheckedAt: t(3), nextCheckAt: t(6), followUpCount: 1 });
        expect(checked).toMatchObject({ lastCheckedAt: t(3), nextCheckAt: t(6), followUpCount: 1 });
        expect(await s.concerns.due(m, t(3), 10)).toEqual([]);

        const resolved = await s.concerns.update(m, due1.id, { status: 'resolved', resolvedAt: t(4) }, ['active', 'snoozed']);
        expect(resolved?.status).toBe('resolved');
        expect(await s.concerns.update(m, due1.id, { status: 'snoozed' }, ['active'])).toBeNull();
        expect((await s.concerns.get(m, due1.id))?.status).toBe('resolved');

        expect(await s.concerns.expire(m, t(11))).toBe(1);
        expect((await s.concerns.get(m, later.id))?.status).toBe('expired');
        await expect(s.concerns.insert({ mindId: m, concernType: 'weird' as never, description: 'x', nextCheckAt: 1 })).rejects.toThrow(/concernType must be one of/);
        await expect(s.concerns.update(m, later.id, { severity: 2 })).rejects.toThrow(/severity must be a number from 0 to 1/);
      });
    });

    describe('background tasks', () => {
      const mind = 'GMD-2026-CCCC-0001';

      it('enqueues idempotently and lists by status and run time', async () => {
        const now = clock.current;
        const first = await s.tasks.enqueue({ mindId: mind, type: 'reflect', payload: { a: 1 }, idempotencyKey: 'daily-1', runAt: now + 50 });
        const again = await s.tasks.enqueue({ mindId: mind, type: 'reflect', payload: { a: 2 }, idempotencyKey: 'daily-1' });
        expect(first.created).toBe(true);
        expect(again).toEqual({ task: first.task, created: false });
        const other = await s.tasks.enqueue({ mindId: OTHER, type: 'reflect', idempotencyKey: 'daily-1', runAt: now + 10 });
        expect(other.created).toBe(true);
        const plain = await s.tasks.enqueue({ mindId: mind, type: 'dream', runAt: now + 20 });
        const page1 = await s.tasks.list({ status: 'pending', limit: 2 });
        const page2 = await s.tasks.list({ status: 'pending', limit: 2, cursor: page1.nextCursor });
        expect([...page1.items, ...page2.items].map((x) => x.id)).toEqual([other.task.id, plain.task.id, first.task.id]);
        expect((await s.tasks.list({ status: 'pending', mindId: mind, runBefore: now + 30, limit: 10 })).items.map((x) => x.id)).toEqual([plain.task.id]);
        expect(await s.tasks.count({ status: 'pending', mindId: mind })).toBe(2);
        for (const id of [first.task.id, other.task.id, plain.task.id]) await s.tasks.cancel(id, now);
      });

      it('claims by priority, survives a crashed worker, retries and dies after max attempts', async () => {
        const m = 'GMD-2026-CCCC-0002';
        const now = clock.current;
        const low = await s.tasks.enqueue({ mindId: m, type: 'low', runAt: now - 10, maxAttempts: 2 });
        const high = await s.tasks.enqueue({ mindId: m, type: 'high', runAt: now - 5, priority: 10 });
        const future = await s.tasks.enqueue({ mindId: m, type: 'future', runAt: now + 60_000 });

        const claimed = await s.tasks.claim({ mindId: m, owner: 'w1', now, leaseMs: 1000, limit: 5 });
        expect(claimed.map((x) => x.type)).toEqual(['high', 'low']);
        expect(claimed[0]).toMatchObject({ status: 'running', attempts: 1, leaseOwner: 'w1', leaseExpiresAt: now + 1000 });
        expect(await s.tasks.claim({ mindId: m, owner: 'w2', now, leaseMs: 1000, limit: 5 })).toEqual([]);

        const done = await s.tasks.complete(high.task.id, 'w1', { ok: true }, now + 10);
        expect(done).toMatchObject({ status: 'succeeded', result: { ok: true }, finishedAt: now + 10, leaseOwner: null });
        expect(await s.tasks.complete(high.task.id, 'w1', null, now + 11)).toBeNull();

        // w1 crashes holding "low": after its lease expires, w2 takes it over.
        const retaken = await s.tasks.claim({ mindId: m, owner: 'w2', now: now + 2000, leaseMs: 1000, limit: 5 });
        expect(retaken.map((x) => [x.id, x.attempts, x.leaseOwner])).toEqual([[low.task.id, 2, 'w2']]);
        expect(await s.tasks.heartbeat(low.task.id, 'w1', now + 2000, 1000)).toBe(false);
        expect(await s.tasks.heartbeat(low.task.id, 'w2', now + 2100, 5000)).toBe(true);

        const failed = await s.tasks.fail(low.task.id, 'w2', 'boom', now + 2200, now + 3000);
        expect(failed).toMatchObject({ status: 'dead', lastError: 'boom', finishedAt: now + 2200 });

        const retry = await s.tasks.enqueue({ mindId: m, type: 'retry', runAt: now, maxAttempts: 3 });
        await s.tasks.claim({ mindId: m, owner: 'w3', now: now + 3000, leaseMs: 1000, limit: 1 });
        const again = await s.tasks.fail(retry.task.id, 'w3', 'flaky', now + 3001, now + 4000);
        expect(again).toMatchObject({ status: 'pending', runAt: now + 4000, attempts: 1, lastError: 'flaky', finishedAt: null });

        // A crashed worker on the last attempt: the lease expiry turns the task dead.
        const last = await s.tasks.enqueue({ mindId: m, type: 'last', runAt: now, maxAttempts: 1 });
        await s.tasks.claim({ mindId: m, owner: 'w4', now: now + 5000, leaseMs: 100, limit: 5 });
        await s.tasks.claim({ mindId: m, owner: 'w5', now: now + 6000, leaseMs: 100, limit: 5 });
        expect(await s.tasks.get(last.task.id)).toMatchObject({ status: 'dead', lastError: expect.stringContaining('lease expired') });

        expect((await s.tasks.cancel(future.task.id, now))?.status).toBe('cancelled');
        expect(await s.tasks.deleteFinishedBefore(now + 100_000)).toBeGreaterThanOrEqual(4);
        expect(await s.tasks.get(high.task.id)).toBeNull();
      });
    });

    describe('minds, environments and relationships', () => {
      it('keeps a registry of minds and purges every row of a removed mind', async () => {
        const gmid = 'GMD-2026-DDDD-0001';
        const created = await s.minds.upsert({ gmid, name: 'Atlas', jsonPath: '/h/minds/a.json', status: 'active' });
        clock.advance(5);
        const renamed = await s.minds.upsert({ gmid, name: 'Atlas II', jsonPath: '/h/minds/a.json', status: 'sleeping' });
        expect(renamed).toMatchObject({ name: 'Atlas II', status: 'sleeping', createdAt: created.createdAt });
        expect(renamed.updatedAt).toBeGreaterThan(created.updatedAt);
        expect(await s.minds.touch(gmid, clock.current)).toBe(true);
        await s.minds.upsert({ gmid: 'GMD-2026-DDDD-0002', name: 'Bea', jsonPath: '/h/minds/b.json', status: 'active' });
        const p1 = await s.minds.list({ limit: 1 });
        const p2 = await s.minds.list({ limit: 1, cursor: p1.nextCursor });
        expect([...p1.items, ...p2.items].map((m) => m.gmid)).toEqual(expect.arrayContaining([gmid, 'GMD-2026-DDDD-0002']));

        await s.messages.append({ mindId: gmid, role: 'user', content: 'hi' });
        await s.concerns.insert({ mindId: gmid, concernType: 'task', description: 'd', nextCheckAt: 1 });
        await s.tasks.enqueue({ mindId: gmid, type: 'x' });
        await s.environments.upsert({ mindId: gmid, name: 'cli', kind: 'cli' });
        await s.relationships.recordInteraction(gmid, 'a@x.io', 5);
        expect(await s.minds.remove(gmid)).toEqual({ removed: true, rowsDeleted: 5 });
        expect(await s.minds.get(gmid)).toBeNull();
        expect(await s.messages.count({ mindId: gmid })).toBe(0);
      });

      it('appends records idempotently and pages them oldest-first by namespace', async () => {
        const m = 'GMD-2026-DDDD-0005';
        const dreams = [3, 1, 2].map((n) => ({ mindId: m, namespace: 'dreams', kind: 'dream', data: { n }, createdAt: n * 10, sourceKey: `dream:${n}` }));
        expect(await s.records.appendMany(dreams)).toEqual({ inserted: 3, skipped: 0 });
        expect(await s.records.appendMany(dreams)).toEqual({ inserted: 0, skipped: 3 });
        await s.records.appendMany([{ mindId: m, namespace: 'plugin:currency', kind: 'transaction', data: { amount: 5 } }]);
        const p1 = await s.records.list({ mindId: m, namespace: 'dreams', limit: 2 });
        const p2 = await s.records.list({ mindId: m, namespace: 'dreams', limit: 2, cursor: p1.nextCursor });
        expect([...p1.items, ...p2.items].map((r) => r.data)).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
        expect(await s.records.count({ mindId: m })).toBe(4);
        expect(await s.records.count({ mindId: m, namespace: 'plugin:currency' })).toBe(1);
        expect((await s.minds.remove(m)).rowsDeleted).toBe(4);
      });

      it('upserts environments by name and orders them by activity', async () => {
        const m = 'GMD-2026-DDDD-0003';
        const cli = await s.environments.upsert({ mindId: m, name: 'terminal', kind: 'cli', description: 'shell' });
        const web = await s.environments.upsert({ mindId: m, name: 'website', kind: 'web', metadata: { url: 'https://x.io' } });
        const same = await s.environments.upsert({ mindId: m, name: 'terminal', kind: 'cli', isPrimary: true });
        expect(same).toMatchObject({ id: cli.id, description: 'shell', isPrimary: true });
        await s.environments.markActive(m, web.id, 100);
        expect((await s.environments.list(m)).map((e) => e.name)).toEqual(['website', 'terminal']);
        expect(await s.environments.findByName(m, 'website')).toMatchObject({ metadata: { url: 'https://x.io' }, lastActiveAt: 100 });
        expect(await s.environments.remove(m, cli.id)).toBe(true);
        await expect(s.environments.upsert({ mindId: m, name: 'x', kind: 'hologram' as never })).rejects.toThrow(/kind must be one of/);
      });

      it('tracks relationships and their interactions', async () => {
        const m = 'GMD-2026-DDDD-0004';
        await s.relationships.upsert({ mindId: m, userEmail: 'ann@x.io', displayName: 'Ann', relationshipType: 'creator', trustLevel: 0.9 });
        await s.relationships.recordInteraction(m, 'bob@x.io', 200);
        await s.relationships.recordInteraction(m, 'ann@x.io', 100);
        const ann = await s.relationships.recordInteraction(m, 'ann@x.io', 50);
        expect(ann).toMatchObject({ displayName: 'Ann', relationshipType: 'creator', trustLevel: expect.closeTo(0.9, 5), interactionCount: 2, firstInteractionAt: 50, lastInteractionAt: 100 });
        await s.relationships.upsert({ mindId: m, userEmail: 'cy@x.io' });
        const p1 = await s.relationships.list({ mindId: m, limit: 2 });
        const p2 = await s.relationships.list({ mindId: m, limit: 2, cursor: p1.nextCursor });
        expect([...p1.items, ...p2.items].map((r) => r.userEmail)).toEqual(['bob@x.io', 'ann@x.io', 'cy@x.io']);
        expect(await s.relationships.remove(m, 'cy@x.io')).toBe(true);
        expect(await s.relationships.get(m, 'cy@x.io')).toBeNull();
      });
    });
  });
}
