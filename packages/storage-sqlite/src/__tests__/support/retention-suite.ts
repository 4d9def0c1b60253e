import type { TransactionStores } from '@genesis/mind-core';
import { FakeClock } from '@genesis/mind-core/testing';
import { RetentionRepository } from '../../repositories/retention.repository';
import { SqlDatabase } from '../../sql-database';
import { createSqlStores } from '../../sql-stores';
import type { TestTarget } from './targets';

const A = 'GMD-2026-AAAA-0001';
const B = 'GMD-2026-BBBB-0002';

/** The retention repository on one database: exactly the rows a policy names go, in bounded batches. */
export function defineRetentionSuite(target: TestTarget): void {
  describe(`RetentionRepository on ${target.name}`, () => {
    let db: SqlDatabase;
    let s: TransactionStores;
    let r: RetentionRepository;
    const clock = new FakeClock(1_000_000);

    beforeAll(async () => {
      db = await SqlDatabase.open({ url: await target.create() });
      await db.migrate();
    });
    afterAll(async () => {
      await db.close();
      await target.cleanup();
    });
    beforeEach(async () => {
      for (const table of [
        'conversation_messages',
        'concerns',
        'background_tasks',
        'schedule_fires',
        'schedules',
        'concern_fires',
      ])
        await db.run(`DELETE FROM ${table}`);
      s = createSqlStores(db, clock);
      r = new RetentionRepository(db);
    });

    async function messages(mindId: string, n: number, from = 1000): Promise<string[]> {
      await s.messages.appendMany(
        Array.from({ length: n }, (_, i) => ({ mindId, role: 'user' as const, content: `m${i}`, createdAt: from + i })),
      );
      const page = await s.messages.list({ mindId, limit: 1000, order: 'asc', includeArchived: true });
      return page.items.map((m) => m.id);
    }

    test('messages: newest kept, oldest first across archived and not, counts and deletes by id', async () => {
      const ids = await messages(A, 30);
      await messages(B, 5);
      // The oldest 10 are soft-archived: retention sees both kinds, in one order.
      expect(await s.messages.archiveBefore(A, 1010)).toBe(10);

      expect(await r.newestKept(A, 30)).toBeNull();
      expect(await r.newestKept(A, 31)).toBeNull();
      expect(await r.newestKept(A, 10)).toEqual({ createdAt: 1020, id: ids[20] });
      expect(await r.newestKept(A, 25)).toEqual({ createdAt: 1005, id: ids[5] });

      const until = { createdAt: 1015, id: '' };
      expect(await r.countMessagesBefore(A, until)).toBe(15);
      const first = await r.oldestMessages(A, { until }, 7);
      expect(first.map((m) => m.createdAt)).toEqual([1000, 1001, 1002, 1003, 1004, 1005, 1006]);
      const next = await r.oldestMessages(A, { until, after: first[6]! }, 7);
      expect(next.map((m) => m.createdAt)).toEqual([1007, 1008, 1009, 1010, 1011, 1012, 1013]);
      expect(next.map((m) => m.archived)).toEqual([true, true, true, false, false, false, false]);

      expect(
        await r.deleteMessages(
          A,
          [...first, ...next].map((m) => m.id),
        ),
      ).toBe(14);
      expect(await r.deleteMessages(B, [ids[20]!])).toBe(0); // another Mind's ids never go
      expect(await s.messages.count({ mindId: A, includeArchived: true })).toBe(16);
      expect(await s.messages.count({ mindId: B, includeArchived: true })).toBe(5);
      expect((await r.oldestMessages(A, { until }, 100)).map((m) => m.createdAt)).toEqual([1014]);
    });

    test('newestKept walks past its step size (ties on createdAt broken by id)', async () => {
      await s.messages.appendMany(
        Array.from({ length: 4500 }, (_, i) => ({
          mindId: A,
          role: 'user' as const,
          content: 'x',
          createdAt: 1000 + Math.floor(i / 3),
        })),
      );
      await s.messages.archiveBefore(A, 1200);
      const all = (await s.messages.list({ mindId: A, limit: 1000, order: 'desc', includeArchived: true })).items;
      expect(await r.newestKept(A, 1000)).toEqual({ createdAt: all[999]!.createdAt, id: all[999]!.id });
      const kept = await r.newestKept(A, 4000);
      expect(await r.countMessagesBefore(A, kept!)).toBe(500);
    });

    test('closed concerns by last change, in batches; active and snoozed ones stay', async () => {
      const statuses = ['active', 'snoozed', 'resolved', 'dismissed', 'expired'] as const;
      for (let i = 0; i < 25; i++) {
        const c = await s.concerns.insert({
          mindId: i < 20 ? A : B,
          concernType: 'personal',
          description: `c${i}`,
          nextCheckAt: 5000 - i,
          status: statuses[i % 5]!,
        });
        await db.run('UPDATE concerns SET updated_at = ? WHERE id = ?', [i % 2 === 0 ? 100 : 900_000, c.id]);
      }
      // A: closed (i%5 >= 2) and old (even i): i = 2, 4, 8, 12, 14, 18 → 6.
      expect(await r.countClosedConcerns(A, 500_000)).toBe(6);
      let removed = 0;
      let cursor: string | null = null;
      let calls = 0;
      do {
        const batch = await r.deleteClosedConcerns(A, 500_000, 2, cursor);
        expect(batch.removed).toBeLessThanOrEqual(2);
        removed += batch.removed;
        cursor = batch.cursor;
        calls++;
      } while (cursor !== null && calls < 100);
      expect(removed).toBe(6);
      expect(await r.countClosedConcerns(A, 500_000)).toBe(0);
      expect(await s.concerns.count({ mindId: A })).toBe(14);
      expect(await s.concerns.count({ mindId: A, status: ['active', 'snoozed'] })).toBe(8);
      expect(await s.concerns.count({ mindId: B })).toBe(5);
    });

    test('finished tasks by finish time; pending, running and failed ones stay', async () => {
      const statuses = ['pending', 'running', 'failed', 'succeeded', 'dead', 'cancelled'] as const;
      for (let i = 0; i < 12; i++) {
        const { task } = await s.tasks.enqueue({ mindId: A, type: 'echo', runAt: 1000 + i });
        await db.run('UPDATE background_tasks SET status = ?, finished_at = ? WHERE id = ?', [
          statuses[i % 6],
          i < 6 ? 100 : 900_000,
          task.id,
        ]);
      }
      await s.tasks.enqueue({ mindId: B, type: 'echo' });
      expect(await r.countFinishedTasks(A, 500_000)).toBe(3);
      let removed = 0;
      let cursor: string | null = null;
      do {
        const batch = await r.deleteFinishedTasks(A, 500_000, 1, cursor);
        removed += batch.removed;
        cursor = batch.cursor;
      } while (cursor !== null);
      expect(removed).toBe(3);
      const left = await s.tasks.counts(A);
      expect(left).toMatchObject({ pending: 2, running: 2, failed: 2, succeeded: 1, dead: 1, cancelled: 1 });
      expect(await s.tasks.count({ mindId: B })).toBe(1);
    });

    test('concern fires and schedule fires of one Mind, and of the daemon', async () => {
      for (let i = 0; i < 7; i++) {
        await s.concerns.recordFire({
          concernId: `c-${i}`,
          mindId: i < 5 ? A : B,
          userEmail: i % 2 ? 'u@x.io' : null,
          checkAt: 10 + i,
          firedAt: i < 3 ? 100 : 900_000,
          taskId: null,
        });
      }
      expect(await r.countConcernFires(A, 500_000)).toBe(3);
      let batch = await r.deleteConcernFires(A, 500_000, 2);
      expect(batch).toEqual({ removed: 2, cursor: expect.any(String) });
      batch = await r.deleteConcernFires(A, 500_000, 2, batch.cursor);
      expect(batch).toEqual({ removed: 1, cursor: null });
      expect(await r.countConcernFires(A, 1e12)).toBe(2);
      expect(await r.countConcernFires(B, 1e12)).toBe(2);

      const mine = await s.schedules.upsert({
        mindId: A,
        name: 'a',
        cron: '0 0 * * * *',
        type: 'echo',
        timezone: 'UTC',
        payload: null,
        enabled: true,
        nextRunAt: 0,
      });
      const mine2 = await s.schedules.upsert({
        mindId: A,
        name: 'b',
        cron: '0 0 * * * *',
        type: 'echo',
        timezone: 'UTC',
        payload: null,
        enabled: true,
        nextRunAt: 0,
      });
      const daemon = await s.schedules.upsert({
        mindId: null,
        name: 'd',
        cron: '0 0 * * * *',
        type: 'echo',
        timezone: 'UTC',
        payload: null,
        enabled: true,
        nextRunAt: 0,
      });
      for (const schedule of [mine, mine2, daemon])
        for (let slot = 1; slot <= 5; slot++) await s.schedules.fireSlot(schedule.id, slot * 1000, slot * 1000 + 1, 0);
      expect(await r.countScheduleFires(A, 3500)).toBe(6);
      expect(await r.countScheduleFires(null, 3500)).toBe(3);
      let removed = 0;
      let cursor: string | null = null;
      do {
        const b = await r.deleteScheduleFires(A, 3500, 2, cursor);
        removed += b.removed;
        cursor = b.cursor;
      } while (cursor !== null);
      expect(removed).toBe(6);
      expect(await r.countScheduleFires(A, 1e12)).toBe(4);
      expect(await r.countScheduleFires(null, 1e12)).toBe(5);
      expect((await r.deleteScheduleFires(null, 3500, 10)).removed).toBe(3);
      expect(await r.countScheduleFires(null, 1e12)).toBe(2);
    });
  });
}
