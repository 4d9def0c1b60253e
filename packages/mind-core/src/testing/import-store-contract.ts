import type { StoredConcern } from '../ports/concern-store';
import type { StoredTask } from '../ports/task-store';
import { MIND, OTHER, storesOf } from './store-contract-support';
import type { StoreContractTarget } from './store-contract-support';

const T0 = Date.UTC(2025, 2, 1, 8);

/** A whole task row as an import brings it (times, attempts and status of its own). */
function taskRow(n: number, patch: Partial<StoredTask> = {}): StoredTask {
  return {
    id: `0195a000-0000-7000-8000-${String(n).padStart(12, '0')}`,
    mindId: MIND,
    type: 'imported',
    payload: { n, text: 'ünïcødé 🌱' },
    status: 'succeeded',
    priority: 0,
    runAt: T0 + n * 1000,
    attempts: 1,
    maxAttempts: 3,
    leaseOwner: null,
    leaseToken: null,
    leaseExpiresAt: null,
    timeoutMs: null,
    progress: 1,
    lastError: null,
    result: { summary: `done ${n}` },
    idempotencyKey: `key-${n}`,
    createdAt: T0 + n * 1000,
    updatedAt: T0 + n * 1000 + 500,
    finishedAt: T0 + n * 1000 + 500,
    ...patch,
  };
}

/** A whole concern row as an import brings it. */
function concernRow(n: number, patch: Partial<StoredConcern> = {}): StoredConcern {
  return {
    id: `0195a000-0000-5000-8000-${String(n).padStart(12, '0')}`,
    mindId: MIND,
    userEmail: n % 2 ? 'ann@example.com' : null,
    concernType: 'health',
    description: `knee ${n} — ünïcødé`,
    severity: 0.75,
    urgency: 'high',
    status: 'resolved',
    nextCheckAt: T0 + n * 60_000,
    followUpCount: n,
    lastCheckedAt: T0 + n * 30_000,
    resolvedAt: T0 + n * 60_000,
    expiresAt: null,
    memoryId: null,
    metadata: { legacy: { table: 'concerns', id: `concern_${n}` } },
    createdAt: T0,
    updatedAt: T0 + n * 60_000,
    ...patch,
  };
}

/**
 * `importMany` of the task and concern stores: whole rows kept as given, each stored once (by id,
 * and tasks by (mind, idempotency key) too), all checked before anything is written. Run it on the
 * in-memory stores, SQLite and PostgreSQL.
 */
export function defineImportStoreContract(target: StoreContractTarget): void {
  const withStores = storesOf(target);

  describe(`import store contract (${target.name})`, () => {
    it(
      'tasks: rows keep status, attempts, result and times; a second import stores nothing',
      withStores(async ({ s }) => {
        const rows = [
          taskRow(1),
          taskRow(2, { status: 'dead', lastError: 'Timeout after 300s', result: null, progress: 0.5, attempts: 3 }),
          taskRow(3, {
            status: 'failed',
            lastError: 'imported: was running',
            finishedAt: null,
            result: null,
            payload: null,
            idempotencyKey: null,
          }),
          taskRow(4, { mindId: OTHER }),
        ];
        expect(await s.tasks.importMany(rows)).toEqual({ inserted: 4, skipped: 0 });
        for (const row of rows) expect(await s.tasks.get(row.id)).toEqual(row);
        expect(await s.tasks.importMany(rows)).toEqual({ inserted: 0, skipped: 4 });
        // Same (mind, key) under another id: there already.
        expect(await s.tasks.importMany([taskRow(9, { idempotencyKey: 'key-1' })])).toEqual({
          inserted: 0,
          skipped: 1,
        });
        expect(await s.tasks.get(taskRow(9).id)).toBeNull();
        expect(await s.tasks.count({ mindId: MIND })).toBe(3);
        // Enqueueing the key of an imported task answers with it.
        const again = await s.tasks.enqueue({ mindId: MIND, type: 'imported', idempotencyKey: 'key-2' });
        expect(again).toEqual({ task: rows[1], created: false });
      }),
    );

    it(
      'tasks: an imported failed task is never claimed until retried, then runs',
      withStores(async ({ s, clock }) => {
        const row = taskRow(5, { status: 'failed', finishedAt: null, lastError: 'was running', result: null });
        await s.tasks.importMany([row]);
        const claim = { owner: 'w', now: clock.now(), leaseMs: 60_000, limit: 10 };
        expect(await s.tasks.claim(claim)).toEqual([]);
        const retried = await s.tasks.retry(row.id, clock.now());
        expect(retried).toMatchObject({ status: 'pending', attempts: 0 });
        expect((await s.tasks.claim(claim)).map((t) => t.id)).toEqual([row.id]);
      }),
    );

    it(
      'tasks: one invalid row and nothing is written; a running row needs a lease expiry',
      withStores(async ({ s }) => {
        await expect(s.tasks.importMany([taskRow(1), taskRow(2, { status: 'nope' as never })])).rejects.toMatchObject({
          code: 'INVALID_INPUT',
          field: 'status',
        });
        await expect(s.tasks.importMany([taskRow(1), taskRow(2, { createdAt: -1 })])).rejects.toMatchObject({
          code: 'INVALID_INPUT',
        });
        await expect(s.tasks.importMany([taskRow(3, { status: 'running' })])).rejects.toMatchObject({
          code: 'INVALID_INPUT',
          field: 'leaseExpiresAt',
        });
        expect(await s.tasks.count({})).toBe(0);
        expect(await s.tasks.importMany([])).toEqual({ inserted: 0, skipped: 0 });
      }),
    );

    it(
      'concerns: rows keep status, check count and times; a second import stores nothing',
      withStores(async ({ s }) => {
        const rows = [
          concernRow(1),
          concernRow(2, { status: 'active', resolvedAt: null, lastCheckedAt: null, followUpCount: 0 }),
          concernRow(3, { status: 'snoozed', resolvedAt: null, urgency: 'low', severity: 0.125 }),
          concernRow(4, { mindId: OTHER }),
        ];
        expect(await s.concerns.importMany(rows)).toEqual({ inserted: 4, skipped: 0 });
        for (const row of rows) expect(await s.concerns.get(row.mindId, row.id)).toEqual(row);
        expect(await s.concerns.importMany([rows[0]!, concernRow(5)])).toEqual({ inserted: 1, skipped: 1 });
        expect(await s.concerns.count({ mindId: MIND })).toBe(4);
        expect((await s.concerns.due(MIND, T0 + 10 * 60_000, 10)).map((c) => c.id)).toEqual([rows[1]!.id]);
      }),
    );

    it(
      'concerns: one invalid row and nothing is written; a unit of work that fails keeps none',
      withStores(async ({ s, unitOfWork }) => {
        await expect(
          s.concerns.importMany([concernRow(1), concernRow(2, { concernType: 'weather' as never })]),
        ).rejects.toMatchObject({ code: 'INVALID_INPUT', field: 'concernType' });
        await expect(
          s.concerns.importMany([concernRow(1), concernRow(2, { followUpCount: -1 })]),
        ).rejects.toMatchObject({ code: 'INVALID_INPUT', field: 'followUpCount' });
        await expect(
          unitOfWork.run(async (tx) => {
            await tx.concerns.importMany([concernRow(1)]);
            await tx.tasks.importMany([taskRow(1)]);
            throw new Error('stop');
          }),
        ).rejects.toThrow('stop');
        expect(await s.concerns.count({ mindId: MIND })).toBe(0);
        expect(await s.tasks.count({})).toBe(0);
      }),
    );
  });
}
