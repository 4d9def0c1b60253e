import { FakeClock } from '@genesis/mind-core/testing';
import { SqlDatabase } from '../sql-database';
import { createSqlStores } from '../sql-stores';
import { SqlTaskNotifier } from '../sql-task-notifier';
import { postgresTarget, sqliteTarget, withPostgres } from './support/targets';

const MIND = 'GMD-2026-4A7F-9B23';

withPostgres('PostgreSQL task notifications', () => {
  const target = postgresTarget();
  afterAll(() => target.cleanup());

  test('an enqueue is announced to listeners of other connections when it commits, once per Mind', async () => {
    const url = await target.create();
    const writer = await SqlDatabase.openMigrated({ url });
    const listener = await SqlDatabase.open({ url });
    const heard: string[] = [];
    const unsubscribe = await new SqlTaskNotifier(listener).subscribe((mindId) => heard.push(mindId));
    try {
      const tasks = createSqlStores(writer.db, new FakeClock()).tasks;
      await tasks.enqueueMany([
        { mindId: MIND, type: 'a' },
        { mindId: MIND, type: 'b' },
      ]);
      await tasks.enqueue({ mindId: 'GMD-2026-0000-0001', type: 'c', idempotencyKey: 'k' });
      await tasks.enqueue({ mindId: 'GMD-2026-0000-0001', type: 'c', idempotencyKey: 'k' }); // not created: silent
      const deadline = Date.now() + 5_000;
      while (heard.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      await new Promise((r) => setTimeout(r, 100));
      expect(heard).toEqual([MIND, 'GMD-2026-0000-0001']);
    } finally {
      await unsubscribe();
      await listener.close();
      await writer.db.close();
    }
  });
});

test('on SQLite there are no notifications: subscribing works and never calls back', async () => {
  const target = sqliteTarget();
  const db = await SqlDatabase.openMigrated({ url: await target.create() });
  try {
    const heard: string[] = [];
    const unsubscribe = await new SqlTaskNotifier(db.db).subscribe((m) => heard.push(m));
    await createSqlStores(db.db, new FakeClock()).tasks.enqueue({ mindId: MIND, type: 'a' });
    await unsubscribe();
    expect(heard).toEqual([]);
  } finally {
    await db.db.close();
    await target.cleanup();
  }
});
