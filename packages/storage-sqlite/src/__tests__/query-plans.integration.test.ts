import { completeTask } from '@genesis/mind-core';
import type { SqlDatabase } from '../sql-database';
import { openPlannedDatabase, type PlannedDatabase } from './support/query-plans';
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
let planOf: PlannedDatabase['planOf'];
let plansOf: PlannedDatabase['plansOf'];
let s: TransactionStores;

beforeAll(async () => {
  ({ db, planOf, plansOf } = await openPlannedDatabase(target));
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
  ['a due batch after a position', () => s.concerns.due(mind, 5000, 10, { nextCheckAt: 10, id: 'x' })],
  ['wake (one set-based UPDATE)', () => s.concerns.wake(mind, 5000)],
])('concerns: %s uses idx_concerns_mind_status_next', async (_name, run) => {
  expectIndexed(await planOf(run), 'concerns', 'idx_concerns_mind_status_next');
});

test('concerns: count in a status searches a (mind_id, status, …) index', async () => {
  const plan = await planOf(() => s.concerns.count({ mindId: mind, status: 'active' }));
  expect(plan).toMatch(
    /SEARCH concerns USING (COVERING )?INDEX idx_concerns_mind_status_\w+ \(mind_id=\? AND status=\?\)/,
  );
  expect(plan).not.toMatch(/SCAN concerns/);
});

test('concerns: expire is one set-based UPDATE over idx_concerns_mind_status_expires', async () => {
  expectIndexed(await planOf(() => s.concerns.expire(mind, 5000)), 'concerns', 'idx_concerns_mind_status_expires');
});

test('concern fires: the hourly count of one user uses idx_concern_fires_mind_user_fired', async () => {
  for (const email of ['a@x.io', null]) {
    expectIndexed(
      await planOf(() => s.concerns.countFires(mind, email, 1000)),
      'concern_fires',
      'idx_concern_fires_mind_user_fired',
    );
  }
});

test('concern fires: the fires of some concerns are found by primary key', async () => {
  const plan = await planOf(() => s.concerns.fires(mind, ['c1', 'c2']));
  expect(plan).toMatch(
    /SEARCH concern_fires USING (COVERING )?INDEX sqlite_autoindex_concern_fires_1 \(concern_id=\?\)/,
  );
  expect(plan).not.toMatch(/SCAN concern_fires/);
});

describe('tasks', () => {
  const minds = Array.from({ length: 8 }, (_, i) => `GMD-2026-0000-${String(i).padStart(4, '0')}`);
  const now = Date.UTC(2026, 0, 1);

  beforeAll(async () => {
    for (let k = 0; k < 4; k++) {
      await s.tasks.enqueueMany(
        Array.from({ length: 500 }, (_, i) => ({
          mindId: minds[i % minds.length]!,
          type: `t${i % 5}`,
          runAt: now - 1000 + ((k * 500 + i) % 2000),
          priority: i % 3,
        })),
      );
    }
    await s.tasks.claim({ owner: 'w', now, leaseMs: 1000, limit: 300 });
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
    ['all of a mind', () => s.tasks.list({ mindId: mind, limit: 10, cursor }), 'idx_tasks_mind_run'],
    [
      'of a mind by type + status',
      () => s.tasks.list({ mindId: mind, type: 't1', status: 'running', limit: 10, cursor }),
      'idx_tasks_mind_type_status_run',
    ],
    ['counts of a mind', () => s.tasks.counts(mind), 'idx_tasks_mind_status_run'],
    ['count of a mind in a status', () => s.tasks.count({ mindId: mind, status: 'dead' }), 'idx_tasks_mind_status_run'],
  ])('tasks: %s', async (_name, run, index) => {
    expectIndexed(await planOf(run as () => Promise<unknown>), 'background_tasks', index as string);
  });

  /** The read that lets an idle claim skip its write transaction: on the claim's indexes, no scan. */
  function expectProbe(probe: { sql: string; plan: string }): void {
    expect(probe.sql).toMatch(/^SELECT CASE WHEN EXISTS/);
    expect(probe.plan).toMatch(/SEARCH background_tasks USING (COVERING )?INDEX idx_tasks_claim \(status=\?\)/);
    expect(probe.plan).toMatch(/SEARCH background_tasks USING (COVERING )?INDEX idx_tasks_status_lease/);
    expect(probe.plan).not.toMatch(/SCAN background_tasks/);
  }

  test.each([
    ['any mind and type', {}],
    ['the minds and types a daemon handles', { mindIds: minds.slice(0, 3), types: ['t0', 't1', 't2'] }],
  ])(
    'tasks: claim (%s) reads due tasks in claim order and expired leases by expiry, no table scan',
    async (_n, only) => {
      const [probe, bury, take, ...more] = await plansOf(() =>
        s.tasks.claim({ owner: 'w2', now: now + 5000, leaseMs: 1000, limit: 20, probeFirst: true, ...only }),
      );
      expect(more).toEqual([]);
      expectProbe(probe!);
      expect(bury!.sql).toMatch(/SET status = \?/);
      expectIndexed(bury!.plan, 'background_tasks', 'idx_tasks_status_lease');
      // One statement takes the batch: due pending tasks straight from idx_tasks_claim in claim order
      // (stopping at the batch size, no sort), expired leases through idx_tasks_status_lease (a sort of
      // those few), and the batch merged from at most 2 × limit rows.
      expect(take!.sql).toMatch(/UPDATE background_tasks SET status = \?, lease_token = .* RETURNING /);
      const due = take!.plan.slice(take!.plan.indexOf('CO-ROUTINE due'), take!.plan.indexOf('UNION ALL'));
      expect(due).toMatch(/SEARCH background_tasks USING (COVERING )?INDEX idx_tasks_claim \(status=\?\)/);
      expect(due).not.toMatch(/TEMP B-TREE/);
      const lost = take!.plan.slice(take!.plan.indexOf('CO-ROUTINE lost'));
      expect(lost).toMatch(
        /SEARCH background_tasks USING INDEX idx_tasks_status_lease \(status=\? AND lease_expires_at<\?\)/,
      );
      expect(take!.plan).toMatch(
        /SEARCH background_tasks USING (COVERING )?INDEX sqlite_autoindex_background_tasks_1 \(id=\?\)/,
      );
      expect(take!.plan).not.toMatch(/SCAN background_tasks/);
    },
  );

  test('tasks: a claim with per-Mind limits reads the due tasks of each Mind in claim order, no sort of them, no table scan', async () => {
    const perMind = Object.fromEntries(minds.slice(0, 4).map((m, i) => [m, i + 1]));
    const [probe, bury, take, ...more] = await plansOf(() =>
      s.tasks.claim({
        owner: 'w4',
        now: now + 5000,
        leaseMs: 1000,
        limit: 8,
        perMind,
        types: ['t0', 't1'],
        probeFirst: true,
      }),
    );
    expect(more).toEqual([]);
    expectProbe(probe!);
    expectIndexed(bury!.plan, 'background_tasks', 'idx_tasks_status_lease');
    expect(take!.sql).toMatch(/UPDATE background_tasks SET status = \?, lease_token = .* RETURNING /);
    // One search of idx_tasks_mind_pending per Mind, read in claim order and stopped at its limit: no
    // sort between the search and the LIMIT (the few rows found are sorted after, to merge them).
    for (let j = 0; j < 4; j++) {
      expect(take!.plan).toContain(
        `CO-ROUTINE due${j}\nSEARCH background_tasks USING INDEX idx_tasks_mind_pending (mind_id=?)\nSCAN due${j}\n`,
      );
    }
    expect(take!.plan).toMatch(
      /SEARCH background_tasks USING INDEX idx_tasks_status_lease \(status=\? AND lease_expires_at<\?\)/,
    );
    expect(take!.plan).toMatch(
      /SEARCH background_tasks USING (COVERING )?INDEX sqlite_autoindex_background_tasks_1 \(id=\?\)/,
    );
    expect(take!.plan).not.toMatch(/SCAN background_tasks/);
  });

  test('tasks: the writes of a running attempt find their tasks by primary key', async () => {
    const claimed = await s.tasks.claim({ owner: 'w3', now: now + 9000, leaseMs: 1000, limit: 3 });
    const [a, b, c] = claimed.map((t) => ({ id: t.id, token: t.leaseToken! }));
    const writes = await plansOf(async () => {
      await s.tasks.heartbeat(a!, now + 9001, 1000);
      await s.tasks.progress(a!, { step: 1 }, now + 9001);
      await completeTask(s.tasks, a!, null, now + 9002);
      await s.tasks.completeMany(
        [
          { lease: b!, result: 1 },
          { lease: c!, result: 2 },
        ],
        now + 9002,
      );
    });
    expect(writes).toHaveLength(4);
    for (const { plan } of writes) {
      expect(plan).toMatch(
        /^SEARCH background_tasks USING (COVERING )?INDEX sqlite_autoindex_background_tasks_1 \(id=\?\)$/,
      );
    }
  });

  test('tasks: retention finds finished tasks through a status index', async () => {
    const plan = await planOf(() => s.tasks.deleteFinishedBefore(0));
    expect(plan).toMatch(/SEARCH background_tasks USING (COVERING )?INDEX idx_tasks_\w+ \(status=\?\)/);
    expect(plan).not.toMatch(/SCAN background_tasks/);
  });
});
