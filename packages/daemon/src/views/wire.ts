import type { Memory, StoredConcern, StoredMessage, StoredSchedule, StoredTask } from '@genesis/mind-core';

/**
 * The records as Genesis shows them outside the process — the HTTP API's JSON and the CLI's
 * `--json` — with the TypeScript API's camelCase fields and times as ISO strings. One place, so the
 * two never drift apart.
 */

const DAY_MS = 86_400_000;
/** 9999-12-31T23:59:59.999Z: up to here `toISOString` writes a four-digit year. */
const LAST_FOUR_DIGIT_YEAR_MS = 253_402_300_799_999;
let lastDay = NaN;
let lastDayText = '';
const two = (n: number) => (n < 10 ? `0${n}` : `${n}`);
const three = (n: number) => (n < 10 ? `00${n}` : n < 100 ? `0${n}` : `${n}`);

/**
 * Epoch milliseconds as ISO text (null stays null): the text of `Date#toISOString`, written here
 * for whole milliseconds from 1970 to 9999 — the API writes one per message of every page, and
 * `toISOString` formats through printf in C++ (≈ 3 × slower). The date part is reused while the
 * day stays the same. Anything else (before 1970, after 9999, fractions, NaN) goes to `toISOString`.
 */
export function iso(ms: number): string;
export function iso(ms: number | null): string | null;
export function iso(ms: number | null): string | null {
  if (ms === null) return null;
  if (!Number.isInteger(ms) || ms < 0 || ms > LAST_FOUR_DIGIT_YEAR_MS) return new Date(ms).toISOString();
  const day = Math.floor(ms / DAY_MS);
  if (day !== lastDay) {
    lastDayText = new Date(day * DAY_MS).toISOString().slice(0, 11); // 'YYYY-MM-DDT'
    lastDay = day;
  }
  let rest = ms - day * DAY_MS;
  const hours = Math.floor(rest / 3_600_000);
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / 60_000);
  rest -= minutes * 60_000;
  const seconds = Math.floor(rest / 1000);
  return `${lastDayText}${two(hours)}:${two(minutes)}:${two(seconds)}.${three(rest - seconds * 1000)}Z`;
}

export const messageJson = (m: StoredMessage) => ({ ...m, createdAt: iso(m.createdAt) });

export const concernJson = (c: StoredConcern) => ({
  ...c,
  nextCheckAt: iso(c.nextCheckAt),
  lastCheckedAt: iso(c.lastCheckedAt),
  resolvedAt: iso(c.resolvedAt),
  expiresAt: iso(c.expiresAt),
  createdAt: iso(c.createdAt),
  updatedAt: iso(c.updatedAt),
});

export const memoryJson = <M extends Memory>(m: M) => ({
  ...m,
  timestamp: iso(m.timestamp),
  lastAccessed: iso(m.lastAccessed),
});

/** A task without its lease token (the running worker's secret). */
export function taskJson(t: StoredTask) {
  const { leaseToken: _token, ...rest } = t;
  return {
    ...rest,
    runAt: iso(t.runAt),
    leaseExpiresAt: iso(t.leaseExpiresAt),
    createdAt: iso(t.createdAt),
    updatedAt: iso(t.updatedAt),
    finishedAt: iso(t.finishedAt),
  };
}

export const scheduleJson = (s: StoredSchedule) => ({
  ...s,
  nextRunAt: iso(s.nextRunAt),
  lastSlotAt: iso(s.lastSlotAt),
  createdAt: iso(s.createdAt),
  updatedAt: iso(s.updatedAt),
});
