import {
  checkFollowUpPolicy,
  decideFire,
  DEFAULT_FOLLOW_UP_POLICY,
  firstCheckAt,
  followUpZone,
  nextCheckAfterFire,
  outOfQuietHours,
} from '../follow-up-policy';
import type { FollowUpSubject } from '../follow-up-policy';
import type { StoredConcern } from '../../ports/concern-store';
import { FakeClock } from '../../testing/fake-clock';
import { InMemoryConcernStore } from '../../testing/in-memory-concern-store';
import { createInMemoryState } from '../../testing/in-memory-state';
import { GenesisError } from '../../shared/errors';

const MIN = 60_000;
const HOUR = 60 * MIN;
/** 2026-01-10 (a Saturday, winter time: Oslo UTC+1, New York UTC-5) at hh:mm UTC. */
const utc = (hh: number, mm = 0, day = 10): number => Date.UTC(2026, 0, day, hh, mm);
const iso = (ms: number): string => new Date(ms).toISOString();

const subject = (over: Partial<FollowUpSubject> = {}): FollowUpSubject => ({
  concernType: 'personal',
  urgency: 'normal',
  severity: 0.5,
  ...over,
});

const concern = (over: Partial<StoredConcern> = {}): StoredConcern => ({
  id: 'c1',
  mindId: 'GMID-1',
  userEmail: 'ann@example.com',
  concernType: 'personal',
  description: 'knee surgery on Friday',
  severity: 0.5,
  urgency: 'normal',
  status: 'active',
  nextCheckAt: utc(12),
  followUpCount: 0,
  lastCheckedAt: null,
  resolvedAt: null,
  expiresAt: null,
  memoryId: null,
  metadata: {},
  createdAt: utc(0),
  updatedAt: utc(0),
  ...over,
});

describe('first check: the policy table row by row', () => {
  it('critical urgency → now, even in quiet hours and right after a message', () => {
    const clock = new FakeClock(utc(23));
    const first = firstCheckAt(subject({ urgency: 'critical' }), {
      now: clock.now(),
      lastMessageAt: clock.now() - MIN,
    });
    expect(first).toEqual({ at: utc(23), reason: 'critical' });
  });

  it('severity ≥ 0.9 counts as critical (0.89 does not)', () => {
    expect(firstCheckAt(subject({ severity: 0.9 }), { now: utc(10) })).toEqual({ at: utc(10), reason: 'critical' });
    expect(firstCheckAt(subject({ severity: 0.89 }), { now: utc(10) }).reason).toBe('default');
  });

  it('a task whose deadline is within 2 h → now; 3 h away → the default +3 h', () => {
    const now = utc(10);
    const soon = subject({ concernType: 'task', metadata: { deadline: iso(now + 2 * HOUR) } });
    expect(firstCheckAt(soon, { now })).toEqual({ at: now, reason: 'deadline' });
    const later = subject({ concernType: 'task', metadata: { deadline: now + 3 * HOUR } });
    expect(firstCheckAt(later, { now })).toEqual({ at: now + 3 * HOUR, reason: 'default' });
    // A deadline on a concern that is not a task means nothing here.
    const notTask = subject({ concernType: 'personal', metadata: { deadline: now + MIN } });
    expect(firstCheckAt(notTask, { now }).reason).toBe('default');
  });

  it('high urgency → +10 min, quiet hours do not hold it', () => {
    expect(firstCheckAt(subject({ urgency: 'high' }), { now: utc(10) })).toEqual({ at: utc(10, 10), reason: 'high' });
    expect(firstCheckAt(subject({ urgency: 'high' }), { now: utc(23) })).toEqual({ at: utc(23, 10), reason: 'high' });
  });

  it('health noticed in the morning → 14:30 the same day', () => {
    expect(firstCheckAt(subject({ concernType: 'health' }), { now: utc(9) })).toEqual({
      at: utc(14, 30),
      reason: 'health',
    });
  });

  it('health noticed in the afternoon → +6 h; in the late afternoon +6 h lands in quiet hours → 06:30', () => {
    expect(firstCheckAt(subject({ concernType: 'health' }), { now: utc(13) })).toEqual({
      at: utc(19),
      reason: 'health',
    });
    expect(firstCheckAt(subject({ concernType: 'health' }), { now: utc(17) })).toEqual({
      at: utc(6, 30, 11),
      reason: 'health',
      movedBy: 'quiet-hours',
    });
  });

  it('emotion → +2.5 h', () => {
    expect(firstCheckAt(subject({ concernType: 'emotion' }), { now: utc(10) })).toEqual({
      at: utc(12, 30),
      reason: 'emotion',
    });
  });

  it('low urgency noticed in the evening → 08:30 next morning; in the morning → +3 h', () => {
    expect(firstCheckAt(subject({ urgency: 'low' }), { now: utc(19) })).toEqual({
      at: utc(8, 30, 11),
      reason: 'low-evening',
    });
    expect(firstCheckAt(subject({ urgency: 'low' }), { now: utc(10) })).toEqual({ at: utc(13), reason: 'default' });
  });

  it('otherwise → +3 h', () => {
    for (const concernType of ['relationship', 'financial', 'personal', 'task'] as const)
      expect(firstCheckAt(subject({ concernType }), { now: utc(10) })).toEqual({ at: utc(13), reason: 'default' });
  });

  it('quiet hours 22:00–06:00 move normal and low checks to 06:30 (UTC when no zone is known)', () => {
    // noticed 20:00, +3 h = 23:00 → 06:30 the next day
    expect(firstCheckAt(subject(), { now: utc(20) })).toEqual({
      at: utc(6, 30, 11),
      reason: 'default',
      movedBy: 'quiet-hours',
    });
    // noticed 01:00 (in quiet hours), +3 h = 04:00 → 06:30 that day
    expect(firstCheckAt(subject({ urgency: 'low' }), { now: utc(1) }).at).toBe(utc(6, 30));
  });

  it("quiet hours are the user's: 20:00 UTC is 15:00 in New York, so +3 h (18:00 there) is not quiet", () => {
    const times = { now: utc(20), userTimeZone: 'America/New_York', mindTimeZone: 'Europe/Oslo' };
    expect(firstCheckAt(subject(), times)).toEqual({ at: utc(23), reason: 'default' });
    // In Oslo (the Mind's zone, used when the user's is unknown) 23:00 UTC is midnight: 06:30 Oslo = 05:30 UTC.
    expect(firstCheckAt(subject(), { now: utc(20), mindTimeZone: 'Europe/Oslo' }).at).toBe(utc(5, 30, 11));
    // Health in the user's morning: 09:00 in New York is 14:00 UTC → 14:30 New York = 19:30 UTC.
    expect(
      firstCheckAt(subject({ concernType: 'health' }), { now: utc(14), userTimeZone: 'America/New_York' }).at,
    ).toBe(utc(19, 30));
  });

  it('follows daylight saving time: 06:30 in Oslo is 04:30 UTC in summer', () => {
    const summer = Date.UTC(2026, 6, 10, 20); // 22:00 in Oslo (UTC+2)
    expect(firstCheckAt(subject(), { now: summer, userTimeZone: 'Europe/Oslo' }).at).toBe(Date.UTC(2026, 6, 11, 4, 30));
  });

  it('a recent message holds the first check until 30 min after it (normal and low only)', () => {
    const now = utc(10);
    // A message "in the future" of the check would be odd; a short default delay shows the window.
    const policy = checkFollowUpPolicy({ defaultDelayMs: 5 * MIN });
    expect(firstCheckAt(subject(), { now, lastMessageAt: now - 10 * MIN }, policy)).toEqual({
      at: now + 20 * MIN,
      reason: 'default',
      movedBy: 'conversation',
    });
  });
});

describe('at the check: decideFire row by row', () => {
  it('critical → fire, even in quiet hours, within the conversation window and over the rate limit', () => {
    const decision = decideFire(concern({ urgency: 'critical' }), {
      now: utc(23),
      lastMessageAt: utc(22, 55),
      recentFires: 99,
    });
    expect(decision).toEqual({ kind: 'fire', reason: 'critical' });
    expect(decideFire(concern({ severity: 0.95 }), { now: utc(3) })).toEqual({ kind: 'fire', reason: 'critical' });
  });

  it('normal and low in quiet hours → defer until 06:30', () => {
    expect(decideFire(concern(), { now: utc(23) })).toEqual({
      kind: 'defer',
      until: utc(6, 30, 11),
      reason: 'quiet-hours',
    });
    expect(decideFire(concern({ urgency: 'low' }), { now: utc(5, 59) })).toEqual({
      kind: 'defer',
      until: utc(6, 30),
      reason: 'quiet-hours',
    });
    expect(decideFire(concern(), { now: utc(6, 30) })).toEqual({ kind: 'fire', reason: 'due' });
  });

  it("quiet hours in the user's time zone: 23:00 UTC is 18:00 in New York", () => {
    expect(decideFire(concern(), { now: utc(23), userTimeZone: 'America/New_York' })).toEqual({
      kind: 'fire',
      reason: 'due',
    });
    // 04:00 UTC is 23:00 in New York: quiet there until 06:30 New York = 11:30 UTC.
    expect(decideFire(concern(), { now: utc(4), userTimeZone: 'America/New_York' })).toEqual({
      kind: 'defer',
      until: utc(11, 30),
      reason: 'quiet-hours',
    });
  });

  it('high urgency is not held by quiet hours', () => {
    expect(decideFire(concern({ urgency: 'high' }), { now: utc(23) })).toEqual({ kind: 'fire', reason: 'due' });
  });

  it('a message with the user in the last 30 min → defer until 30 min after it, unless high or critical', () => {
    const now = utc(12);
    expect(decideFire(concern(), { now, lastMessageAt: now - 10 * MIN })).toEqual({
      kind: 'defer',
      until: now + 20 * MIN,
      reason: 'conversation',
    });
    expect(decideFire(concern({ urgency: 'high' }), { now, lastMessageAt: now - 10 * MIN })).toEqual({
      kind: 'fire',
      reason: 'due',
    });
    expect(decideFire(concern({ urgency: 'critical' }), { now, lastMessageAt: now - MIN }).kind).toBe('fire');
    // 30 minutes after the message the window is over.
    expect(decideFire(concern(), { now, lastMessageAt: now - 30 * MIN })).toEqual({ kind: 'fire', reason: 'due' });
  });

  it('the end of a conversation window that falls in quiet hours moves on to 06:30', () => {
    expect(decideFire(concern(), { now: utc(21, 50), lastMessageAt: utc(21, 45) })).toEqual({
      kind: 'defer',
      until: utc(6, 30, 11),
      reason: 'conversation',
    });
  });

  it('a task whose deadline is close fires in quiet hours and during a conversation', () => {
    const task = concern({ concernType: 'task', metadata: { deadline: utc(23, 30) } });
    expect(decideFire(task, { now: utc(23), lastMessageAt: utc(22, 59) })).toEqual({
      kind: 'fire',
      reason: 'deadline',
    });
  });

  it('at most 10 follow-ups per Mind and user per hour: the 11th waits (retried after 6 min)', () => {
    const now = utc(12);
    expect(decideFire(concern(), { now, recentFires: 9 })).toEqual({ kind: 'fire', reason: 'due' });
    expect(decideFire(concern(), { now, recentFires: 10 })).toEqual({
      kind: 'defer',
      until: now + 6 * MIN,
      reason: 'rate-limit',
    });
    expect(decideFire(concern({ urgency: 'high' }), { now, recentFires: 10 }).kind).toBe('defer');
  });

  it('after 3 follow-ups without an answer the concern resolves itself with a note', () => {
    const after3 = concern({ followUpCount: 3, lastCheckedAt: utc(8) });
    const decision = decideFire(after3, { now: utc(12), lastAnswerAt: utc(7) });
    expect(decision).toEqual({
      kind: 'resolve',
      note: 'Resolved automatically: no answer from ann@example.com after 3 follow-ups.',
    });
    // Critical ones too: an unanswered critical concern stops after 3.
    expect(decideFire({ ...after3, urgency: 'critical' }, { now: utc(12) }).kind).toBe('resolve');
    // After 2 it goes on.
    expect(decideFire(concern({ followUpCount: 2, lastCheckedAt: utc(8) }), { now: utc(12) }).kind).toBe('fire');
  });

  it('an answer from the user after the last follow-up resets the count', () => {
    const after3 = concern({ followUpCount: 3, lastCheckedAt: utc(8) });
    expect(decideFire(after3, { now: utc(12), lastAnswerAt: utc(9) })).toEqual({ kind: 'fire', reason: 'due' });
    expect(nextCheckAfterFire(after3, utc(12), { lastAnswerAt: utc(9) })).toEqual({
      nextCheckAt: utc(12) + 24 * HOUR, // personal base, first of a new run
      followUpCount: 1,
    });
  });
});

describe('after a fire: base × 2^n backoff', () => {
  it('health 6 h, 12 h, 24 h; emotion 3 h; task 12 h; the others 24 h', () => {
    const at = utc(8);
    const next = (over: Partial<StoredConcern>) => nextCheckAfterFire(concern({ urgency: 'high', ...over }), at);
    expect(next({ concernType: 'health', followUpCount: 0 })).toEqual({ nextCheckAt: at + 6 * HOUR, followUpCount: 1 });
    expect(next({ concernType: 'health', followUpCount: 1, lastCheckedAt: utc(2) })).toEqual({
      nextCheckAt: at + 12 * HOUR,
      followUpCount: 2,
    });
    expect(next({ concernType: 'health', followUpCount: 2, lastCheckedAt: utc(2) })).toEqual({
      nextCheckAt: at + 24 * HOUR,
      followUpCount: 3,
    });
    expect(next({ concernType: 'emotion' }).nextCheckAt).toBe(at + 3 * HOUR);
    expect(next({ concernType: 'task' }).nextCheckAt).toBe(at + 12 * HOUR);
    expect(next({ concernType: 'financial' }).nextCheckAt).toBe(at + 24 * HOUR);
  });

  it('the next check of a normal concern moves out of quiet hours (the stored time is the real one)', () => {
    // emotion fired at 18:00 after one follow-up: +6 h = 00:00 → 06:30
    const c = concern({ concernType: 'emotion', followUpCount: 1, lastCheckedAt: utc(12) });
    expect(nextCheckAfterFire(c, utc(18)).nextCheckAt).toBe(utc(6, 30, 11));
    // a critical one keeps its time
    expect(nextCheckAfterFire({ ...c, urgency: 'critical' }, utc(18)).nextCheckAt).toBe(utc(0, 0, 11));
  });

  it('bases are configurable per type', () => {
    const policy = checkFollowUpPolicy({ backoffBaseMs: { personal: HOUR } });
    expect(
      nextCheckAfterFire(concern({ urgency: 'high', followUpCount: 2, lastCheckedAt: 1 }), utc(8), {}, policy),
    ).toEqual({ nextCheckAt: utc(12), followUpCount: 3 });
    expect(policy.backoffBaseMs.health).toBe(6 * HOUR);
  });
});

describe('snooze wake and expiry (the store steps the scanner runs before deciding)', () => {
  it('a snoozed concern wakes when its snooze ends; one past expiresAt expires and is not due', async () => {
    const clock = new FakeClock(utc(8));
    const store = new InMemoryConcernStore(clock, createInMemoryState());
    const base = { mindId: 'GMID-1', concernType: 'personal' as const, description: 'x' };
    const snoozed = await store.insert({ ...base, status: 'snoozed', nextCheckAt: utc(10) });
    const expiring = await store.insert({ ...base, nextCheckAt: utc(9), expiresAt: utc(11) });
    clock.set(utc(9, 30));
    expect(await store.wake('GMID-1', clock.now())).toBe(0);
    expect((await store.due('GMID-1', clock.now(), 10)).map((c) => c.id)).toEqual([expiring.id]);
    clock.set(utc(11));
    expect(await store.wake('GMID-1', clock.now())).toBe(1);
    expect(await store.expire('GMID-1', clock.now())).toBe(1);
    expect((await store.due('GMID-1', clock.now(), 10)).map((c) => c.id)).toEqual([snoozed.id]);
    expect((await store.get('GMID-1', expiring.id))?.status).toBe('expired');
  });
});

describe('configuration', () => {
  const fieldOf = (fn: () => unknown): string | undefined => {
    try {
      fn();
    } catch (error) {
      expect(error).toBeInstanceOf(GenesisError);
      expect((error as GenesisError).code).toBe('INVALID_INPUT');
      return (error as GenesisError).field;
    }
    throw new Error('expected a refusal');
  };

  it('defaults are the original policy', () => {
    expect(checkFollowUpPolicy()).toEqual(DEFAULT_FOLLOW_UP_POLICY);
    expect(checkFollowUpPolicy({ quietHours: '23:00 - 07:00' }).quietHours).toBe('23:00-07:00');
  });

  it('refuses bad values naming the key', () => {
    expect(fieldOf(() => checkFollowUpPolicy({ quietHours: '25:00-06:00' }))).toBe('policy.quietHours');
    expect(fieldOf(() => checkFollowUpPolicy({ quietHours: 'night' }))).toBe('policy.quietHours');
    expect(fieldOf(() => checkFollowUpPolicy({ quietHoursResume: '6:30' }))).toBe('policy.quietHoursResume');
    expect(fieldOf(() => checkFollowUpPolicy({ highDelayMs: -1 }))).toBe('policy.highDelayMs');
    expect(fieldOf(() => checkFollowUpPolicy({ defaultDelayMs: '3h' }))).toBe('policy.defaultDelayMs');
    expect(fieldOf(() => checkFollowUpPolicy({ criticalSeverity: 2 }))).toBe('policy.criticalSeverity');
    expect(fieldOf(() => checkFollowUpPolicy({ backoffBaseMs: { health: -5 } }))).toBe('policy.backoffBaseMs.health');
    expect(fieldOf(() => checkFollowUpPolicy({ backoffBaseMs: { hobby: 5 } }))).toBe('policy.backoffBaseMs.hobby');
    expect(fieldOf(() => checkFollowUpPolicy({ rateLimit: { max: 0 } }))).toBe('policy.rateLimit.max');
    expect(fieldOf(() => checkFollowUpPolicy({ maxUnansweredFollowUps: 0 }))).toBe('policy.maxUnansweredFollowUps');
    expect(fieldOf(() => checkFollowUpPolicy({ quietHourz: '22:00-06:00' }))).toBe('policy.quietHourz');
    expect(fieldOf(() => checkFollowUpPolicy({}, 'followUps.policy.') && checkFollowUpPolicy({ x: 1 }, 'f.'))).toBe(
      'f.x',
    );
  });

  it('refuses an unknown time zone', () => {
    expect(fieldOf(() => followUpZone({ userTimeZone: 'Mars/Olympus' }))).toBe('userTimeZone');
    expect(fieldOf(() => decideFire(concern(), { now: utc(12), mindTimeZone: 'Nowhere' }))).toBe('mindTimeZone');
  });

  it('equal ends switch quiet hours off; quiet hours may end after the resume time', () => {
    const off = checkFollowUpPolicy({ quietHours: '00:00-00:00' });
    expect(decideFire(concern(), { now: utc(3) }, off)).toEqual({ kind: 'fire', reason: 'due' });
    const late = checkFollowUpPolicy({ quietHours: '22:00-07:00' });
    expect(outOfQuietHours(utc(23), 'UTC', late)).toBe(utc(7, 0, 11));
  });
});
