import { RetentionRepository } from '../repositories/retention.repository';
import { SqlDatabase } from '../sql-database';
import { createSqlStores } from '../sql-stores';
import { postgresTarget, withPostgres } from './support/targets';
import { FakeClock } from '@genesis/mind-core/testing';

const A = 'GMD-2026-AAAA-0001';

/**
 * PostgreSQL's message deletes of retention: compressed full-page images where the role may set
 * wal_compression (in the delete's own transaction only), and a WAL budget that paces them.
 */
withPostgres('PostgreSQL retention WAL', () => {
  const target = postgresTarget();
  let db: SqlDatabase;
  let r: RetentionRepository;

  beforeAll(async () => {
    db = await SqlDatabase.open({ url: await target.create() });
    await db.migrate();
  });
  afterAll(async () => {
    await db.close();
    await target.cleanup();
  });
  beforeEach(async () => {
    await db.run('DELETE FROM conversation_messages');
    r = new RetentionRepository(db);
  });

  async function addMessages(n: number): Promise<string[]> {
    const s = createSqlStores(db, new FakeClock(1_000_000));
    await s.messages.appendMany(
      Array.from({ length: n }, (_, i) => ({
        mindId: A,
        role: 'user' as const,
        content: `message ${i}: the quick brown fox jumps over the lazy dog`,
        createdAt: 1000 + i,
      })),
    );
    const rows = await db.all<{ id: string }>(
      'SELECT id FROM conversation_messages WHERE mind_id = ? ORDER BY created_at, id',
      [A],
    );
    return rows.map((row) => row.id);
  }

  test('deletes exactly the ids given, and leaves no setting behind on the pooled connections', async () => {
    const ids = await addMessages(600);
    expect(await r.deleteMessages(A, ids.slice(0, 250))).toBe(250);
    expect(await r.deleteMessages(A, [...ids.slice(250, 300), 'no-such-id'])).toBe(50);
    expect(await r.deleteMessages('GMD-2026-BBBB-0002', ids.slice(300))).toBe(0);
    const left = await db.all<{ id: string }>('SELECT id FROM conversation_messages ORDER BY created_at, id');
    expect(left.map((row) => row.id)).toEqual(ids.slice(300));
    // SET LOCAL: every connection of the pool still has the server's own value.
    const seen = await Promise.all(
      Array.from({ length: 10 }, () =>
        db.all<{ same: boolean }>(
          "SELECT current_setting('wal_compression') = reset_val AS same FROM pg_settings WHERE name = 'wal_compression'",
        ),
      ),
    );
    expect(seen.map(([row]) => row!.same)).toEqual(Array.from({ length: 10 }, () => true));
  });

  test('paces the deletes to the WAL budget (and not at all without one)', async () => {
    const ids = await addMessages(2000);
    r.walBytesPerSecond = null;
    let started = performance.now();
    for (let i = 0; i < 1000; i += 250) await r.deleteMessages(A, ids.slice(i, i + 250));
    const unpaced = performance.now() - started;

    // A budget far below what the deletes write: each batch waits about its WAL over the budget.
    r.walBytesPerSecond = 64 * 1024;
    started = performance.now();
    for (let i = 1000; i < 2000; i += 250) await r.deleteMessages(A, ids.slice(i, i + 250));
    const paced = performance.now() - started;
    expect(await db.all('SELECT id FROM conversation_messages')).toEqual([]);
    // 1,000 rows write well over 32 kB of WAL: over the 250 ms burst, at least a few hundred ms.
    expect(paced).toBeGreaterThan(unpaced + 250);
  });
});
