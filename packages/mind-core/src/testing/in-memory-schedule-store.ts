import type { EpochMs, Page } from '../ports/page';
import type { ScheduleInput, ScheduleQuery, ScheduleStore, StoredSchedule } from '../ports/schedule-store';
import { invalidInput } from '../shared/errors';
import { epochMs, jsonValue, nonEmptyText, parseLimit, stringList } from '../shared/validation';
import { copy, keysetPage, newId, InMemoryStore } from './in-memory-state';

/** The largest payload a schedule carries, as serialized JSON (1 MB, as a task's). */
const MAX_PAYLOAD_BYTES = 1024 * 1024;

/** A schedule's Mind: null (the daemon's own) or a Mind id. */
const mindOf = (mindId: string | null): string | null => (mindId === null ? null : nonEmptyText(mindId, 'mindId', 64));

/**
 * The ScheduleStore port in memory, behaving like the SQL one: unique by (mindId, name), paged by
 * (nextRunAt, id) ascending; each (schedule, slot) fires once.
 */
export class InMemoryScheduleStore extends InMemoryStore implements ScheduleStore {
  async upsert(input: ScheduleInput): Promise<StoredSchedule> {
    const now = this.clock.now();
    const mindId = mindOf(input.mindId);
    const name = nonEmptyText(input.name, 'name', 100);
    const payload = jsonValue(input.payload ?? null, 'payload');
    const bytes = Buffer.byteLength(JSON.stringify(payload));
    if (bytes > MAX_PAYLOAD_BYTES) {
      throw invalidInput('payload', `must be at most ${MAX_PAYLOAD_BYTES} bytes (1 MB) as JSON, got ${bytes}`);
    }
    const values = {
      cron: nonEmptyText(input.cron, 'cron', 200),
      timezone: nonEmptyText(input.timezone, 'timezone', 64),
      type: nonEmptyText(input.type, 'type', 100),
      payload: JSON.parse(JSON.stringify(payload)) as unknown,
      enabled: input.enabled ?? true,
      nextRunAt: epochMs(input.nextRunAt, 'nextRunAt'),
      updatedAt: now,
    };
    const existing = this.find(mindId, name);
    if (existing) {
      Object.assign(existing, values);
      return copy(existing);
    }
    const row: StoredSchedule = { id: newId(), mindId, name, ...values, lastSlotAt: null, createdAt: now };
    this.state.schedules.push(row);
    return copy(row);
  }

  async get(mindId: string | null, name: string): Promise<StoredSchedule | null> {
    const row = this.find(mindOf(mindId), name);
    return row ? copy(row) : null;
  }

  async list(query: ScheduleQuery): Promise<Page<StoredSchedule>> {
    const mindId = query.mindId === undefined ? undefined : mindOf(query.mindId);
    return keysetPage(
      this.state.schedules.filter((s) => mindId === undefined || s.mindId === mindId),
      { limit: query.limit, cursor: query.cursor, direction: 'asc', position: (s) => ({ key: s.nextRunAt, id: s.id }) },
    );
  }

  async remove(mindId: string | null, name: string): Promise<boolean> {
    const row = this.find(mindOf(mindId), name);
    if (!row) return false;
    this.state.schedules = this.state.schedules.filter((s) => s !== row);
    this.state.scheduleFires = this.state.scheduleFires.filter((f) => f.scheduleId !== row.id);
    return true;
  }

  async due(now: EpochMs, limit: number, mindIds?: readonly string[]): Promise<StoredSchedule[]> {
    epochMs(now, 'now');
    const max = parseLimit(limit);
    const minds =
      mindIds === undefined
        ? undefined
        : new Set(stringList(mindIds, 'mindIds').map((m) => nonEmptyText(m, 'mindIds')));
    return this.state.schedules
      .filter((s) => s.enabled && s.nextRunAt <= now && (!minds || s.mindId === null || minds.has(s.mindId)))
      .sort((a, b) => a.nextRunAt - b.nextRunAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .slice(0, max)
      .map(copy);
  }

  async fireSlot(scheduleId: string, slotAt: EpochMs, nextRunAt: EpochMs, now: EpochMs): Promise<boolean> {
    nonEmptyText(scheduleId, 'scheduleId', 36);
    epochMs(slotAt, 'slotAt');
    epochMs(nextRunAt, 'nextRunAt');
    epochMs(now, 'now');
    const row = this.state.schedules.find((s) => s.id === scheduleId);
    if (!row || this.state.scheduleFires.some((f) => f.scheduleId === scheduleId && f.slotAt === slotAt)) return false;
    this.state.scheduleFires.push({ scheduleId, slotAt, firedAt: now });
    row.lastSlotAt = slotAt;
    row.nextRunAt = nextRunAt;
    return true;
  }

  private find(mindId: string | null, name: string): StoredSchedule | undefined {
    return this.state.schedules.find((s) => s.mindId === mindId && s.name === name);
  }
}
