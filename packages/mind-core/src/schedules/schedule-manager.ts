import type { Clock } from '../ports/clock';
import type { ScheduleStore, StoredSchedule } from '../ports/schedule-store';
import { invalidInput } from '../shared/errors';
import { jsonValue, nonEmptyText } from '../shared/validation';
import { CronSchedule } from './cron';

export interface ScheduleDefinition {
  /** Unique per Mind: upserting the same name replaces the schedule. */
  name: string;
  /** A cron expression: 5 fields (minute precision) or 6 (seconds first). */
  cron: string;
  /** The task type each slot enqueues. */
  type: string;
  payload?: unknown;
  /** IANA time zone the expression is read in. Default UTC. */
  timezone?: string;
}

/**
 * Recurring schedules of a Mind (`mind.schedules`) or, with mindId null, of the daemon (each slot
 * of a daemon schedule enqueues its task for every Mind): each slot fires at most once.
 */
export class ScheduleManager {
  constructor(
    private readonly mindId: string | null,
    private readonly store: ScheduleStore,
    private readonly clock: Clock,
  ) {}

  async upsert(input: ScheduleDefinition): Promise<StoredSchedule> {
    const timezone = input.timezone ?? 'UTC';
    const cron = new CronSchedule(input.cron, timezone);
    const next = cron.nextAfter(this.clock.now());
    if (next === null) throw invalidInput('cron', `never fires again after now, got ${JSON.stringify(input.cron)}`);
    return this.store.upsert({
      mindId: this.mindId,
      name: nonEmptyText(input.name, 'name', 100),
      cron: input.cron,
      timezone,
      type: nonEmptyText(input.type, 'type', 100),
      ...(input.payload !== undefined ? { payload: jsonValue(input.payload, 'payload') } : {}),
      nextRunAt: next,
    });
  }

  /**
   * Makes the schedule match `input` without moving it when it already does: an unchanged
   * schedule keeps its next slot (so a slot missed while no daemon ran still fires once).
   */
  async ensure(input: ScheduleDefinition): Promise<StoredSchedule> {
    const current = await this.store.get(this.mindId, nonEmptyText(input.name, 'name', 100));
    const same =
      current !== null &&
      current.enabled &&
      current.cron === input.cron &&
      current.timezone === (input.timezone ?? 'UTC') &&
      current.type === input.type &&
      JSON.stringify(current.payload) === JSON.stringify(input.payload ?? null);
    return same ? current : this.upsert(input);
  }

  /** The schedules, soonest first. */
  async list(): Promise<StoredSchedule[]> {
    const all: StoredSchedule[] = [];
    let cursor: string | null = null;
    do {
      const page = await this.store.list({ mindId: this.mindId, limit: 500, cursor });
      all.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    return all;
  }

  async remove(name: string): Promise<boolean> {
    return this.store.remove(this.mindId, nonEmptyText(name, 'name', 100));
  }
}
