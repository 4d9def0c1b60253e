import { SqlDatabase } from '../sql-database';
import type { TransactionStores } from '@genesis/mind-core';
import { createSqlStores } from '../sql-stores';
import { FakeClock } from '@genesis/mind-core/testing';
import { sqliteTarget } from './support/targets';

/**
 * Every hot query of the stores is planned by SQLite as an index search: no full table scan and no
 * temporary B-tree to sort. The SQL is captured from the stores themselves, so a change to a query
 * or an index that loses the plan fails here.
 */
const target = sqliteTarget();
const mind = 'GMD-2026-4A7F-9B23';
let db: SqlDatabase;
let s: TransactionStores;
let captured: Array<{ sql: string; params: unknown[] }> = [];

beforeAll(async () => {
  db = await SqlDatabase.open({
    url: await target.create(),
    onQuery: (sql, params) => captured.push({ sql, params: [...params] }),
  });
  await db.migrate();
  s = createSqlStores(db, new FakeClock());
  await s.messages.appendMany(
    Array.from({ length: 2000 }, (_, i) => ({
      mindId: `GMD-2026-0000-${String(i % 20).padStart(4, '0')}`,
      role: 'user' as const,
      content: `m${i}`,
      userEmail: `u${i % 7}@x.io`,
      createdAt: i,
    })),
  );
});
afterAll(async () => {
  await db.close();
  await target.cleanup();
});

async function planOf(run: () => Promise<unknown>): Promise<string> {
  captured = [];
  await run();
  expect(captured).toHaveLength(1);
  const { sql, params } = captured[0]!;
  return (await db.explain(sql, params)).join('\n');
}

function expectIndexed(plan: string, table: string, index: string): void {
  expect(plan).toMatch(new RegExp(`SEARCH ${table} USING (COVERING )?INDEX ${index}`));
  expect(plan).not.toMatch(new RegExp(`SCAN ${table}`));
  expect(plan).not.toMatch(/USE TEMP B-TREE/);
}

const cursor = Buffer.from(JSON.stringify([1000, 'zzz'])).toString('base64url');

test.each([
  ['newest-first page', () => s.messages.list({ mindId: mind, limit: 10 })],
  ['next page by cursor', () => s.messages.list({ mindId: mind, limit: 10, cursor })],
  ['time range', () => s.messages.list({ mindId: mind, since: 10, until: 500, limit: 10 })],
  ['count by mind', () => s.messages.count({ mindId: mind })],
])('messages: %s uses idx_messages_mind_created', async (_name, run) => {
  expectIndexed(await planOf(run), 'conversation_messages', 'idx_messages_mind_created');
});

test.each([
  ['page by user', () => s.messages.list({ mindId: mind, userEmail: 'u1@x.io', limit: 10, cursor })],
  ['count by user', () => s.messages.count({ mindId: mind, userEmail: 'u1@x.io' })],
])('messages: %s uses idx_messages_mind_user_created', async (_name, run) => {
  expectIndexed(await planOf(run), 'conversation_messages', 'idx_messages_mind_user_created');
});

test.each([
  ['due concerns', () => s.concerns.due(mind, 5000, 10), 'idx_concerns_mind_status_next'],
  [
    'status + follow-up window',
    () => s.concerns.list({ mindId: mind, status: 'active', dueAfter: 1, dueBefore: 9, limit: 10, cursor }),
    'idx_concerns_mind_status_next',
  ],
  ['by user', () => s.concerns.list({ mindId: mind, userEmail: 'a@x.io', limit: 10 }), 'idx_concerns_mind_user_next'],
  ['all of a mind', () => s.concerns.list({ mindId: mind, limit: 10, cursor }), 'idx_concerns_mind_next'],
])('concerns: %s', async (_name, run, index) => {
  expectIndexed(await planOf(run as () => Promise<unknown>), 'concerns', index as string);
});

test.each([
  [
    'by status + run_at',
    () => s.tasks.list({ status: 'pending', runBefore: 100, limit: 10, cursor }),
    'idx_tasks_status_run',
  ],
  [
    'of a mind by status + run_at',
    () => s.tasks.list({ status: 'pending', mindId: mind, limit: 10 }),
    'idx_tasks_mind_status_run',
  ],
])('tasks: %s', async (_name, run, index) => {
  expectIndexed(await planOf(run as () => Promise<unknown>), 'background_tasks', index as string);
});
