import { checkFollowUpPolicy, DEFAULT_FOLLOW_UP_POLICY } from '@genesis/mind-core';
import type { NewConcern, TransactionStores, UnitOfWork } from '@genesis/mind-core';
import { createInMemoryStores, FakeClock, RecordingLogger } from '@genesis/mind-core/testing';
import { FollowUpScanner, FOLLOW_UP_TASK, followUpKey } from '../follow-up-scanner';
import type { FollowUpScannerOptions } from '../follow-up-scanner';

const MIN = 60_000;
const HOUR = 60 * MIN;
const MIND = 'GMID-SCAN';
const utc = (hh: number, mm = 0, day = 10): number => Date.UTC(2026, 0, day, hh, mm);

let clock: FakeClock;
let stores: TransactionStores;
let unitOfWork: UnitOfWork;
let logger: RecordingLogger;

beforeEach(() => {
  clock = new FakeClock(utc(12));
  ({ stores, unitOfWork } = createInMemoryStores(clock));
  logger = new RecordingLogger();
});

function scanner(options: Partial<FollowUpScannerOptions> = {}): FollowUpScanner {
  return new FollowUpScanner(stores.concerns, stores.messages, stores.relationships, unitOfWork, clock, logger, {
    minds: () => [MIND],
    policy: DEFAULT_FOLLOW_UP_POLICY,
    timezone: null,
    maxAttempts: 5,
    ...options,
  });
}

const concern = (over: Partial<NewConcern> = {}) =>
  stores.concerns.insert({
    mindId: MIND,
    concernType: 'personal',
    description: 'the move to Bergen',
    nextCheckAt: clock.now(),
    userEmail: 'ann@example.com',
    ...over,
  });

const fires = async (ids: string[]) => stores.concerns.fires(MIND, ids);

test('a due critical concern fires once: fire record, task keyed by the check, the real next check', async () => {
  const c = await concern({ urgency: 'critical', nextCheckAt: utc(11) });
  clock.set(utc(23)); // quiet hours do not hold a critical concern
  const scan = await scanner().tick();
  expect(scan).toMatchObject({ fired: 1, deferred: 0, skipped: 0, failed: 0 });
  expect(await fires([c.id])).toEqual([
    expect.objectContaining({ concernId: c.id, checkAt: utc(11), firedAt: utc(23), userEmail: 'ann@example.com' }),
  ]);
  const [task] = (await stores.tasks.list({ type: FOLLOW_UP_TASK, limit: 10 })).items;
  expect(task).toMatchObject({
    mindId: MIND,
    payload: { concernId: c.id, checkAt: utc(11) },
    idempotencyKey: followUpKey(c.id, utc(11)),
    maxAttempts: 5,
  });
  expect((await fires([c.id]))[0]!.taskId).toBe(task!.id);
  // personal base 24 h, critical: not moved out of quiet hours
  expect(await stores.concerns.get(MIND, c.id)).toMatchObject({
    followUpCount: 1,
    lastCheckedAt: utc(23),
    nextCheckAt: utc(23, 0, 11),
  });
  expect(await scanner().tick()).toMatchObject({ fired: 0 });
});

test('normal urgency in quiet hours is deferred to 06:30 (the concern stores the new check), then fires', async () => {
  const c = await concern({ nextCheckAt: utc(22, 30) });
  clock.set(utc(23));
  expect(await scanner().tick()).toMatchObject({ fired: 0, deferred: 1 });
  expect((await stores.concerns.get(MIND, c.id))!.nextCheckAt).toBe(utc(6, 30, 11));
  clock.set(utc(6, 30, 11));
  expect(await scanner().tick()).toMatchObject({ fired: 1 });
});

test("quiet hours follow the user's zone from concern metadata, else the relationship, else the Mind's", async () => {
  clock.set(utc(23)); // 18:00 in New York, 00:00 in Oslo
  const ny = await concern({ metadata: { timezone: 'America/New_York' } });
  await stores.relationships.upsert({
    mindId: MIND,
    userEmail: 'bo@example.com',
    metadata: { timezone: 'America/Chicago' },
  });
  const chicago = await concern({ userEmail: 'bo@example.com' });
  const oslo = await concern({ userEmail: 'cy@example.com' });
  const bad = await concern({ userEmail: 'di@example.com', metadata: { timezone: 'Mars/Olympus' } });
  await scanner({ timezone: 'Europe/Oslo' }).tick();
  expect((await fires([ny.id, chicago.id])).map((f) => f.concernId).sort()).toEqual([ny.id, chicago.id].sort());
  expect((await stores.concerns.get(MIND, oslo.id))!.nextCheckAt).toBe(utc(5, 30, 11)); // 06:30 Oslo
  expect((await stores.concerns.get(MIND, bad.id))!.nextCheckAt).toBe(utc(5, 30, 11));
  expect(logger.lines.some((l) => l.level === 'warn' && /unknown time zone/.test(l.message))).toBe(true);
});

test('a message with the user 10 min ago holds a normal follow-up until 30 min after it', async () => {
  const c = await concern();
  await stores.messages.append({
    mindId: MIND,
    role: 'user',
    content: 'hi',
    userEmail: 'ann@example.com',
    createdAt: utc(11, 50),
  });
  expect(await scanner().tick()).toMatchObject({ deferred: 1 });
  expect((await stores.concerns.get(MIND, c.id))!.nextCheckAt).toBe(utc(12, 20));
});

test('backoff 6 h, 12 h, 24 h; then, with no answer, the concern resolves itself with a note', async () => {
  const c = await concern({ concernType: 'health', urgency: 'high' });
  const s = scanner();
  const next: number[] = [];
  for (let i = 0; i < 3; i++) {
    expect(await s.tick()).toMatchObject({ fired: 1 });
    const now = await stores.concerns.get(MIND, c.id);
    next.push(now!.nextCheckAt - clock.now());
    clock.set(now!.nextCheckAt);
  }
  expect(next).toEqual([6 * HOUR, 12 * HOUR, 24 * HOUR]);
  expect(await s.tick()).toMatchObject({ fired: 0, resolved: 1 });
  const resolved = await stores.concerns.get(MIND, c.id);
  expect(resolved).toMatchObject({ status: 'resolved', resolvedAt: clock.now(), followUpCount: 3 });
  expect(resolved!.metadata.resolutionNote).toMatch(/no answer from ann@example.com after 3 follow-ups/);
  expect(await fires([c.id])).toHaveLength(3);
});

test('an answer from the user after a follow-up resets the count (and the backoff)', async () => {
  const c = await concern({ concernType: 'emotion', urgency: 'high' });
  const s = scanner();
  await s.tick();
  clock.advance(3 * HOUR);
  await s.tick();
  expect(await stores.concerns.get(MIND, c.id)).toMatchObject({
    followUpCount: 2,
    nextCheckAt: clock.now() + 6 * HOUR,
  });
  clock.advance(HOUR);
  await stores.messages.append({ mindId: MIND, role: 'user', content: 'better, thanks', userEmail: 'ann@example.com' });
  clock.advance(5 * HOUR);
  await s.tick();
  expect(await stores.concerns.get(MIND, c.id)).toMatchObject({
    followUpCount: 1,
    nextCheckAt: clock.now() + 3 * HOUR,
  });
});

test('at most 10 follow-ups per Mind and user per hour: the rest wait; critical ones do not', async () => {
  for (let i = 0; i < 12; i++) await concern({ description: `thing ${i}` });
  await concern({ userEmail: 'bo@example.com' });
  await concern({ urgency: 'critical' });
  const scan = await scanner().tick();
  expect(scan).toMatchObject({ fired: 12, deferred: 2 });
  expect(await stores.concerns.countFires(MIND, 'ann@example.com', utc(11))).toBe(11);
  const waiting = (await stores.concerns.list({ mindId: MIND, dueAfter: clock.now() + 1, limit: 100 })).items.filter(
    (c) => c.followUpCount === 0,
  );
  expect(waiting.map((c) => c.nextCheckAt)).toEqual([utc(12, 6), utc(12, 6)]);
});

test('snoozed concerns wake and fire in the same tick; expired ones never fire', async () => {
  const snoozed = await concern({ status: 'snoozed', urgency: 'high', nextCheckAt: utc(11) });
  const expired = await concern({ urgency: 'high', nextCheckAt: utc(11), expiresAt: utc(11, 30) });
  const scan = await scanner().tick();
  expect(scan).toMatchObject({ woken: 1, expired: 1, fired: 1 });
  expect((await fires([snoozed.id, expired.id])).map((f) => f.concernId)).toEqual([snoozed.id]);
  expect((await stores.concerns.get(MIND, expired.id))!.status).toBe('expired');
});

test('pages through every due concern (250, pages of 100): no silent cap', async () => {
  await stores.concerns.insertMany(
    Array.from({ length: 250 }, (_, i) => ({
      mindId: MIND,
      concernType: 'task' as const,
      description: `task ${i}`,
      nextCheckAt: utc(11) + (i % 7),
      userEmail: `u${i}@example.com`,
    })),
  );
  expect(await scanner({ pageSize: 100 }).tick()).toMatchObject({ fired: 250, failed: 0 });
  expect(await stores.concerns.count({ mindId: MIND, dueBefore: clock.now() + 1 })).toBe(0);
  expect(await stores.tasks.count({ type: FOLLOW_UP_TASK })).toBe(250);
});

test('two scanners racing on the same stores fire each check once', async () => {
  await stores.concerns.insertMany(
    Array.from({ length: 60 }, (_, i) => ({
      mindId: MIND,
      concernType: 'personal' as const,
      description: `c ${i}`,
      nextCheckAt: utc(11),
      urgency: 'critical' as const,
    })),
  );
  const [a, b] = await Promise.all([scanner({ pageSize: 7 }).tick(), scanner({ pageSize: 11 }).tick()]);
  expect(a.fired + b.fired).toBe(60);
  expect(a.fired + b.fired + a.skipped + b.skipped).toBeGreaterThanOrEqual(60);
  const all = (await stores.concerns.list({ mindId: MIND, limit: 100 })).items;
  const recorded = await fires(all.map((c) => c.id));
  expect(recorded).toHaveLength(60);
  expect(new Set(recorded.map((f) => f.concernId)).size).toBe(60);
  expect(await stores.tasks.count({ type: FOLLOW_UP_TASK })).toBe(60);
});

test('a tick while one runs joins it; a configured policy is used', async () => {
  const policy = checkFollowUpPolicy({ backoffBaseMs: { personal: HOUR } });
  const c = await concern({ urgency: 'high' });
  const s = scanner({ policy });
  const [one, two] = await Promise.all([s.tick(), s.tick()]);
  expect(one).toBe(two);
  expect((await stores.concerns.get(MIND, c.id))!.nextCheckAt).toBe(clock.now() + HOUR);
});
