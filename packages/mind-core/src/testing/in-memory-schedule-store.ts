import type { EpochMs, Page } from '../ports/page';
import type { ScheduleInput, ScheduleQuery, ScheduleStore, StoredSchedule } from '../ports/schedule-store';
import { checkDue, checkFire, scheduleFields, scheduleMind } from '../schedules/new-schedule';
import type { AppendResult } from '../ports/message-store';
import { checkImportedSchedule } from '../transfer/imported-rows';
import { copy, jsonCopy, keysetPage, newId, InMemoryStore } from './in-memory-state';
import { appendAbsent } from './append-absent';

/**
 * The ScheduleStore port in memory, behaving like the SQL one: unique by (mindId, name), paged by
 * (nextRunAt, id) ascending; each (schedule, slot) fires once.
 */
export class InMemoryScheduleStore extends InMemoryStore implements ScheduleStore {
  async upsert(input: ScheduleInput): Promise<StoredSchedule> {
    const now = this.clock.now();
    const fields = scheduleFields(input, now);
    fields.payload = jsonCopy(fields.payload, 'payload');
    const existing = this.find(fields.mindId, fields.name);
    if (existing) {
      Object.assign(existing, fields);
      return copy(existing);
    }
    const row: StoredSchedule = { id: newId(), ...fields, lastSlotAt: null, createdAt: now };
    this.state.schedules.push(row);
    return copy(row);
  }

  async get(mindId: string | null, name: string): Promise<StoredSchedule | null> {
    const row = this.find(scheduleMind(mindId), name);
    return row ? copy(row) : null;
  }

  async list(query: ScheduleQuery): Promise<Page<StoredSchedule>> {
    const mindId = query.mindId === undefined ? undefined : scheduleMind(query.mindId);
    return keysetPage(
      this.state.schedules.filter((s) => mindId === undefined || s.mindId === mindId),
      { limit: query.limit, cursor: query.cursor, direction: 'asc', position: (s) => ({ key: s.nextRunAt, id: s.id }) },
    );
  }

  async remove(mindId: string | null, name: string): Promise<boolean> {
    const row = this.find(scheduleMind(mindId), name);
    if (!row) return false;
    this.state.schedules = this.state.schedules.filter((s) => s !== row);
    this.state.scheduleFires = this.state.scheduleFires.filter((f) => f.scheduleId !== row.id);
    return true;
  }

  async due(now: EpochMs, limit: number, mindIds?: readonly string[]): Promise<StoredSchedule[]> {
    const due = checkDue(now, limit, mindIds);
    const minds = due.mindIds && new Set(due.mindIds);
    return this.state.schedules
      .filter((s) => s.enabled && s.nextRunAt <= now && (!minds || s.mindId === null || minds.has(s.mindId)))
      .sort((a, b) => a.nextRunAt - b.nextRunAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .slice(0, due.limit)
      .map(copy);
  }

  async fireSlot(scheduleId: string, slotAt: EpochMs, nextRunAt: EpochMs, now: EpochMs): Promise<boolean> {
    checkFire(scheduleId, slotAt, nextRunAt, now);
    const row = this.state.schedules.find((s) => s.id === scheduleId);
    if (!row || this.state.scheduleFires.some((f) => f.scheduleId === scheduleId && f.slotAt === slotAt)) return false;
    this.state.scheduleFires.push({ scheduleId, slotAt, firedAt: now });
    row.lastSlotAt = slotAt;
    row.nextRunAt = nextRunAt;
    return true;
  }

  async importMany(rows: readonly StoredSchedule[]): Promise<AppendResult> {
    const checked = rows.map((s, i) => checkImportedSchedule(s, `schedules.${i}`));
    return appendAbsent(
      this.state.schedules,
      checked,
      (row) => this.state.schedules.some((s) => s.id === row.id) || !!this.find(row.mindId, row.name),
    );
  }

  private find(mindId: string | null, name: string): StoredSchedule | undefined {
    return this.state.schedules.find((s) => s.mindId === mindId && s.name === name);
  }
}
