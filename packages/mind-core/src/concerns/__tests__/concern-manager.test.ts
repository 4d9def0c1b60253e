import { ConcernManager } from '../concern-manager';
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
    expect((await concerns.due(clock.now(), 10)).map((x) => x.id)).toContain(later.id);
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
