import { CONCERN_TYPES } from '../ports/concern-store';
import type { ConcernType, ConcernUrgency, StoredConcern } from '../ports/concern-store';
import type { EpochMs } from '../ports/page';
import { parseTimezone } from '../schedules/cron';
import { invalidInput } from '../shared/errors';
import { shown } from '../shared/validation';

/**
 * When a Mind follows up on a concern: the policy of the original Genesis (its intelligent timing
 * and proactive modules), pure — no I/O, no clock: every time comes from the caller. Every number
 * is a setting of {@link FollowUpPolicyConfig}.
 */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

export interface FollowUpRateLimit {
  /** At most this many follow-ups per Mind and user in `windowMs`. Default 10. */
  max: number;
  /** Default 1 h. */
  windowMs: number;
  /** A follow-up held back by the limit is looked at again after this long. Default 6 min. */
  retryMs: number;
}

export interface FollowUpPolicyConfig {
  /** A concern at or above this severity is treated as critical. Default 0.9. */
  criticalSeverity: number;
  /** Local 'HH:MM-HH:MM' (may wrap midnight; equal ends: no quiet hours). Default '22:00-06:00'. */
  quietHours: string;
  /** Normal and low urgency follow-ups that fall in quiet hours go to this local time after them. Default '06:30'. */
  quietHoursResume: string;
  /** What counts as the morning (health concerns). Default '06:00-12:00'. */
  morning: string;
  /** What counts as the evening (low urgency concerns). Default '18:00-22:00'. */
  evening: string;
  /** A message with the user this recently holds normal and low follow-ups back until this long after it. Default 30 min. */
  conversationWindowMs: number;
  /** High urgency: the first check this long after the concern is noticed. Default 10 min. */
  highDelayMs: number;
  /** A task concern whose deadline (metadata.deadline) is this close is followed up at once. Default 2 h. */
  taskDeadlineWindowMs: number;
  /** A health concern noticed in the morning is first checked at this local time. Default '14:30'. */
  healthMorningCheck: string;
  /** A health concern noticed at any other time: this long after. Default 6 h. */
  healthDelayMs: number;
  /** An emotion concern: this long after. Default 2.5 h. */
  emotionDelayMs: number;
  /** A low urgency concern noticed in the evening is first checked at this local time the next morning. Default '08:30'. */
  lowEveningCheck: string;
  /** Every other concern: this long after. Default 3 h. */
  defaultDelayMs: number;
  /** The n-th further follow-up (n = 0, 1, 2…) waits base × 2^n, per concern type. */
  backoffBaseMs: Record<ConcernType, number>;
  /** After this many follow-ups without an answer from the user, the concern resolves itself. Default 3. */
  maxUnansweredFollowUps: number;
  rateLimit: FollowUpRateLimit;
}

/** Partial settings over the defaults (as in `genesis.config.json` → `followUps.policy`). */
export type FollowUpPolicyOverrides = Partial<Omit<FollowUpPolicyConfig, 'backoffBaseMs' | 'rateLimit'>> & {
  backoffBaseMs?: Partial<Record<ConcernType, number>>;
  rateLimit?: Partial<FollowUpRateLimit>;
};

export const DEFAULT_FOLLOW_UP_POLICY: Readonly<FollowUpPolicyConfig> = Object.freeze({
  criticalSeverity: 0.9,
  quietHours: '22:00-06:00',
  quietHoursResume: '06:30',
  morning: '06:00-12:00',
  evening: '18:00-22:00',
  conversationWindowMs: 30 * MINUTE,
  highDelayMs: 10 * MINUTE,
  taskDeadlineWindowMs: 2 * HOUR,
  healthMorningCheck: '14:30',
  healthDelayMs: 6 * HOUR,
  emotionDelayMs: 2.5 * HOUR,
  lowEveningCheck: '08:30',
  defaultDelayMs: 3 * HOUR,
  backoffBaseMs: Object.freeze({
    health: 6 * HOUR,
    emotion: 3 * HOUR,
    task: 12 * HOUR,
    relationship: 24 * HOUR,
    financial: 24 * HOUR,
    personal: 24 * HOUR,
  }),
  maxUnansweredFollowUps: 3,
  rateLimit: Object.freeze({ max: 10, windowMs: HOUR, retryMs: 6 * MINUTE }),
}) as Readonly<FollowUpPolicyConfig>;

const RANGE_KEYS = ['quietHours', 'morning', 'evening'] as const;
const TIME_KEYS = ['quietHoursResume', 'healthMorningCheck', 'lowEveningCheck'] as const;
const DURATION_KEYS = [
  'conversationWindowMs',
  'highDelayMs',
  'taskDeadlineWindowMs',
  'healthDelayMs',
  'emotionDelayMs',
  'defaultDelayMs',
] as const;
const TOP_KEYS = new Set<string>([
  ...RANGE_KEYS,
  ...TIME_KEYS,
  ...DURATION_KEYS,
  'criticalSeverity',
  'backoffBaseMs',
  'maxUnansweredFollowUps',
  'rateLimit',
]);

const HH_MM = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** Minutes after local midnight of 'HH:MM'. */
function minuteOfDay(value: unknown, field: string): number {
  const m = typeof value === 'string' ? HH_MM.exec(value.trim()) : null;
  if (!m) throw invalidInput(field, `must be a local time 'HH:MM' (00:00 to 23:59), got ${shown(value)}`);
  return Number(m[1]) * 60 + Number(m[2]);
}

interface Range {
  start: number;
  end: number;
}

function parseRange(value: unknown, field: string): Range {
  const parts = typeof value === 'string' ? value.split('-') : [];
  if (parts.length !== 2 || !HH_MM.test(parts[0]!.trim()) || !HH_MM.test(parts[1]!.trim()))
    throw invalidInput(field, `must be local times 'HH:MM-HH:MM' like '22:00-06:00', got ${shown(value)}`);
  return { start: minuteOfDay(parts[0], field), end: minuteOfDay(parts[1], field) };
}

function duration(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0)
    throw invalidInput(field, `must be a non-negative number of milliseconds, got ${shown(value)}`);
  return value;
}

function plainObject(value: unknown, field: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw invalidInput(field, `must be an object, got ${shown(value)}`);
  return value as Record<string, unknown>;
}

function knownKeys(value: Record<string, unknown>, allowed: Iterable<string>, prefix: string): void {
  const known = new Set(allowed);
  for (const key of Object.keys(value))
    if (!known.has(key))
      throw invalidInput(`${prefix}${key}`, `is not a follow-up policy setting (known: ${[...known].join(', ')})`);
}

/**
 * The policy in effect: `overrides` over {@link DEFAULT_FOLLOW_UP_POLICY}, every value checked.
 * A bad value fails with INVALID_INPUT naming its key (`policy.quietHours`, `policy.rateLimit.max`…).
 */
export function checkFollowUpPolicy(overrides: unknown = {}, prefix = 'policy.'): FollowUpPolicyConfig {
  const input = plainObject(overrides ?? {}, prefix.replace(/\.$/, '') || 'policy');
  knownKeys(input, TOP_KEYS, prefix);
  const d = DEFAULT_FOLLOW_UP_POLICY;
  const pick = <K extends keyof FollowUpPolicyConfig>(key: K): unknown =>
    input[key] === undefined ? d[key] : input[key];
  const policy = { ...d, backoffBaseMs: { ...d.backoffBaseMs }, rateLimit: { ...d.rateLimit } } as FollowUpPolicyConfig;
  const severity = pick('criticalSeverity');
  if (typeof severity !== 'number' || !Number.isFinite(severity) || severity < 0 || severity > 1)
    throw invalidInput(`${prefix}criticalSeverity`, `must be a number from 0 to 1, got ${shown(severity)}`);
  policy.criticalSeverity = severity;
  for (const key of RANGE_KEYS) {
    parseRange(pick(key), `${prefix}${key}`);
    policy[key] = String(pick(key)).replace(/\s/g, '');
  }
  for (const key of TIME_KEYS) {
    minuteOfDay(pick(key), `${prefix}${key}`);
    policy[key] = String(pick(key)).trim();
  }
  for (const key of DURATION_KEYS) policy[key] = duration(pick(key), `${prefix}${key}`);
  if (input.backoffBaseMs !== undefined) {
    const base = plainObject(input.backoffBaseMs, `${prefix}backoffBaseMs`);
    knownKeys(base, CONCERN_TYPES, `${prefix}backoffBaseMs.`);
    for (const [type, ms] of Object.entries(base))
      policy.backoffBaseMs[type as ConcernType] = duration(ms, `${prefix}backoffBaseMs.${type}`);
  }
  const unanswered = pick('maxUnansweredFollowUps');
  if (typeof unanswered !== 'number' || !Number.isSafeInteger(unanswered) || unanswered < 1)
    throw invalidInput(`${prefix}maxUnansweredFollowUps`, `must be a positive integer, got ${shown(unanswered)}`);
  policy.maxUnansweredFollowUps = unanswered;
  if (input.rateLimit !== undefined) {
    const rate = plainObject(input.rateLimit, `${prefix}rateLimit`);
    knownKeys(rate, ['max', 'windowMs', 'retryMs'], `${prefix}rateLimit.`);
    if (rate.max !== undefined) {
      if (typeof rate.max !== 'number' || !Number.isSafeInteger(rate.max) || rate.max < 1)
        throw invalidInput(`${prefix}rateLimit.max`, `must be a positive integer, got ${shown(rate.max)}`);
      policy.rateLimit.max = rate.max;
    }
    if (rate.windowMs !== undefined) policy.rateLimit.windowMs = duration(rate.windowMs, `${prefix}rateLimit.windowMs`);
    if (rate.retryMs !== undefined) policy.rateLimit.retryMs = duration(rate.retryMs, `${prefix}rateLimit.retryMs`);
  }
  if (policy.rateLimit.retryMs < 1000)
    throw invalidInput(`${prefix}rateLimit.retryMs`, `must be at least 1000 ms, got ${policy.rateLimit.retryMs}`);
  return policy;
}

// ---------------------------------------------------------------------------------------------
// Local time in a zone, with Intl (no dependency).

interface LocalDay {
  year: number;
  month: number;
  day: number;
}

interface LocalTime extends LocalDay {
  /** Minutes after local midnight. */
  minute: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(zone, f);
  }
  return f;
}

function wallClock(at: EpochMs, zone: string): LocalTime & { second: number } {
  const parts: Record<string, number> = {};
  for (const p of formatter(zone).formatToParts(new Date(at)))
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  return {
    year: parts.year!,
    month: parts.month!,
    day: parts.day!,
    minute: (parts.hour! % 24) * 60 + parts.minute!,
    second: parts.second!,
  };
}

/** The local time of `at` in `zone`. */
export function localTime(at: EpochMs, zone: string): LocalTime {
  const { year, month, day, minute } = wallClock(at, zone);
  return { year, month, day, minute };
}

/** How far `zone` is ahead of UTC at `at`, in ms. */
function offsetAt(at: EpochMs, zone: string): number {
  const w = wallClock(at, zone);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, Math.floor(w.minute / 60), w.minute % 60, w.second);
  return asUtc - (at - (((at % 1000) + 1000) % 1000));
}

/** The instant of local `minute` on `day` in `zone` (in a DST gap: the same wall time with the earlier offset). */
function instantOf(day: LocalDay, minute: number, zone: string): EpochMs {
  const wall = Date.UTC(day.year, day.month - 1, day.day, 0, minute);
  const first = wall - offsetAt(wall, zone);
  return wall - offsetAt(first, zone);
}

function nextDay(day: LocalDay): LocalDay {
  const d = new Date(Date.UTC(day.year, day.month - 1, day.day + 1));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

/** The first instant at or after `from` whose local time in `zone` is `minute`. */
function nextLocal(from: EpochMs, minute: number, zone: string): EpochMs {
  let day: LocalDay = localTime(from, zone);
  for (let i = 0; i < 3; i++) {
    const at = instantOf(day, minute, zone);
    if (at >= from) return at;
    day = nextDay(day);
  }
  return instantOf(day, minute, zone);
}

function inRange(minute: number, range: Range): boolean {
  if (range.start === range.end) return false;
  return range.start < range.end
    ? minute >= range.start && minute < range.end
    : minute >= range.start || minute < range.end;
}

// ---------------------------------------------------------------------------------------------
// The policy.

/** What the policy needs to know of a concern when it is noticed. */
export interface FollowUpSubject {
  concernType: ConcernType;
  urgency: ConcernUrgency;
  /** 0..1, default 0.5 */
  severity?: number;
  /** `metadata.deadline` (ISO 8601 or epoch ms) of a task concern is read. */
  metadata?: Record<string, unknown>;
}

/** The moment and the surroundings of a decision; the caller reads them (the policy does no I/O). */
export interface FollowUpTimes {
  now: EpochMs;
  /** The user's IANA time zone, if known (e.g. concern metadata.timezone). */
  userTimeZone?: string | null;
  /** The Mind's time zone (configuration). Neither: UTC. */
  mindTimeZone?: string | null;
  /** The latest message with that user (either direction), if any. */
  lastMessageAt?: EpochMs | null;
}

export interface FireContext extends FollowUpTimes {
  /** The latest message FROM that user (role user), if any: after the last follow-up it is an answer. */
  lastAnswerAt?: EpochMs | null;
  /** Follow-ups already sent for this Mind and user within the rate window before `now`. */
  recentFires?: number;
}

export type FirstCheckReason = 'critical' | 'deadline' | 'high' | 'health' | 'emotion' | 'low-evening' | 'default';

export interface FirstCheck {
  at: EpochMs;
  reason: FirstCheckReason;
  /** Set when quiet hours or a recent conversation moved the check later. */
  movedBy?: 'quiet-hours' | 'conversation';
}

export type DeferReason = 'quiet-hours' | 'conversation' | 'rate-limit';

export type FollowUpDecision =
  | { kind: 'fire'; reason: 'critical' | 'deadline' | 'due' }
  | { kind: 'defer'; until: EpochMs; reason: DeferReason }
  | { kind: 'resolve'; note: string };

/** The zone a decision is made in: the user's, else the Mind's, else UTC (each checked). */
export function followUpZone(times: Pick<FollowUpTimes, 'userTimeZone' | 'mindTimeZone'>): string {
  if (times.userTimeZone) return parseTimezone(times.userTimeZone, 'userTimeZone');
  if (times.mindTimeZone) return parseTimezone(times.mindTimeZone, 'mindTimeZone');
  return 'UTC';
}

const isCritical = (s: FollowUpSubject, p: FollowUpPolicyConfig): boolean =>
  s.urgency === 'critical' || (s.severity ?? 0.5) >= p.criticalSeverity;

/** The deadline of a task concern (metadata.deadline as ISO 8601 text or epoch ms), if it has one. */
export function taskDeadline(subject: FollowUpSubject): EpochMs | null {
  if (subject.concernType !== 'task') return null;
  const raw = subject.metadata?.deadline;
  const at = typeof raw === 'number' ? raw : typeof raw === 'string' ? Date.parse(raw) : Number.NaN;
  return Number.isFinite(at) ? at : null;
}

const deadlineClose = (s: FollowUpSubject, now: EpochMs, p: FollowUpPolicyConfig): boolean => {
  const deadline = taskDeadline(s);
  return deadline !== null && deadline - now <= p.taskDeadlineWindowMs;
};

/**
 * Moves a normal or low urgency check out of a recent conversation's window and out of quiet
 * hours (to the resume time after them), as often as needed.
 */
function settle(
  at: EpochMs,
  times: FollowUpTimes,
  zone: string,
  p: FollowUpPolicyConfig,
): { at: EpochMs; movedBy?: 'quiet-hours' | 'conversation' } {
  let movedBy: 'quiet-hours' | 'conversation' | undefined;
  if (times.lastMessageAt != null && times.lastMessageAt + p.conversationWindowMs > at) {
    at = times.lastMessageAt + p.conversationWindowMs;
    movedBy = 'conversation';
  }
  const resumed = outOfQuietHours(at, zone, p);
  if (resumed !== at) {
    at = resumed;
    movedBy = 'quiet-hours';
  }
  return movedBy ? { at, movedBy } : { at };
}

/** `at` itself when it is not in quiet hours; else the resume time after the quiet hours it is in. */
export function outOfQuietHours(
  at: EpochMs,
  zone: string,
  p: FollowUpPolicyConfig = DEFAULT_FOLLOW_UP_POLICY,
): EpochMs {
  const quiet = parseRange(p.quietHours, 'quietHours');
  if (!inRange(localTime(at, zone).minute, quiet)) return at;
  const end = nextLocal(at, quiet.end, zone);
  const resume = nextLocal(end, minuteOfDay(p.quietHoursResume, 'quietHoursResume'), zone);
  // The resume time on the day the quiet hours end, unless it falls back inside them (then their end).
  return resume - end < 24 * HOUR && !inRange(localTime(resume, zone).minute, quiet) ? resume : end;
}

/**
 * When to check a concern noticed at `times.now` for the first time (for a concern created without
 * an explicit time). Rows, first match wins: critical urgency or severity ≥ criticalSeverity → now;
 * a task whose deadline is within taskDeadlineWindowMs → now; high → +highDelayMs; health → the
 * local healthMorningCheck when noticed in the morning, else +healthDelayMs; emotion →
 * +emotionDelayMs; low noticed in the evening → lowEveningCheck the next morning; else
 * +defaultDelayMs. Normal and low then wait for a recent conversation's window and quiet hours.
 */
export function firstCheckAt(
  subject: FollowUpSubject,
  times: FollowUpTimes,
  policy: FollowUpPolicyConfig = DEFAULT_FOLLOW_UP_POLICY,
): FirstCheck {
  const { now } = times;
  if (isCritical(subject, policy)) return { at: now, reason: 'critical' };
  if (deadlineClose(subject, now, policy)) return { at: now, reason: 'deadline' };
  if (subject.urgency === 'high') return { at: now + policy.highDelayMs, reason: 'high' };
  const zone = followUpZone(times);
  const local = localTime(now, zone).minute;
  let at: EpochMs;
  let reason: FirstCheckReason;
  if (subject.concernType === 'health') {
    const morningCheck = nextLocal(now, minuteOfDay(policy.healthMorningCheck, 'healthMorningCheck'), zone);
    const inMorning = inRange(local, parseRange(policy.morning, 'morning')) && morningCheck - now < 24 * HOUR;
    at = inMorning ? morningCheck : now + policy.healthDelayMs;
    reason = 'health';
  } else if (subject.concernType === 'emotion') {
    at = now + policy.emotionDelayMs;
    reason = 'emotion';
  } else if (subject.urgency === 'low' && inRange(local, parseRange(policy.evening, 'evening'))) {
    at = nextLocal(now, minuteOfDay(policy.lowEveningCheck, 'lowEveningCheck'), zone);
    reason = 'low-evening';
  } else {
    at = now + policy.defaultDelayMs;
    reason = 'default';
  }
  const settled = settle(at, times, zone, policy);
  return { ...settled, reason };
}

/** Whether the user answered since the last follow-up (a message from them after it). */
export function answeredSinceLastFollowUp(
  concern: Pick<StoredConcern, 'lastCheckedAt'>,
  lastAnswerAt: EpochMs | null | undefined,
): boolean {
  return concern.lastCheckedAt !== null && lastAnswerAt != null && lastAnswerAt > concern.lastCheckedAt;
}

/** Follow-ups sent since the user last answered (followUpCount, reset by an answer). */
export function unansweredFollowUps(
  concern: Pick<StoredConcern, 'lastCheckedAt' | 'followUpCount'>,
  lastAnswerAt: EpochMs | null | undefined,
): number {
  return answeredSinceLastFollowUp(concern, lastAnswerAt) ? 0 : concern.followUpCount;
}

type DecisionConcern = Pick<
  StoredConcern,
  'concernType' | 'urgency' | 'severity' | 'metadata' | 'followUpCount' | 'lastCheckedAt' | 'userEmail'
>;

/**
 * What to do with a concern whose check has come (`context.now` ≥ nextCheckAt): resolve it after
 * maxUnansweredFollowUps follow-ups without an answer; fire at once when critical; hold normal and
 * low urgency back in quiet hours and within a recent conversation's window (a task whose deadline
 * is close is not held); hold anything not critical back when the Mind already sent
 * rateLimit.max follow-ups to that user within the window; else fire.
 */
export function decideFire(
  concern: DecisionConcern,
  context: FireContext,
  policy: FollowUpPolicyConfig = DEFAULT_FOLLOW_UP_POLICY,
): FollowUpDecision {
  const { now } = context;
  if (unansweredFollowUps(concern, context.lastAnswerAt) >= policy.maxUnansweredFollowUps) {
    const who = concern.userEmail ?? 'the user';
    return {
      kind: 'resolve',
      note: `Resolved automatically: no answer from ${who} after ${policy.maxUnansweredFollowUps} follow-ups.`,
    };
  }
  if (isCritical(concern, policy)) return { kind: 'fire', reason: 'critical' };
  const pressing = deadlineClose(concern, now, policy);
  if (!pressing && concern.urgency !== 'high') {
    const zone = followUpZone(context);
    const resume = outOfQuietHours(now, zone, policy);
    if (resume > now) return { kind: 'defer', until: resume, reason: 'quiet-hours' };
    if (context.lastMessageAt != null && context.lastMessageAt + policy.conversationWindowMs > now) {
      const settled = settle(context.lastMessageAt + policy.conversationWindowMs, context, zone, policy);
      return { kind: 'defer', until: settled.at, reason: 'conversation' };
    }
  }
  if ((context.recentFires ?? 0) >= policy.rateLimit.max)
    return { kind: 'defer', until: now + policy.rateLimit.retryMs, reason: 'rate-limit' };
  return { kind: 'fire', reason: pressing ? 'deadline' : 'due' };
}

export interface NextCheck {
  nextCheckAt: EpochMs;
  /** Follow-ups since the user last answered, this one included. */
  followUpCount: number;
}

/**
 * After a follow-up fired at `firedAt`: the concern's next check is base × 2^n later (base per
 * type, n the follow-ups sent since the user last answered before this one), moved out of quiet
 * hours for normal and low urgency. An answer since the previous follow-up starts the count over.
 */
export function nextCheckAfterFire(
  concern: DecisionConcern,
  firedAt: EpochMs,
  context: Omit<FireContext, 'now' | 'lastMessageAt' | 'recentFires'> = {},
  policy: FollowUpPolicyConfig = DEFAULT_FOLLOW_UP_POLICY,
): NextCheck {
  const sent = unansweredFollowUps(concern, context.lastAnswerAt);
  const base = policy.backoffBaseMs[concern.concernType];
  let next = firedAt + Math.round(base * 2 ** sent);
  if (!isCritical(concern, policy) && concern.urgency !== 'high')
    next = outOfQuietHours(next, followUpZone(context), policy);
  return { nextCheckAt: Math.min(next, Number.MAX_SAFE_INTEGER), followUpCount: sent + 1 };
}
