import type { AppendResult } from './message-store';
import type { EpochMs, Page } from './page';

/** A recurring schedule: at each cron slot it enqueues a task of `type` with `payload`. */
export interface StoredSchedule {
  id: string;
  /** The Mind it belongs to; null for a schedule of the daemon itself. */
  mindId: string | null;
  /** Unique per Mind (or among the daemon's schedules). */
  name: string;
  /** A cron expression (5 or 6 fields). */
  cron: string;
  /** IANA time zone the cron expression is read in. */
  timezone: string;
  type: string;
  payload: unknown;
  enabled: boolean;
  /** The next slot to fire (epoch ms). */
  nextRunAt: EpochMs;
  /** The last slot fired, null before the first. */
  lastSlotAt: EpochMs | null;
  createdAt: EpochMs;
  updatedAt: EpochMs;
}

export interface ScheduleInput {
  mindId: string | null;
  name: string;
  cron: string;
  timezone: string;
  type: string;
  payload?: unknown;
  enabled?: boolean;
  /** The first slot to fire, computed by the caller from the cron expression. */
  nextRunAt: EpochMs;
}

export interface ScheduleQuery {
  /** A Mind's schedules; null: the daemon's own; absent: all. */
  mindId?: string | null;
  limit: number;
  cursor?: string | null;
}

export interface ScheduleStore {
  /** Creates the schedule, or replaces the one with the same (mindId, name) (id, createdAt and lastSlotAt kept). */
  upsert(schedule: ScheduleInput): Promise<StoredSchedule>;
  get(mindId: string | null, name: string): Promise<StoredSchedule | null>;
  /** Ordered by (nextRunAt, id) ascending. */
  list(query: ScheduleQuery): Promise<Page<StoredSchedule>>;
  remove(mindId: string | null, name: string): Promise<boolean>;
  /** Enabled schedules whose nextRunAt <= now, soonest first; of these Minds only (and the daemon's) when given. */
  due(now: EpochMs, limit: number, mindIds?: readonly string[]): Promise<StoredSchedule[]>;
  /**
   * Records that `slotAt` of the schedule fired and moves it to `nextRunAt`. Each (schedule, slot)
   * fires at most once: false (and nothing written) when that slot was fired already. Run it in
   * the same unit of work as the task it enqueues.
   */
  fireSlot(scheduleId: string, slotAt: EpochMs, nextRunAt: EpochMs, now: EpochMs): Promise<boolean>;
  /**
   * Imports whole rows (ids, next run and last slot kept) in one transaction; a row already there
   * (by id, or by Mind and name) is skipped and left as it is.
   */
  importMany(rows: readonly StoredSchedule[]): Promise<AppendResult>;
}
