import type { EpochMs } from '../ports/page';
import type { ScheduleInput, StoredSchedule } from '../ports/schedule-store';
import { invalidInput } from '../shared/errors';
import { epochMs, jsonValue, nonEmptyText, parseLimit, stringList } from '../shared/validation';

/** The largest payload a schedule carries, as serialized JSON (1 MB, as a task's). */
export const MAX_SCHEDULE_PAYLOAD_BYTES = 1024 * 1024;

/** What an upsert writes: every field of the schedule but those it keeps (id, lastSlotAt, createdAt). */
export type ScheduleFields = Omit<StoredSchedule, 'id' | 'lastSlotAt' | 'createdAt'>;

/** A schedule's Mind as every ScheduleStore checks it: null (the daemon's own) or a Mind id. */
export function scheduleMind(mindId: string | null): string | null {
  return mindId === null ? null : nonEmptyText(mindId, 'mindId', 64);
}

/**
 * A schedule as every ScheduleStore checks it before an upsert at `now`: the input's fields, with
 * the payload JSON of at most 1 MB and the defaults filled in (no payload: null; enabled).
 */
export function scheduleFields(input: ScheduleInput, now: EpochMs): ScheduleFields {
  const mindId = scheduleMind(input.mindId);
  const name = nonEmptyText(input.name, 'name', 100);
  const payload = jsonValue(input.payload ?? null, 'payload');
  const bytes = Buffer.byteLength(JSON.stringify(payload));
  if (bytes > MAX_SCHEDULE_PAYLOAD_BYTES) {
    throw invalidInput('payload', `must be at most ${MAX_SCHEDULE_PAYLOAD_BYTES} bytes (1 MB) as JSON, got ${bytes}`);
  }
  return {
    mindId,
    name,
    cron: nonEmptyText(input.cron, 'cron', 200),
    timezone: nonEmptyText(input.timezone, 'timezone', 64),
    type: nonEmptyText(input.type, 'type', 100),
    payload,
    enabled: input.enabled ?? true,
    nextRunAt: epochMs(input.nextRunAt, 'nextRunAt'),
    updatedAt: now,
  };
}

/** A `due` query as every ScheduleStore checks it: the time, the most to return, and the Minds (deduplicated). */
export function checkDue(
  now: EpochMs,
  limit: number,
  mindIds: readonly string[] | undefined,
): { now: EpochMs; limit: number; mindIds: string[] | undefined } {
  epochMs(now, 'now');
  const max = parseLimit(limit);
  const minds =
    mindIds === undefined
      ? undefined
      : [...new Set(stringList(mindIds, 'mindIds').map((m) => nonEmptyText(m, 'mindIds')))];
  return { now, limit: max, mindIds: minds };
}

/** A fired slot as every ScheduleStore checks it: the schedule, its slot, its next run, and when it fired. */
export function checkFire(
  scheduleId: string,
  slotAt: EpochMs,
  nextRunAt: EpochMs,
  now: EpochMs,
): { scheduleId: string; slotAt: EpochMs; nextRunAt: EpochMs; firedAt: EpochMs } {
  return {
    scheduleId: nonEmptyText(scheduleId, 'scheduleId', 36),
    slotAt: epochMs(slotAt, 'slotAt'),
    nextRunAt: epochMs(nextRunAt, 'nextRunAt'),
    firedAt: epochMs(now, 'now'),
  };
}
