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

/** A Mind's recurring schedules (`mind.schedules`): each slot enqueues one task, at most once. */
export class ScheduleManager {
  constructor(
    private readonly mindId: string,
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

  /** The Mind's schedules, soonest first. */
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
