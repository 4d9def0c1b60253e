import { SqlDatabase } from '../sql-database';
import { createSqlStores } from '../sql-stores';
import { StorageError } from '../errors';
import { FakeClock } from '@genesis/mind-core/testing';
import { sqliteTarget } from './support/targets';

const target = sqliteTarget();
const mind = 'GMD-2026-4A7F-9B23';
let file: string;
let holder: SqlDatabase;

beforeAll(async () => {
  file = await target.create();
  holder = await SqlDatabase.open({ url: file });
  await holder.migrate();
});
afterAll(async () => {
  await holder.close();
  await target.cleanup();
});

/** Holds the write lock of `db` until the returned release() is called. */
async function holdWriteLock(db: SqlDatabase): Promise<() => Promise<void>> {
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  let locked!: () => void;
  const isLocked = new Promise<void>((r) => (locked = r));
  const done = db.write(async (tx) => {
    await tx.run(
      "INSERT INTO minds (gmid, name, json_path, status, created_at, updated_at) VALUES ('GMD-2026-FFFF-0000', 'lock', '/x', 'active', 1, 1)",
    );
    locked();
    await released;
    await tx.run("DELETE FROM minds WHERE gmid = 'GMD-2026-FFFF-0000'");
  });
  await isLocked;
  return async () => {
    release();
    await done;
  };
}

test('WAL mode and a busy timeout are on', async () => {
  const db = await SqlDatabase.open({ url: file, busyTimeoutMs: 1234 });
  try {
    expect(await db.all('PRAGMA journal_mode')).toEqual([{ journal_mode: 'wal' }]);
    expect(await db.all('PRAGMA busy_timeout')).toEqual([{ timeout: 1234 }]);
  } finally {
    await db.close();
  }
});

test('a write that stays locked out fails with a clear error naming the database', async () => {
  const other = await SqlDatabase.open({ url: file, busyTimeoutMs: 50, busyRetries: 2, busyBackoffMs: 20 });
  const release = await holdWriteLock(holder);
  try {
    const stores = createSqlStores(other, new FakeClock());
    const error = await stores.messages
      .append({ mindId: mind, role: 'user', content: 'blocked' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageError);
    expect(error).toMatchObject({ code: 'DATABASE_BUSY' });
    expect((error as Error).message).toContain(file);
    expect((error as Error).message).toMatch(/after 3 attempts/);
    expect((error as Error).message).toMatch(/stop the other Genesis daemon/);
  } finally {
    await release();
    await other.close();
  }
  // Nothing was written by the failed call.
  expect(await holder.all("SELECT COUNT(*) AS n FROM conversation_messages WHERE content = 'blocked'")).toEqual([
    { n: 0 },
  ]);
});

test('a write retried with back-off succeeds once the other connection lets go', async () => {
  const other = await SqlDatabase.open({ url: file, busyTimeoutMs: 50, busyRetries: 6, busyBackoffMs: 50 });
  const release = await holdWriteLock(holder);
  try {
    const stores = createSqlStores(other, new FakeClock());
    const pending = stores.messages.append({ mindId: mind, role: 'user', content: 'eventually' });
    await new Promise((r) => setTimeout(r, 250));
    await release();
    await expect(pending).resolves.toMatchObject({ content: 'eventually' });
  } finally {
    await other.close();
  }
});

test('writes from one process are serialized: a failing transaction never takes other writes with it', async () => {
  const stores = createSqlStores(holder, new FakeClock());
  const failing = holder.write(async (tx) => {
    await tx.run(
      "INSERT INTO minds (gmid, name, json_path, status, created_at, updated_at) VALUES ('GMD-2026-EEEE-0000', 'doomed', '/x', 'active', 1, 1)",
    );
    await new Promise((r) => setTimeout(r, 50));
    throw new Error('boom');
  });
  const others = Array.from({ length: 20 }, (_, i) =>
    stores.messages.append({ mindId: mind, role: 'user', content: `concurrent-${i}` }),
  );
  await expect(failing).rejects.toThrow('boom');
  await Promise.all(others);
  expect(await stores.minds.get('GMD-2026-EEEE-0000')).toBeNull();
  expect(await holder.all("SELECT COUNT(*) AS n FROM conversation_messages WHERE content LIKE 'concurrent-%'")).toEqual(
    [{ n: 20 }],
  );
});
