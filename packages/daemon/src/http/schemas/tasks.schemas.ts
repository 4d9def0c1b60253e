import { z } from 'zod';
import type { StoredSchedule, StoredTask } from '@genesis/mind-core';
import { cursorQuery, iso, limitQuery, timeInput } from './common';

export const enqueueBody = z.strictObject({
  type: z.string().min(1).max(100),
  payload: z.unknown().optional(),
  runAt: timeInput.optional(),
  priority: z.number().int().optional(),
  maxAttempts: z.number().int().min(1).max(1000).optional(),
  idempotencyKey: z.string().min(1).max(200).optional(),
  timeoutMs: z.number().int().min(1).optional(),
});

export const listTasksQuery = z.strictObject({
  status: z.enum(['pending', 'running', 'succeeded', 'failed', 'dead', 'cancelled']).optional(),
  type: z.string().min(1).max(100).optional(),
  limit: limitQuery(50),
  cursor: cursorQuery,
});

export const listSchedulesQuery = z.strictObject({ limit: limitQuery(100), cursor: cursorQuery });

/** A task as the API shows it: no lease token (it is the running worker's secret). */
export function taskView(t: StoredTask) {
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

export function scheduleView(s: StoredSchedule) {
  return {
    ...s,
    nextRunAt: iso(s.nextRunAt),
    lastSlotAt: iso(s.lastSlotAt),
    createdAt: iso(s.createdAt),
    updatedAt: iso(s.updatedAt),
  };
}
