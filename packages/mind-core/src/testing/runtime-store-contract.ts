import type { LeaseClaim } from '../ports/mind-lease-store';
import type { Page } from '../ports/page';
import type { ScheduleInput, StoredSchedule } from '../ports/schedule-store';
import type { StoredTask } from '../ports/task-store';
import type { FakeClock } from './fake-clock';
import { allPages, keysetOrder, MIND, OTHER, storesOf } from './store-contract-support';
import type { StoreContractTarget } from './store-contract-support';

const MINUTE = 60_000;
const LEASE = 30_000;

/** A schedule of MIND due in a minute; `over` changes any field. */
const daily = (clock: FakeClock, over: Partial<ScheduleInput> = {}): ScheduleInput => ({
  mindId: MIND,
  name: 'daily',
  cron: '0 9 * * *',
  timezone: 'Europe/Oslo',
  type: 'reflect',
  payload: { depth: 2 },
  nextRunAt: clock.now() + MINUTE,
  ...over,
});

const claimOf = (ownerId: string, mindId = MIND): LeaseClaim => ({
  mindId,
  ownerId,
  host: `host-${ownerId}`,
  pid: 1000 + ownerId.length,
});

/** Schedule ids in the order the port promises: (nextRunAt, id) ascending. */
const byNextRun = (rows: StoredSchedule[]): string[] =>
  keysetOrder(
    rows,
    (r) => r.nextRunAt,
    (r) => r.id,
    'asc',
  );

/**
 * The behaviour every implementation of the runtime's SQL-tier ports (schedules with their fire
 * slots, Mind leases) must have, including how they take part in a unit of work and in a Mind's
 * removal: run it on the in-memory stores, SQLite and PostgreSQL. Uses jest's `describe`/`it`/`expect`.
 * Of the task port: claims with per-Mind limits (the rest of it is in the store contract).
 */
export function defineRuntimeStoreContract(target: StoreContractTarget): void {
  const withStores = storesOf(target);

  describe(`runtime store contract (${target.name})`, () => {
    describe('schedules', () => {
      it(
        'upserts by (mindId, name) keeping id, createdAt and lastSlotAt, apart for each Mind and the daemon',
        withStores(async ({ s, clock }) => {
          const t0 = clock.now();
          const input = daily(clock);
          const created = await s.schedules.upsert(input);
          expect(created).toEqual({
            id: expect.any(String),
            ...input,
            enabled: true,
            lastSlotAt: null,
            createdAt: t0,
            updatedAt: t0,
          });
          expect(await s.schedules.get(MIND, 'daily')).toEqual(created);
          expect(await s.schedules.fireSlot(created.id, t0 + MINUTE, t0 + 2 * MINUTE, t0 + MINUTE)).toBe(true);

          clock.advance(5);
          const changes = {
            cron: '*/5 * * * *',
            timezone: 'UTC',
            type: 'dream',
            enabled: false,
            nextRunAt: t0 + 300_000,
          };
          const replaced = await s.schedules.upsert(daily(clock, { ...changes, payload: undefined }));
          // Every field is replaced (a payload left out becomes null), but id, createdAt and lastSlotAt.
          expect(replaced).toEqual({
            ...created,
            ...changes,
            payload: null,
            lastSlotAt: t0 + MINUTE,
            updatedAt: t0 + 5,
          });

          // The daemon's own schedules (mindId null) and another Mind's are apart, and unique per name too.
          const own = await s.schedules.upsert(daily(clock, { mindId: null, type: 'retention.apply' }));
          const ownAgain = await s.schedules.upsert(
            daily(clock, { mindId: null, type: 'retention.apply', enabled: false }),
          );
          const other = await s.schedules.upsert(daily(clock, { mindId: OTHER }));
          expect(own.mindId).toBeNull();
          expect(ownAgain).toEqual({ ...own, enabled: false });
          expect(new Set([created.id, own.id, other.id]).size).toBe(3);
          expect(await s.schedules.get(null, 'daily')).toEqual(ownAgain);
          expect(await s.schedules.get(OTHER, 'daily')).toEqual(other);
          expect(await s.schedules.get(MIND, 'weekly')).toBeNull();
          expect(await s.schedules.get('GMD-2026-0000-9999', 'daily')).toBeNull();

          // Handed-out rows are copies.
          (other.payload as { depth: number }).depth = 99;
          expect((await s.schedules.get(OTHER, 'daily'))?.payload).toEqual({ depth: 2 });

          expect(await s.schedules.remove(MIND, 'daily')).toBe(true);
          expect(await s.schedules.remove(MIND, 'daily')).toBe(false);
          expect(await s.schedules.get(MIND, 'daily')).toBeNull();
          expect(await s.schedules.get(null, 'daily')).not.toBeNull();
          expect(await s.schedules.remove(null, 'daily')).toBe(true);
          expect(await s.schedules.get(null, 'daily')).toBeNull();
          expect(await s.schedules.get(OTHER, 'daily')).not.toBeNull();
          // A schedule made again under a removed name is a new one.
          const again = await s.schedules.upsert(daily(clock));
          expect(again.id).not.toBe(created.id);
          expect(again.lastSlotAt).toBeNull();
        }),
      );

      it(
        'rejects bad input with clear errors, writing nothing',
        withStores(async ({ s, clock }) => {
          const refused = async (over: Partial<ScheduleInput>, field: RegExp) =>
            expect(s.schedules.upsert(daily(clock, over))).rejects.toThrow(field);
          await refused({ name: '' }, /name/);
          await refused({ name: 'n'.repeat(101) }, /name must be at most 100/);
          await refused({ cron: ' ' }, /cron/);
          await refused({ cron: '*'.repeat(201) }, /cron must be at most 200/);
          await refused({ timezone: '' }, /timezone/);
          await refused({ type: '' }, /type/);
          await refused({ type: 't'.repeat(101) }, /type must be at most 100/);
          await refused({ payload: { at: new Map() } }, /payload/);
          await refused({ payload: 'x'.repeat(1024 * 1024) }, /payload/);
          await refused({ nextRunAt: -1 }, /nextRunAt/);
          await refused({ nextRunAt: 1.5 }, /nextRunAt/);
          await refused({ mindId: '' }, /mindId/);
          expect(await s.schedules.list({ limit: 10 })).toEqual({ items: [], nextCursor: null });
          // Exactly 1 MB of JSON is still accepted.
          const big = await s.schedules.upsert(daily(clock, { payload: 'x'.repeat(1024 * 1024 - 2) }));
          expect((big.payload as string).length).toBe(1024 * 1024 - 2);
          await expect(s.schedules.list({ limit: 0 })).rejects.toThrow(/limit must be an integer from 1 to 1000/);
          await expect(s.schedules.list({ limit: 5, cursor: 'garbage' })).rejects.toMatchObject({
            name: 'GenesisError',
            code: 'INVALID_CURSOR',
            field: 'cursor',
          });
          await expect(s.schedules.due(clock.now(), 0)).rejects.toThrow(/limit/);
          await expect(s.schedules.due(-1, 10)).rejects.toThrow(/now/);
          await expect(s.schedules.fireSlot(big.id, -1, 1, 1)).rejects.toThrow(/slotAt/);
          await expect(s.schedules.fireSlot(big.id, 1, Number.NaN, 1)).rejects.toThrow(/nextRunAt/);
          expect(await s.schedules.get(MIND, 'daily')).toEqual(big);
        }),
      );

      it(
        'lists by (nextRunAt, id), of one Mind, of the daemon or all, keeping ties across a page edge',
        withStores(async ({ s, clock }) => {
          const at = clock.now() + MINUTE;
          const mine = [await s.schedules.upsert(daily(clock, { name: 'before', nextRunAt: at - 1 }))];
          for (const i of [1, 2, 3, 4, 5])
            mine.push(await s.schedules.upsert(daily(clock, { name: `tie${i}`, nextRunAt: at })));
          mine.push(await s.schedules.upsert(daily(clock, { name: 'after', nextRunAt: at + 1 })));
          const other = await s.schedules.upsert(daily(clock, { mindId: OTHER, name: 'tie1', nextRunAt: at }));
          const own = await s.schedules.upsert(daily(clock, { mindId: null, name: 'tie1', nextRunAt: at }));

          const pages = async (fetch: (cursor: string | null) => Promise<Page<StoredSchedule>>) => {
            const { items, pages: count } = await allPages(fetch);
            return { ids: items.map((i) => i.id), count };
          };
          // 7 rows in pages of 3: the five ties straddle both page edges.
          const ofMind = await pages((cursor) => s.schedules.list({ mindId: MIND, limit: 3, cursor }));
          expect(ofMind).toEqual({ ids: byNextRun(mine), count: 3 });
          const all = await pages((cursor) => s.schedules.list({ limit: 4, cursor }));
          expect(all).toEqual({ ids: byNextRun([...mine, other, own]), count: 3 });
          expect((await s.schedules.list({ mindId: null, limit: 10 })).items).toEqual([own]);
          expect((await s.schedules.list({ mindId: OTHER, limit: 10 })).items).toEqual([other]);
          expect(await s.schedules.list({ mindId: 'GMD-2026-0000-9999', limit: 10 })).toEqual({
            items: [],
            nextCursor: null,
          });
        }),
      );

      it(
        "finds due schedules: enabled, nextRunAt <= now, soonest first, of the given Minds and the daemon's",
        withStores(async ({ s, clock }) => {
          const now = clock.now();
          const a = await s.schedules.upsert(daily(clock, { name: 'a', nextRunAt: now - 10 }));
          const b = await s.schedules.upsert(daily(clock, { name: 'b', nextRunAt: now }));
          await s.schedules.upsert(daily(clock, { name: 'later', nextRunAt: now + 1 }));
          await s.schedules.upsert(daily(clock, { name: 'off', nextRunAt: now - 20, enabled: false }));
          const other = await s.schedules.upsert(daily(clock, { mindId: OTHER, nextRunAt: now - 30 }));
          const own = await s.schedules.upsert(daily(clock, { mindId: null, nextRunAt: now - 5 }));
          const ids = (rows: StoredSchedule[]) => rows.map((r) => r.id);

          expect(await s.schedules.due(now, 10)).toEqual([other, a, own, b]);
          expect(ids(await s.schedules.due(now, 2))).toEqual([other.id, a.id]);
          expect(ids(await s.schedules.due(now, 10, [MIND]))).toEqual([a.id, own.id, b.id]);
          expect(ids(await s.schedules.due(now, 10, [OTHER, 'GMD-2026-0000-9999']))).toEqual([other.id, own.id]);
          expect(ids(await s.schedules.due(now, 10, []))).toEqual([own.id]);
          expect(ids(await s.schedules.due(now - 11, 10))).toEqual([other.id]);
          // Enabling it again makes a disabled schedule due.
          await s.schedules.upsert(daily(clock, { name: 'off', nextRunAt: now - 20 }));
          expect((await s.schedules.due(now, 10, [MIND])).map((r) => r.name)).toEqual(['off', 'a', 'daily', 'b']);
        }),
      );

      it(
        'fires each slot once and moves the schedule to its next slot',
        withStores(async ({ s, clock }) => {
          const schedule = await s.schedules.upsert(daily(clock));
          const slot1 = schedule.nextRunAt;
          const [slot2, slot3] = [slot1 + MINUTE, slot1 + 2 * MINUTE];
          clock.set(slot1 + 7);
          expect(await s.schedules.fireSlot(schedule.id, slot1, slot2, clock.now())).toBe(true);
          const fired = { ...schedule, lastSlotAt: slot1, nextRunAt: slot2 };
          expect(await s.schedules.get(MIND, 'daily')).toEqual(fired);
          // The same slot again (another daemon, a restart): refused, nothing written.
          expect(await s.schedules.fireSlot(schedule.id, slot1, slot3, clock.now())).toBe(false);
          expect(await s.schedules.get(MIND, 'daily')).toEqual(fired);
          expect(await s.schedules.due(clock.now(), 10)).toEqual([]);
          clock.set(slot2);
          expect(await s.schedules.due(clock.now(), 10)).toEqual([fired]);
          expect(await s.schedules.fireSlot(schedule.id, slot2, slot3, clock.now())).toBe(true);
          expect(await s.schedules.get(MIND, 'daily')).toMatchObject({ lastSlotAt: slot2, nextRunAt: slot3 });
          // A slot of a schedule that does not exist (removed meanwhile) never fires.
          expect(await s.schedules.fireSlot('00000000-0000-0000-0000-000000000000', slot1, slot2, clock.now())).toBe(
            false,
          );
          // Upserting keeps the slots already fired.
          await s.schedules.upsert(daily(clock, { nextRunAt: slot1 }));
          expect(await s.schedules.fireSlot(schedule.id, slot1, slot3, clock.now())).toBe(false);
        }),
      );

      it(
        'two units of work racing on one slot enqueue exactly one task',
        withStores(async ({ s, unitOfWork, clock }) => {
          const schedule = await s.schedules.upsert(daily(clock));
          const slot = schedule.nextRunAt;
          const key = `schedule:${schedule.id}:${slot}`;
          clock.set(slot);
          const fire = () =>
            unitOfWork.run(async (tx) => {
              if (!(await tx.schedules.fireSlot(schedule.id, slot, slot + MINUTE, clock.now()))) return null;
              return (await tx.tasks.enqueue({ mindId: MIND, type: schedule.type, idempotencyKey: key })).task.id;
            });
          const results = await Promise.all([fire(), fire(), fire(), fire()]);
          const winners = results.filter((id): id is string => id !== null);
          expect(winners).toHaveLength(1);
          const again = await s.tasks.enqueue({ mindId: MIND, type: schedule.type, idempotencyKey: key });
          expect(again.created).toBe(false);
          expect(again.task.id).toBe(winners[0]);
          expect(await s.schedules.get(MIND, 'daily')).toMatchObject({ lastSlotAt: slot, nextRunAt: slot + MINUTE });
        }),
      );

      it(
        'leaves the slot unfired (and enqueues nothing) when the unit of work fails after fireSlot',
        withStores(async ({ s, unitOfWork, clock }) => {
          const schedule = await s.schedules.upsert(daily(clock));
          const slot = schedule.nextRunAt;
          const key = `schedule:${schedule.id}:${slot}`;
          const boom = new Error('handler lookup failed');
          await expect(
            unitOfWork.run(async (tx) => {
              expect(await tx.schedules.fireSlot(schedule.id, slot, slot + MINUTE, slot)).toBe(true);
              // The unit of work sees its own fire.
              expect(await tx.schedules.fireSlot(schedule.id, slot, slot + MINUTE, slot)).toBe(false);
              expect((await tx.tasks.enqueue({ mindId: MIND, type: 'reflect', idempotencyKey: key })).created).toBe(
                true,
              );
              throw boom;
            }),
          ).rejects.toBe(boom);
          expect(await s.schedules.get(MIND, 'daily')).toEqual(schedule);
          expect(await s.schedules.due(slot, 10)).toEqual([schedule]);
          const retried = await unitOfWork.run(async (tx) => {
            expect(await tx.schedules.fireSlot(schedule.id, slot, slot + MINUTE, slot)).toBe(true);
            return tx.tasks.enqueue({ mindId: MIND, type: 'reflect', idempotencyKey: key });
          });
          expect(retried.created).toBe(true);
        }),
      );
    });

    describe('mind leases', () => {
      it(
        'acquires a free lease, refuses another owner with the holder, and lets the holder re-acquire',
        withStores(async ({ s, clock }) => {
          const t0 = clock.now();
          const a = claimOf('daemon-a');
          const first = await s.mindLeases.acquire(a, t0, LEASE);
          expect(first).toEqual({ acquired: true, lease: { ...a, acquiredAt: t0, expiresAt: t0 + LEASE } });
          clock.advance(1000);
          expect(await s.mindLeases.acquire(claimOf('daemon-b'), clock.now(), LEASE)).toEqual({
            acquired: false,
            holder: { ...a, acquiredAt: t0, expiresAt: t0 + LEASE },
          });
          // The holder acquiring again extends the lease and keeps acquiredAt.
          const again = await s.mindLeases.acquire(a, clock.now(), LEASE);
          expect(again).toEqual({ acquired: true, lease: { ...a, acquiredAt: t0, expiresAt: t0 + 1000 + LEASE } });
          expect(await s.mindLeases.get(MIND)).toEqual({ ...a, acquiredAt: t0, expiresAt: t0 + 1000 + LEASE });
          expect(await s.mindLeases.get(OTHER)).toBeNull();
          const b = claimOf('daemon-b', OTHER);
          await s.mindLeases.acquire(b, clock.now(), LEASE);
          expect(await s.mindLeases.list()).toEqual([
            { ...b, acquiredAt: t0 + 1000, expiresAt: t0 + 1000 + LEASE },
            { ...a, acquiredAt: t0, expiresAt: t0 + 1000 + LEASE },
          ]);
        }),
      );

      it(
        'gives an expired lease to the next owner, with a new acquiredAt',
        withStores(async ({ s, clock }) => {
          const t0 = clock.now();
          const [a, b] = [claimOf('daemon-a'), claimOf('daemon-b')];
          await s.mindLeases.acquire(a, t0, 1000);
          expect((await s.mindLeases.acquire(b, t0 + 999, 1000)).acquired).toBe(false);
          // expiresAt <= now: expired.
          expect(await s.mindLeases.acquire(b, t0 + 1000, 1000)).toEqual({
            acquired: true,
            lease: { ...b, acquiredAt: t0 + 1000, expiresAt: t0 + 2000 },
          });
          expect(await s.mindLeases.renew(MIND, 'daemon-a', t0 + 1001, 1000)).toBe(false);
          expect(await s.mindLeases.release(MIND, 'daemon-a')).toBe(false);
          // The same owner re-acquiring its own expired lease keeps acquiredAt.
          expect(await s.mindLeases.acquire(b, t0 + 5000, 1000)).toEqual({
            acquired: true,
            lease: { ...b, acquiredAt: t0 + 1000, expiresAt: t0 + 6000 },
          });
          expect(await s.mindLeases.get(MIND)).toMatchObject({ ownerId: 'daemon-b' });
        }),
      );

      it(
        'takes a lease over only from the holder named',
        withStores(async ({ s, clock }) => {
          const t0 = clock.now();
          const [a, c] = [claimOf('daemon-a'), claimOf('daemon-c')];
          await s.mindLeases.acquire(a, t0, LEASE);
          expect(await s.mindLeases.takeOver(c, 'daemon-b', t0 + 5, LEASE)).toBe(false);
          expect(await s.mindLeases.get(MIND)).toMatchObject({ ownerId: 'daemon-a' });
          expect(await s.mindLeases.takeOver(c, 'daemon-a', t0 + 5, LEASE)).toBe(true);
          expect(await s.mindLeases.get(MIND)).toEqual({ ...c, acquiredAt: t0 + 5, expiresAt: t0 + 5 + LEASE });
          // By now daemon-c holds it: taking it from daemon-a again is refused.
          expect(await s.mindLeases.takeOver(a, 'daemon-a', t0 + 6, LEASE)).toBe(false);
          expect(await s.mindLeases.get(MIND)).toMatchObject({ ownerId: 'daemon-c' });
          // Nobody holds OTHER: nothing to take over, nothing written.
          expect(await s.mindLeases.takeOver(claimOf('daemon-c', OTHER), 'daemon-a', t0, LEASE)).toBe(false);
          expect(await s.mindLeases.get(OTHER)).toBeNull();
        }),
      );

      it(
        'renews and releases only for the owner, and rejects bad input',
        withStores(async ({ s, clock }) => {
          const t0 = clock.now();
          const a = claimOf('daemon-a');
          await s.mindLeases.acquire(a, t0, LEASE);
          expect(await s.mindLeases.renew(MIND, 'daemon-b', t0 + 10, 5000)).toBe(false);
          expect(await s.mindLeases.renew(MIND, 'daemon-a', t0 + 10, 5000)).toBe(true);
          expect(await s.mindLeases.get(MIND)).toEqual({ ...a, acquiredAt: t0, expiresAt: t0 + 5010 });
          expect(await s.mindLeases.renew(OTHER, 'daemon-a', t0 + 10, 5000)).toBe(false);
          expect(await s.mindLeases.release(MIND, 'daemon-b')).toBe(false);
          expect(await s.mindLeases.get(MIND)).not.toBeNull();
          expect(await s.mindLeases.release(MIND, 'daemon-a')).toBe(true);
          expect(await s.mindLeases.get(MIND)).toBeNull();
          expect(await s.mindLeases.release(MIND, 'daemon-a')).toBe(false);
          expect(await s.mindLeases.renew(MIND, 'daemon-a', t0 + 20, 5000)).toBe(false);
          expect(await s.mindLeases.list()).toEqual([]);

          await expect(s.mindLeases.acquire(a, t0, 0)).rejects.toThrow(/leaseMs/);
          await expect(s.mindLeases.acquire(a, -1, LEASE)).rejects.toThrow(/now/);
          await expect(s.mindLeases.acquire({ ...a, ownerId: '' }, t0, LEASE)).rejects.toThrow(/ownerId/);
          await expect(s.mindLeases.acquire({ ...a, mindId: '' }, t0, LEASE)).rejects.toThrow(/mindId/);
          await expect(s.mindLeases.acquire({ ...a, pid: -1 }, t0, LEASE)).rejects.toThrow(/pid/);
          await expect(s.mindLeases.renew(MIND, 'daemon-a', t0, 1.5)).rejects.toThrow(/leaseMs/);
          expect(await s.mindLeases.list()).toEqual([]);
        }),
      );

      it(
        'lets exactly one of several owners acquiring at once win, free or expired',
        withStores(async ({ s, clock }) => {
          const t0 = clock.now();
          const race = async (owners: string[], now: number) => {
            const results = await Promise.all(owners.map((o) => s.mindLeases.acquire(claimOf(o), now, 1000)));
            const winners = results.flatMap((r) => (r.acquired ? [r.lease.ownerId] : []));
            expect(winners).toHaveLength(1);
            for (const r of results) if (!r.acquired) expect(r.holder.ownerId).toBe(winners[0]);
            expect((await s.mindLeases.get(MIND))?.ownerId).toBe(winners[0]);
          };
          await race(['d1', 'd2', 'd3', 'd4', 'd5'], t0);
          await race(['e1', 'e2', 'e3', 'e4', 'e5'], t0 + 1000);
        }),
      );

      it(
        'keeps no lease a failing unit of work acquired',
        withStores(async ({ s, unitOfWork, clock }) => {
          const boom = new Error('boom');
          await expect(
            unitOfWork.run(async (tx) => {
              expect((await tx.mindLeases.acquire(claimOf('daemon-a'), clock.now(), LEASE)).acquired).toBe(true);
              throw boom;
            }),
          ).rejects.toBe(boom);
          expect(await s.mindLeases.get(MIND)).toBeNull();
          expect((await s.mindLeases.acquire(claimOf('daemon-b'), clock.now(), LEASE)).acquired).toBe(true);
        }),
      );
    });

    describe('task claims with per-Mind limits', () => {
      const THIRD = 'GMD-2026-0000-0003';
      const claimer = (now: number, owner = 'w') => ({ owner, now, leaseMs: 1000 });
      const ids = (tasks: StoredTask[]) => tasks.map((t) => t.id);
      const per = (tasks: StoredTask[]) =>
        tasks.reduce<Record<string, number>>((n, t) => ({ ...n, [t.mindId]: (n[t.mindId] ?? 0) + 1 }), {});

      it(
        'probeFirst (an idle poll) claims exactly what a plain claim would: nothing, a due task, an expired lease',
        withStores(async ({ s, clock }) => {
          const now = clock.now();
          const probe = (at: number) => s.tasks.claim({ ...claimer(at), limit: 5, probeFirst: true });
          expect(await probe(now)).toEqual([]);
          await s.tasks.enqueue({ mindId: MIND, type: 'later', runAt: now + 10_000 });
          expect(await probe(now)).toEqual([]);
          const { task } = await s.tasks.enqueue({ mindId: OTHER, type: 'due', runAt: now });
          const [claimed] = await probe(now);
          expect(claimed).toMatchObject({ id: task.id, status: 'running', attempts: 1 });
          // Its lease expires: the probe sees the lost lease and takes it again (the later task too by then).
          const again = await probe(now + 20_000);
          expect(again.map((t) => t.type).sort()).toEqual(['due', 'later']);
          expect(again.find((t) => t.id === task.id)).toMatchObject({ attempts: 2 });
        }),
      );

      it(
        'takes at most the given number of tasks of each Mind: a busy Mind never takes the slots of the others',
        withStores(async ({ s, clock }) => {
          const now = clock.now();
          // The busy Mind's tasks all come first in claim order (higher priority, older).
          const busy = await s.tasks.enqueueMany(
            Array.from({ length: 10 }, (_, i) => ({ mindId: MIND, type: 'busy', priority: 5, runAt: now - 100 + i })),
          );
          const other = await s.tasks.enqueueMany(
            Array.from({ length: 3 }, (_, i) => ({ mindId: OTHER, type: 'quiet', runAt: now - 50 + i })),
          );
          await s.tasks.enqueue({ mindId: THIRD, type: 'quiet', runAt: now });

          const first = await s.tasks.claim({ ...claimer(now), limit: 8, perMind: { [MIND]: 2, [OTHER]: 2 } });
          // Each Mind's first tasks in claim order, the batch in claim order; THIRD was not asked for.
          expect(ids(first)).toEqual([busy[0]!.task.id, busy[1]!.task.id, other[0]!.task.id, other[1]!.task.id]);
          for (const t of first) expect(t).toMatchObject({ status: 'running', attempts: 1, leaseOwner: 'w' });

          // One slot left for MIND, none for OTHER: one more of MIND, however many the claim may take.
          const second = await s.tasks.claim({ ...claimer(now), limit: 8, perMind: { [MIND]: 1, [OTHER]: 0 } });
          expect(ids(second)).toEqual([busy[2]!.task.id]);
          // Without limits the busy Mind takes the whole batch (the reason for them).
          const plain = await s.tasks.claim({ ...claimer(now), limit: 3, mindIds: [MIND, OTHER, THIRD] });
          expect(per(plain)).toEqual({ [MIND]: 3 });
          // Every Mind full: nothing is claimed and nothing changes.
          expect(await s.tasks.claim({ ...claimer(now), limit: 8, perMind: { [MIND]: 0, [OTHER]: 0 } })).toEqual([]);
          expect(await s.tasks.claim({ ...claimer(now), limit: 8, perMind: {} })).toEqual([]);
          expect(await s.tasks.counts()).toMatchObject({ running: 8, pending: 6 });
        }),
      );

      it(
        'keeps the overall limit and the claim order across Minds, and each Mind within its own limit',
        withStores(async ({ s, clock }) => {
          const now = clock.now();
          // Priorities interleave the Minds: MIND 9, 7, 5, 3; OTHER 8, 6, 4; THIRD 1.
          for (const [mindId, priorities] of [
            [MIND, [9, 7, 5, 3]],
            [OTHER, [8, 6, 4]],
            [THIRD, [1]],
          ] as const) {
            await s.tasks.enqueueMany(priorities.map((priority) => ({ mindId, type: 't', priority, runAt: now })));
          }
          const perMind = { [MIND]: 2, [OTHER]: 3, [THIRD]: 5 };
          const batch = await s.tasks.claim({ ...claimer(now), limit: 4, perMind });
          expect(batch.map((t) => t.priority)).toEqual([9, 8, 7, 6]);
          const next = await s.tasks.claim({
            ...claimer(now),
            limit: 10,
            perMind: { [MIND]: 1, [OTHER]: 1, [THIRD]: 5 },
          });
          expect(next.map((t) => [t.mindId, t.priority])).toEqual([
            [MIND, 5],
            [OTHER, 4],
            [THIRD, 1],
          ]);
          // A limit above the batch size is the batch size; only due tasks count.
          await s.tasks.enqueue({ mindId: OTHER, type: 't', priority: 99, runAt: now + 60_000 });
          const rest = await s.tasks.claim({ ...claimer(now), limit: 1, perMind: { [MIND]: 50, [OTHER]: 50 } });
          expect(rest.map((t) => [t.mindId, t.priority])).toEqual([[MIND, 3]]);
          expect(await s.tasks.claim({ ...claimer(now), limit: 5, perMind: { [OTHER]: 5 } })).toEqual([]);
        }),
      );

      it(
        'counts the expired leases of a Mind within its limit, and buries those out of attempts',
        withStores(async ({ s, clock }) => {
          const now = clock.now();
          const { task: lost } = await s.tasks.enqueue({ mindId: MIND, type: 'crashy', priority: 9, runAt: now });
          const { task: spent } = await s.tasks.enqueue({
            mindId: MIND,
            type: 'crashy',
            priority: 9,
            runAt: now,
            maxAttempts: 1,
          });
          const { task: theirs } = await s.tasks.enqueue({ mindId: OTHER, type: 'crashy', priority: 9, runAt: now });
          expect(await s.tasks.claim({ owner: 'dead', now, leaseMs: 100, limit: 3 })).toHaveLength(3);
          const pending = await s.tasks.enqueueMany(
            Array.from({ length: 3 }, () => ({ mindId: MIND, type: 'fresh', runAt: now })),
          );

          const later = now + 100;
          const [retaken, ...more] = await s.tasks.claim({ ...claimer(later, 'w2'), limit: 5, perMind: { [MIND]: 2 } });
          // MIND's expired lease with attempts left first (priority 9), then one due task: 2 in all.
          expect(retaken).toMatchObject({ id: lost.id, status: 'running', attempts: 2, leaseOwner: 'w2' });
          expect(ids(more)).toEqual([pending[0]!.task.id]);
          expect(await s.tasks.get(spent.id)).toMatchObject({ status: 'dead', attempts: 1, leaseToken: null });
          // OTHER's expired lease is not this claim's: untouched.
          expect(await s.tasks.get(theirs.id)).toMatchObject({ status: 'running', leaseOwner: 'dead' });
        }),
      );

      it(
        'applies mindIds and types together with the limits',
        withStores(async ({ s, clock }) => {
          const now = clock.now();
          for (const mindId of [MIND, OTHER]) {
            await s.tasks.enqueueMany(['a', 'b', 'a', 'b'].map((type) => ({ mindId, type, runAt: now })));
          }
          const perMind = { [MIND]: 2, [OTHER]: 2 };
          const onlyOther = await s.tasks.claim({ ...claimer(now), limit: 10, perMind, mindIds: [OTHER, THIRD] });
          expect(per(onlyOther)).toEqual({ [OTHER]: 2 });
          // OTHER's first two (a, b) are running: of type b, MIND has two left and OTHER one.
          const onlyB = await s.tasks.claim({ ...claimer(now), limit: 10, perMind, types: ['b'] });
          expect(onlyB.map((t) => [t.mindId, t.type])).toEqual([
            [MIND, 'b'],
            [MIND, 'b'],
            [OTHER, 'b'],
          ]);
          expect(await s.tasks.claim({ ...claimer(now), limit: 10, perMind, mindIds: [] })).toEqual([]);
        }),
      );

      it(
        'hands each task to one claimer when several claim with limits at once',
        withStores(async ({ s, clock }) => {
          const now = clock.now();
          for (const mindId of [MIND, OTHER, THIRD]) {
            await s.tasks.enqueueMany(Array.from({ length: 8 }, (_, i) => ({ mindId, type: `t${i}`, runAt: now })));
          }
          const perMind = { [MIND]: 2, [OTHER]: 2, [THIRD]: 2 };
          const batches = await Promise.all(
            Array.from({ length: 5 }, (_, i) => s.tasks.claim({ ...claimer(now, `w${i}`), limit: 6, perMind })),
          );
          for (const batch of batches) for (const n of Object.values(per(batch))) expect(n).toBeLessThanOrEqual(2);
          const claimed = batches.flat();
          expect(new Set(ids(claimed)).size).toBe(claimed.length);
          expect(await s.tasks.count({ status: 'running' })).toBe(claimed.length);
          expect(claimed.length).toBeGreaterThanOrEqual(6);
        }),
      );

      it(
        'completes and claims in one step: refused completions change nothing, and bad input writes nothing',
        withStores(async ({ s, clock }) => {
          const now = clock.now();
          await s.tasks.enqueueMany(
            Array.from({ length: 5 }, (_, i) => ({ mindId: MIND, type: 't', runAt: now - 10 + i })),
          );
          const [a, b] = await s.tasks.claim({ ...claimer(now), limit: 2, perMind: { [MIND]: 2 } });
          const lease = (t: StoredTask) => ({ id: t.id, token: t.leaseToken! });
          const stale = { id: b!.id, token: 'not-the-token' };
          const later = now + 10;
          const { completed, claimed } = await s.tasks.completeAndClaim(
            [
              { lease: lease(a!), result: { ok: 1 } },
              { lease: stale, result: null },
            ],
            later,
            { ...claimer(later, 'w2'), limit: 5, perMind: { [MIND]: 2 } },
          );
          expect(completed).toEqual([
            expect.objectContaining({ id: a!.id, status: 'succeeded', result: { ok: 1 } }),
            null,
          ]);
          // The claim comes after the completions, with its own limits: 2 of MIND, in claim order.
          expect(claimed.map((t) => t.runAt)).toEqual([now - 8, now - 7]);
          expect(await s.tasks.get(b!.id)).toMatchObject({ status: 'running', leaseToken: b!.leaseToken });

          // Bad claim options: the completion is not written either.
          await expect(
            s.tasks.completeAndClaim([{ lease: lease(b!), result: null }], later, { ...claimer(later), limit: 0 }),
          ).rejects.toMatchObject({ field: 'limit' });
          await expect(
            s.tasks.completeAndClaim([{ lease: lease(b!), result: () => 1 }], later, { ...claimer(later), limit: 1 }),
          ).rejects.toMatchObject({ code: 'INVALID_INPUT' });
          expect(await s.tasks.get(b!.id)).toMatchObject({ status: 'running' });
          expect(await s.tasks.counts(MIND)).toMatchObject({ succeeded: 1, running: 3, pending: 1 });
        }),
      );

      it(
        'refuses per-Mind limits that are not an object of non-negative integers, naming the field',
        withStores(async ({ s, clock }) => {
          const opts = { ...claimer(clock.now()), limit: 5 };
          for (const perMind of [[MIND], 'x', null]) {
            await expect(s.tasks.claim({ ...opts, perMind: perMind as never })).rejects.toMatchObject({
              code: 'INVALID_INPUT',
              field: 'perMind',
            });
          }
          for (const bad of [-1, 1.5, '2']) {
            await expect(s.tasks.claim({ ...opts, perMind: { [MIND]: bad as never } })).rejects.toMatchObject({
              code: 'INVALID_INPUT',
              field: `perMind.${MIND}`,
            });
          }
        }),
      );
    });

    describe('removing a Mind', () => {
      it(
        'deletes its schedules, their fires and its lease, and nothing of other Minds or the daemon',
        withStores(async ({ s, clock }) => {
          const now = clock.now();
          await s.minds.upsert({ gmid: MIND, name: 'Atlas', jsonPath: '/h/minds/atlas.json', status: 'active' });
          const first = await s.schedules.upsert(daily(clock));
          const second = await s.schedules.upsert(daily(clock, { name: 'weekly' }));
          const other = await s.schedules.upsert(daily(clock, { mindId: OTHER }));
          const own = await s.schedules.upsert(daily(clock, { mindId: null }));
          for (const [schedule, slots] of [
            [first, 2],
            [second, 1],
            [other, 1],
            [own, 1],
          ] as const) {
            for (let i = 0; i < slots; i++) {
              const slot = schedule.nextRunAt + i * MINUTE;
              expect(await s.schedules.fireSlot(schedule.id, slot, slot + MINUTE, now)).toBe(true);
            }
          }
          await s.mindLeases.acquire(claimOf('daemon-a'), now, LEASE);
          await s.mindLeases.acquire(claimOf('daemon-a', OTHER), now, LEASE);

          // 2 schedules + 3 fires + 1 lease.
          expect(await s.minds.remove(MIND)).toEqual({ removed: true, rowsDeleted: 6 });
          expect(await s.schedules.list({ mindId: MIND, limit: 10 })).toEqual({ items: [], nextCursor: null });
          expect(await s.mindLeases.get(MIND)).toBeNull();
          expect(await s.schedules.fireSlot(first.id, first.nextRunAt, first.nextRunAt + MINUTE, now)).toBe(false);
          expect((await s.schedules.list({ limit: 10 })).items.map((r) => r.id).sort()).toEqual(
            [other.id, own.id].sort(),
          );
          expect(await s.mindLeases.list()).toEqual([expect.objectContaining({ mindId: OTHER })]);
          // The fires of the others stay: their fired slots still do not fire again.
          expect(await s.schedules.fireSlot(other.id, other.nextRunAt, other.nextRunAt + MINUTE, now)).toBe(false);
          expect(await s.schedules.fireSlot(own.id, own.nextRunAt, own.nextRunAt + MINUTE, now)).toBe(false);
          expect(await s.minds.remove(MIND)).toEqual({ removed: false, rowsDeleted: 0 });
        }),
      );
    });
  });
}
