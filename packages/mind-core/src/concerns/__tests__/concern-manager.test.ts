import { ConcernManager } from '../concern-manager';
import { DEFAULT_FOLLOW_UP_POLICY } from '../follow-up-policy';
import { FakeClock, InMemoryConcernStore } from '../../testing';

const MIND = 'GMD-2026-4A7F-9B23';
const H = 3600_000;
let clock: FakeClock;
let store: InMemoryConcernStore;
let concerns: ConcernManager;

beforeEach(() => {
  clock = new FakeClock();
  store = new InMemoryConcernStore(clock);
  concerns = new ConcernManager(MIND, store, clock);
});

const add = (hours: number, extra: Record<string, unknown> = {}) =>
  concerns.create({ type: 'health', description: `in ${hours}h`, followUpAt: clock.now() + hours * H, ...extra });

describe('ConcernManager', () => {
  test("without followUpAt the follow-up policy sets the first check (type, urgency, the user's zone)", async () => {
    clock.set(Date.UTC(2026, 5, 1, 9, 0)); // 09:00 UTC, a morning
    const critical = await concerns.create({ type: 'task', description: 'c', urgency: 'critical' });
    expect(critical.nextCheckAt).toBe(clock.now());
    const emotion = await concerns.create({ type: 'emotion', description: 'e' });
    expect(emotion.nextCheckAt).toBe(clock.now() + 2.5 * H);
    const health = await concerns.create({ type: 'health', description: 'h' });
    expect(health.nextCheckAt).toBe(Date.UTC(2026, 5, 1, 14, 30));
    // 09:00 UTC is 02:00 in Los Angeles: quiet hours there, so a normal check waits for 06:30 local.
    const night = await concerns.create({
      type: 'personal',
      description: 'n',
      metadata: { timezone: 'America/Los_Angeles' },
    });
    expect(night.nextCheckAt).toBe(Date.UTC(2026, 5, 1, 13, 30));
    await expect(
      concerns.create({ type: 'personal', description: 'n', metadata: { timezone: 'Mars/Olympus' } }),
    ).rejects.toMatchObject({ code: 'INVALID_INPUT', field: 'metadata.timezone' });
    // A Mind with its own zone and policy.
    const oslo = new ConcernManager(MIND, store, clock, {
      timezone: 'Europe/Oslo',
      policy: { ...DEFAULT_FOLLOW_UP_POLICY, defaultDelayMs: H },
    });
    expect((await oslo.create({ type: 'personal', description: 'o' })).nextCheckAt).toBe(clock.now() + H);
  });

  test('create stores a concern with defaults, get reads it back', async () => {
    const c = await concerns.create({
      type: 'financial',
      description: 'rent',
      followUpAt: '2026-01-02T00:00:00Z',
      userEmail: 'a@x.io',
      memoryId: 'mem-1',
      metadata: { k: 1 },
    });
    expect(c).toMatchObject({
      concernType: 'financial',
      status: 'active',
      severity: 0.5,
      urgency: 'normal',
      nextCheckAt: Date.UTC(2026, 0, 2),
      userEmail: 'a@x.io',
      memoryId: 'mem-1',
      followUpCount: 0,
    });
    expect(await concerns.get(c.id)).toEqual(c);
    expect(await concerns.get('nope')).toBeNull();
  });

  test.each([
    [{ type: 'hobby' }, /type must be one of health, emotion, task, relationship, financial, personal/],
    [{ description: '' }, /description must be a non-empty string/],
    [{ severity: 1.5 }, /severity must be a number from 0 to 1/],
    [{ urgency: 'asap' }, /urgency must be one of critical, high, normal, low/],
    [{ followUpAt: 'soon' }, /followUpAt must be a date/],
    [{ userEmail: 'x' }, /userEmail must be an email address/],
  ])('create rejects %j and writes nothing', async (bad, message) => {
    await expect(
      concerns.create({ type: 'task', description: 'd', followUpAt: 1, ...(bad as object) } as never),
    ).rejects.toThrow(message);
    expect(store.rows).toHaveLength(0);
  });

  test('list filters by status, user and follow-up window, soonest first, with pages', async () => {
    const a = await add(5, { userEmail: 'a@x.io' });
    const b = await add(1);
    const c = await add(9, { userEmail: 'a@x.io' });
    await concerns.dismiss(b.id);
    expect((await concerns.list({ limit: 10 })).items.map((x) => x.id)).toEqual([b.id, a.id, c.id]);
    expect((await concerns.list({ status: 'active', limit: 10 })).items.map((x) => x.id)).toEqual([a.id, c.id]);
    expect(
      (await concerns.list({ userEmail: 'A@x.io', dueBefore: clock.now() + 6 * H, limit: 10 })).items.map((x) => x.id),
    ).toEqual([a.id]);
    expect((await concerns.list({ dueAfter: clock.now() + 6 * H, limit: 10 })).items.map((x) => x.id)).toEqual([c.id]);
    const p1 = await concerns.list({ limit: 2 });
    expect((await concerns.list({ limit: 2, cursor: p1.nextCursor })).items.map((x) => x.id)).toEqual([c.id]);
    await expect(concerns.list({ status: 'open' as never, limit: 5 })).rejects.toThrow(/status must be one of/);
  });

  test('due returns active concerns whose time has come, wakes snoozed ones and expires old ones', async () => {
    const now = await add(-1);
    const later = await add(3);
    const snoozed = await add(-2);
    await concerns.snooze(snoozed.id, clock.now() + 2 * H);
    const expiring = await add(-1, { expiresAt: clock.now() + H });
    expect((await concerns.due()).map((x) => x.id)).toEqual([now.id, expiring.id]);
    clock.advance(2 * H);
    expect((await concerns.due()).map((x) => x.id)).toEqual([now.id, snoozed.id]);
    expect((await concerns.get(expiring.id))?.status).toBe('expired');
    expect((await concerns.get(snoozed.id))?.status).toBe('active');
    clock.advance(2 * H);
    expect((await concerns.due({ now: clock.now(), limit: 10 })).map((x) => x.id)).toContain(later.id);
  });

  test('due is a batch: default 100, at most 1,000; `after` pages through all 250 due, each once', async () => {
    await concerns.createMany(
      Array.from({ length: 250 }, (_, i) => ({
        type: 'task' as const,
        description: `c${i}`,
        followUpAt: clock.now() - ((i % 4) + 1) * H,
      })),
    );
    expect(await concerns.due()).toHaveLength(100);
    expect(await concerns.due({ limit: 1000 })).toHaveLength(250);
    const seen: string[] = [];
    let after: { nextCheckAt: number; id: string } | null = null;
    for (let batches = 1; ; batches++) {
      const batch: Awaited<ReturnType<typeof concerns.due>> = await concerns.due({ limit: 60, after });
      seen.push(...batch.map((c) => c.id));
      if (batch.length < 60) {
        expect(batches).toBe(5);
        break;
      }
      after = { nextCheckAt: batch[59]!.nextCheckAt, id: batch[59]!.id };
    }
    expect(seen).toHaveLength(250);
    expect(new Set(seen).size).toBe(250);
    for (const limit of [0, 1001, 1.5, '10']) {
      await expect(concerns.due({ limit: limit as number })).rejects.toMatchObject({
        code: 'INVALID_INPUT',
        field: 'limit',
        message: expect.stringContaining('from 1 to 1000'),
      });
    }
    await expect(concerns.due({ now: 'soon' })).rejects.toMatchObject({ code: 'INVALID_INPUT', field: 'now' });
    await expect(concerns.due(new Date() as never)).rejects.toMatchObject({ code: 'INVALID_INPUT', field: 'input' });
  });

  test('due wakes and expires with one set-based call each, never a write per concern', async () => {
    for (let i = 0; i < 20; i++) {
      const c = await add(-1);
      await concerns.snooze(c.id, clock.now() + H);
    }
    await add(-1, { expiresAt: clock.now() + H });
    clock.advance(2 * H);
    const wake = jest.spyOn(store, 'wake');
    const expire = jest.spyOn(store, 'expire');
    const update = jest.spyOn(store, 'update');
    const list = jest.spyOn(store, 'list');
    expect(await concerns.due({ limit: 1000 })).toHaveLength(20);
    expect(wake).toHaveBeenCalledTimes(1);
    expect(expire).toHaveBeenCalledTimes(1);
    expect(update).not.toHaveBeenCalled();
    expect(list).not.toHaveBeenCalled();
    expect(await concerns.count({ status: 'expired' })).toBe(1);
  });

  test('count counts with the list filters, without paging', async () => {
    await add(1, { userEmail: 'a@x.io' });
    const b = await add(2);
    await add(9, { userEmail: 'A@x.io' });
    await concerns.dismiss(b.id);
    const list = jest.spyOn(store, 'list');
    expect(await concerns.count()).toBe(3);
    expect(await concerns.count({ status: 'active' })).toBe(2);
    expect(await concerns.count({ status: ['active', 'dismissed'] })).toBe(3);
    expect(await concerns.count({ userEmail: 'a@X.io' })).toBe(2);
    expect(await concerns.count({ dueBefore: clock.now() + 5 * H })).toBe(2);
    expect(await concerns.count({ dueAfter: clock.now() + 5 * H, status: 'active' })).toBe(1);
    expect(list).not.toHaveBeenCalled();
    await expect(concerns.count({ status: 'open' as never })).rejects.toThrow(/status must be one of/);
    await expect(concerns.count({ status: [] })).rejects.toMatchObject({ field: 'status' });
  });

  test('createMany creates all in one call to the store, or none and names the bad input', async () => {
    const insertMany = jest.spyOn(store, 'insertMany');
    const made = await concerns.createMany([
      { type: 'health', description: 'knee', followUpAt: '2030-01-02T00:00:00Z', userEmail: 'Ann@X.io' },
      { type: 'emotion', description: 'sad', followUpAt: clock.now() + H, severity: 0.9, urgency: 'high' },
    ]);
    expect(insertMany).toHaveBeenCalledTimes(1);
    expect(made.map((c) => [c.concernType, c.userEmail, c.severity])).toEqual([
      ['health', 'ann@x.io', 0.5],
      ['emotion', null, 0.9],
    ]);
    expect(await concerns.createMany([])).toEqual([]);
    await expect(
      concerns.createMany([
        { type: 'task', description: 'ok', followUpAt: 1 },
        { type: 'task', description: 'ok', followUpAt: 1, severity: 3 },
      ]),
    ).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      field: 'inputs[1].severity',
      message: 'inputs[1].severity must be a number from 0 to 1, got 3',
    });
    await expect(concerns.createMany('x' as never)).rejects.toMatchObject({ field: 'inputs' });
    await expect(
      concerns.createMany(Array.from({ length: 10_001 }, () => ({ type: 'task', description: 'd', followUpAt: 1 }))),
    ).rejects.toMatchObject({ field: 'inputs', message: expect.stringContaining('at most 10000') });
    expect(store.rows).toHaveLength(2);
  });

  test('fires lists the checks that fired for one concern or several, oldest first', async () => {
    const a = await add(1, { userEmail: 'a@x.io' });
    const b = await add(2);
    const fire = (c: typeof a, checkAt: number) => ({
      concernId: c.id,
      mindId: MIND,
      userEmail: c.userEmail,
      checkAt,
      firedAt: checkAt + 10,
      taskId: null,
    });
    await store.recordFire(fire(a, 300));
    await store.recordFire(fire(b, 200));
    await store.recordFire(fire(a, 100));
    expect((await concerns.fires(a.id)).map((f) => f.checkAt)).toEqual([100, 300]);
    expect((await concerns.fires([a.id, b.id])).map((f) => f.checkAt)).toEqual([100, 200, 300]);
    expect(await concerns.fires([])).toEqual([]);
  });

  test('resolve records the time and note; a resolved concern cannot be snoozed or dismissed', async () => {
    const c = await add(1, { metadata: { from: 'chat' } });
    clock.advance(1000);
    const resolved = await concerns.resolve(c.id, 'went well');
    expect(resolved).toMatchObject({
      status: 'resolved',
      resolvedAt: clock.now(),
      metadata: { from: 'chat', resolutionNote: 'went well' },
    });
    await expect(concerns.snooze(c.id, clock.now() + H)).rejects.toMatchObject({
      code: 'INVALID_TRANSITION',
      message: expect.stringContaining('is resolved: it cannot become snoozed'),
    });
    await expect(concerns.dismiss(c.id)).rejects.toMatchObject({ code: 'INVALID_TRANSITION' });
    await expect(concerns.resolve('missing')).rejects.toMatchObject({ code: 'CONCERN_NOT_FOUND' });
  });

  test('snooze moves the follow-up, only into the future', async () => {
    const c = await add(1);
    await expect(concerns.snooze(c.id, clock.now() - 1)).rejects.toThrow(/until must be in the future/);
    const s = await concerns.snooze(c.id, clock.now() + 5 * H);
    expect(s).toMatchObject({ status: 'snoozed', nextCheckAt: clock.now() + 5 * H });
  });

  test('recordCheck counts the follow-up, sets the next check and reactivates a snoozed concern', async () => {
    const c = await add(1);
    await concerns.snooze(c.id, clock.now() + H);
    clock.advance(30_000);
    const checked = await concerns.recordCheck(c.id, clock.now() + 24 * H);
    expect(checked).toMatchObject({
      status: 'active',
      followUpCount: 1,
      lastCheckedAt: clock.now(),
      nextCheckAt: clock.now() + 24 * H,
    });
    expect((await concerns.recordCheck(c.id, clock.now() + 48 * H)).followUpCount).toBe(2);
    await concerns.dismiss(c.id);
    await expect(concerns.recordCheck(c.id, clock.now())).rejects.toMatchObject({ code: 'INVALID_TRANSITION' });
  });
});
