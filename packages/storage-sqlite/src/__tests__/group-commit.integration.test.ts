import { FakeClock } from '@genesis/mind-core/testing';
import { SqlDatabase } from '../sql-database';
import { createSqlStores } from '../sql-stores';
import { SqlUnitOfWork } from '../sql-unit-of-work';
import { insertRows, SOURCE_KEY } from '../repositories/insert-rows';
import { MESSAGE_CODEC } from '../repositories/message.repository';
import { sqliteTarget } from './support/targets';

const target = sqliteTarget();
const mind = 'GMD-2026-4A7F-9B23';
let file: string;
let db: SqlDatabase;
/** A second connection to the same file: sees only what was committed. */
let outside: SqlDatabase;

beforeAll(async () => {
  file = await target.create();
  db = await SqlDatabase.open({ url: file });
  await db.migrate();
  outside = await SqlDatabase.open({ url: file });
});
afterAll(async () => {
  await db.close();
  await outside.close();
  await target.cleanup();
});
beforeEach(async () => {
  await db.run('DELETE FROM conversation_messages');
  await db.run('DELETE FROM relationships');
});

const stores = () => createSqlStores(db, new FakeClock());
const contents = async (sql = 'SELECT content FROM conversation_messages ORDER BY content') =>
  (await outside.all<{ content: string }>(sql)).map((r) => r.content);

/** A message row as the message store writes it, with a NULL content the schema refuses. */
function badAppend(): Promise<unknown> {
  const row = ['bad-id', mind, 'user', null, null, null, null, 1, false, null];
  return insertRows(db, 'conversation_messages', MESSAGE_CODEC.columns, [row], SOURCE_KEY);
}

test('concurrent appends commit together, and each caller learns its outcome once it is committed', async () => {
  const seenAtResolve: number[] = [];
  const appends = Array.from({ length: 40 }, (_, i) =>
    stores()
      .messages.append({ mindId: mind, role: 'user', content: `m${String(i).padStart(2, '0')}` })
      .then(async (stored) => {
        // Committed before the promise resolved: another connection sees it.
        const [row] = await outside.all<{ n: number }>('SELECT COUNT(*) AS n FROM conversation_messages WHERE id = ?', [
          stored.id,
        ]);
        seenAtResolve.push(Number(row!.n));
        return stored;
      }),
  );
  const stored = await Promise.all(appends);
  expect(new Set(stored.map((m) => m.id)).size).toBe(40);
  expect(seenAtResolve).toEqual(new Array(40).fill(1));
  expect(await contents()).toEqual(Array.from({ length: 40 }, (_, i) => `m${String(i).padStart(2, '0')}`));
});

test('one bad row among concurrent appends fails alone; its neighbours are committed', async () => {
  const appends = Array.from({ length: 30 }, (_, i) =>
    stores().messages.append({ mindId: mind, role: 'user', content: `ok-${i}` }),
  );
  // Queued behind the first write, in the middle of the others: its INSERT has the same shape.
  const bad = badAppend();
  const more = Array.from({ length: 30 }, (_, i) =>
    stores().messages.append({ mindId: mind, role: 'assistant', content: `ok-${30 + i}` }),
  );
  const results = await Promise.allSettled([...appends, bad, ...more]);
  expect(results.filter((r) => r.status === 'rejected')).toHaveLength(1);
  await expect(bad).rejects.toMatchObject({ code: 'QUERY_FAILED' });
  expect((await contents()).sort()).toEqual(Array.from({ length: 60 }, (_, i) => `ok-${i}`).sort());
  expect(await outside.all("SELECT id FROM conversation_messages WHERE id = 'bad-id'")).toEqual([]);
});

test('a write that fails after changing rows is rolled back alone; the others run again and commit', async () => {
  const uow = new SqlUnitOfWork(db, new FakeClock());
  let doomedRuns = 0;
  let neighbourRuns = 0;
  const before = stores().messages.append({ mindId: mind, role: 'user', content: 'first' });
  const neighbour = uow.run(async (s) => {
    neighbourRuns++;
    await s.relationships.recordInteraction(mind, 'ann@example.com', 1_000);
    return s.messages.append({ mindId: mind, role: 'user', content: 'from ann', userEmail: 'ann@example.com' });
  });
  const doomed = uow.run(async (s) => {
    doomedRuns++;
    await s.relationships.recordInteraction(mind, 'bob@example.com', 1_000);
    await s.messages.append({ mindId: mind, role: 'user', content: 'from bob', userEmail: 'bob@example.com' });
    throw new Error('boom after two writes');
  });
  const after = Array.from({ length: 10 }, (_, i) =>
    stores().messages.append({ mindId: mind, role: 'assistant', content: `after-${i}` }),
  );
  await expect(doomed).rejects.toThrow('boom after two writes');
  await Promise.all([before, neighbour, ...after]);
  expect(doomedRuns).toBe(1);
  // The neighbour shared the doomed write's transaction (rolled back), so it ran again.
  expect(neighbourRuns).toBe(2);
  expect((await contents()).sort()).toEqual(
    ['first', 'from ann', ...Array.from({ length: 10 }, (_, i) => `after-${i}`)].sort(),
  );
  const people = await outside.all<{ user_email: string; interaction_count: number }>(
    'SELECT user_email, interaction_count FROM relationships ORDER BY user_email',
  );
  expect(people.map((p) => [p.user_email, Number(p.interaction_count)])).toEqual([['ann@example.com', 1]]);
});

test('a write that fails before changing anything fails alone without making the others run again', async () => {
  let runs = 0;
  const counted = db.write(async (tx) => {
    runs++;
    return tx.run('UPDATE conversation_messages SET archived = archived WHERE 1 = 0');
  });
  const first = stores().messages.append({ mindId: mind, role: 'user', content: 'one' });
  const refused = db.write(async (tx) => {
    await tx.all('SELECT COUNT(*) AS n FROM conversation_messages');
    throw new Error('refused after a read');
  });
  const second = db.write(async (tx) => {
    runs++;
    return tx.run('UPDATE conversation_messages SET archived = archived WHERE 1 = 0');
  });
  await expect(refused).rejects.toThrow('refused after a read');
  await Promise.all([counted, first, second]);
  expect(runs).toBe(2);
  expect(await contents()).toEqual(['one']);
});

test('appends with the same source key in one group: one row, and both callers get it', async () => {
  const append = (content: string) =>
    stores().messages.append({ mindId: mind, role: 'user', content, sourceKey: 'telegram:42' });
  const blocker = stores().messages.append({ mindId: mind, role: 'user', content: 'blocker' });
  const [a, b] = await Promise.all([append('copy a'), append('copy b'), blocker]);
  expect(a.id).toBe(b.id);
  expect(a.content).toBe('copy a');
  expect(b.content).toBe('copy a');
  expect(await contents()).toEqual(['blocker', 'copy a']);
});

test('writes that go on after a merged INSERT still see the database as if run one after the other', async () => {
  const insert = (i: number) =>
    db.write(async (tx) => {
      await insertRows(
        tx,
        'conversation_messages',
        MESSAGE_CODEC.columns,
        [[`seq-${i}`, mind, 'user', `seq ${i}`, null, null, null, i, false, null]],
        SOURCE_KEY,
      );
      // What an earlier write did is visible; what a later one does is not yet.
      const [row] = await tx.all<{ n: number }>(
        "SELECT COUNT(*) AS n FROM conversation_messages WHERE id LIKE 'seq-%'",
      );
      return Number(row!.n);
    });
  const blocker = stores().messages.append({ mindId: mind, role: 'user', content: 'blocker' });
  const counts = await Promise.all(Array.from({ length: 8 }, (_, i) => insert(i)));
  await blocker;
  expect(counts).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
});

test('with maxWriteGroup 1 each write is its own transaction, with the same outcomes', async () => {
  const single = await SqlDatabase.open({ url: file, maxWriteGroup: 1 });
  try {
    const s = createSqlStores(single, new FakeClock());
    const good = Array.from({ length: 5 }, (_, i) =>
      s.messages.append({ mindId: mind, role: 'user', content: `s${i}` }),
    );
    const bad = insertRows(
      single,
      'conversation_messages',
      MESSAGE_CODEC.columns,
      [['bad-id', mind, 'user', null, null, null, null, 1, false, null]],
      SOURCE_KEY,
    );
    await expect(bad).rejects.toMatchObject({ code: 'QUERY_FAILED' });
    await Promise.all(good);
    expect(await contents()).toEqual(['s0', 's1', 's2', 's3', 's4']);
  } finally {
    await single.close();
  }
});

test('a group locked out by another connection is tried again as a whole, then every write commits', async () => {
  const other = await SqlDatabase.open({ url: file, busyTimeoutMs: 50, busyRetries: 6, busyBackoffMs: 50 });
  let release!: () => void;
  let locked!: () => void;
  const isLocked = new Promise<void>((r) => (locked = r));
  const holding = db.write(async (tx) => {
    await tx.run('UPDATE conversation_messages SET archived = archived WHERE 1 = 0');
    locked();
    await new Promise<void>((r) => (release = r));
  });
  try {
    await isLocked;
    const s = createSqlStores(other, new FakeClock());
    const pending = Array.from({ length: 10 }, (_, i) =>
      s.messages.append({ mindId: mind, role: 'user', content: `w${i}` }),
    );
    await new Promise((r) => setTimeout(r, 200));
    expect(await contents()).toEqual([]);
    release();
    await holding;
    await Promise.all(pending);
    expect(await contents()).toEqual(Array.from({ length: 10 }, (_, i) => `w${i}`));
  } finally {
    release?.();
    await other.close();
  }
});

test('merged appends whose writes go on with other tables commit without running again', async () => {
  const uow = new SqlUnitOfWork(db, new FakeClock());
  const runs = new Array(12).fill(0);
  const results = await Promise.all(
    Array.from({ length: 12 }, (_, i) =>
      uow.run(async (s) => {
        runs[i]++;
        const message = await s.messages.append({
          mindId: mind,
          role: 'user',
          content: `u${i}`,
          userEmail: 'ann@example.com',
        });
        const person = await s.relationships.recordInteraction(mind, 'ann@example.com', 1_000 + i);
        return { message, count: person.interactionCount };
      }),
    ),
  );
  // Run once each, and each saw the interactions of the writes before it, as if one after the other.
  expect(runs).toEqual(new Array(12).fill(1));
  expect(results.map((r) => r.count)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
  expect((await contents()).length).toBe(12);
});
