import { CronSchedule } from '@genesis/mind-core';
import type { Clock, Logger, NewTask, ScheduleStore, StoredSchedule, UnitOfWork } from '@genesis/mind-core';

export interface SchedulerOptions {
  /** The Minds whose schedules this daemon fires (the ones it holds). */
  minds(): readonly string[];
  /** Told after a slot enqueued a task. */
  onFired?(schedule: StoredSchedule, slotAt: number): void;
}

/** The task a schedule slot enqueues is keyed by the slot, so no slot can enqueue two. */
export const slotKey = (scheduleId: string, slotAt: number): string => `schedule:${scheduleId}:${slotAt}`;

/**
 * Fires due schedules: for each, in ONE unit of work, the (schedule, slot) fire record, the
 * schedule's next slot and the task (for a daemon schedule, one task per Mind of the home). Two daemons racing, or a restart in the middle, fire a slot
 * once. After downtime a schedule fires once for the missed slots (its earliest), then moves to
 * the first slot after now.
 */
export class Scheduler {
  constructor(
    private readonly schedules: ScheduleStore,
    private readonly unitOfWork: UnitOfWork,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly options: SchedulerOptions,
  ) {}

  /** Fires every due schedule of the held Minds; returns how many slots fired. */
  async tick(): Promise<number> {
    const minds = this.options.minds();
    if (minds.length === 0) return 0;
    let fired = 0;
    for (;;) {
      const due = await this.schedules.due(this.clock.now(), 100, minds);
      for (const schedule of due) if (await this.fire(schedule)) fired++;
      if (due.length < 100) return fired;
    }
  }

  private async fire(schedule: StoredSchedule): Promise<boolean> {
    const now = this.clock.now();
    const slotAt = schedule.nextRunAt;
    let next: number;
    try {
      next =
        new CronSchedule(schedule.cron, schedule.timezone).nextAfter(Math.max(now, slotAt)) ?? Number.MAX_SAFE_INTEGER;
    } catch (error) {
      this.log.error(
        { scheduleId: schedule.id, name: schedule.name, err: error },
        'schedule has an invalid cron expression; skipped',
      );
      return false;
    }
    const idempotencyKey = slotKey(schedule.id, slotAt);
    const task = (mindId: string): NewTask => ({
      mindId,
      type: schedule.type,
      payload: schedule.payload,
      idempotencyKey,
    });
    const enqueued = await this.unitOfWork.run(async (stores) => {
      if (!(await stores.schedules.fireSlot(schedule.id, slotAt, next, now))) return null;
      if (schedule.mindId !== null) {
        await stores.tasks.enqueue(task(schedule.mindId));
        return 1;
      }
      // A daemon schedule runs its task on every Mind of the home, in the same transaction as the
      // fire record: whichever daemon fires the slot enqueues for all, once.
      let count = 0;
      let cursor: string | null = null;
      do {
        const page = await stores.minds.list({ limit: 500, cursor });
        await stores.tasks.enqueueMany(page.items.map((m) => task(m.gmid)));
        count += page.items.length;
        cursor = page.nextCursor;
      } while (cursor);
      return count;
    });
    const fired = enqueued !== null;
    if (fired) {
      this.log.info(
        {
          mindId: schedule.mindId ?? undefined,
          ...(schedule.mindId === null ? { daemonSchedule: true, tasks: enqueued } : {}),
          schedule: schedule.name,
          slot: new Date(slotAt).toISOString(),
          next: new Date(next).toISOString(),
        },
        'schedule fired',
      );
      this.options.onFired?.(schedule, slotAt);
    }
    return fired;
  }
}
