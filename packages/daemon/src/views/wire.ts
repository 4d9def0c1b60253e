import type { Memory, StoredConcern, StoredMessage, StoredSchedule, StoredTask } from '@genesis/mind-core';

/**
 * The records as Genesis shows them outside the process — the HTTP API's JSON and the CLI's
 * `--json` — with the TypeScript API's camelCase fields and times as ISO strings. One place, so the
 * two never drift apart.
 */

/** Epoch milliseconds as ISO text (null stays null). */
export function iso(ms: number): string;
export function iso(ms: number | null): string | null;
export function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
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
