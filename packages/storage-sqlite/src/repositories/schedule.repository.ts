import { inject, injectable } from 'tsyringe';
import { CLOCK, checkDue, checkFire, scheduleFields, scheduleMind } from '@genesis/mind-core';
import type { Clock, EpochMs, Page, ScheduleInput, ScheduleQuery, ScheduleStore } from '@genesis/mind-core';
import { checkImportedSchedule, type AppendResult, type StoredSchedule } from '@genesis/mind-core';
import { ANY_UNIQUE_KEY, insertRows } from './insert-rows';
import { keysetPage } from './keyset';
import type { SqlExecutor } from '../sql-database';
import { SQL_EXECUTOR } from '../tokens';
import { bool, inList, json, newId, num, numOrNull, rowCodec, text, toJson } from './values';
import type { Row } from './values';

/** mind_id of the daemon's own schedules: '' rather than NULL, so that (mind_id, name) stays unique for them. */
const DAEMON = '';

/** A schedule's Mind as stored: the daemon's own (null) as ''. */
const mindKey = (mindId: string | null): string => scheduleMind(mindId) ?? DAEMON;

const { columns: COLUMNS, read: toSchedule } = rowCodec<StoredSchedule>({
  id: text,
  mindId: (v) => (String(v) === DAEMON ? null : String(v)),
  name: text,
  cron: text,
  timezone: text,
  type: text,
  payload: json<unknown>(null),
  enabled: bool,
  nextRunAt: num,
  lastSlotAt: numOrNull,
  createdAt: num,
  updatedAt: num,
});

/**
 * schedules and schedule_fires: recurring schedules, unique per (Mind, name), and the slots they
 * fired — one row per (schedule, slot), which is what makes a slot fire at most once.
 */
@injectable()
export class ScheduleRepository implements ScheduleStore {
  constructor(
    @inject(SQL_EXECUTOR) private readonly db: SqlExecutor,
    @inject(CLOCK) private readonly clock: Clock,
  ) {}

  async upsert(input: ScheduleInput): Promise<StoredSchedule> {
    const now = this.clock.now();
    const fields = scheduleFields(input, now);
    const mindId = fields.mindId ?? DAEMON;
    const params = [
      newId(),
      mindId,
      fields.name,
      fields.cron,
      fields.timezone,
      fields.type,
      toJson(fields.payload, 'payload'),
      fields.enabled,
      fields.nextRunAt,
      null,
      now,
      now,
    ];
    const row = await this.db.write(async (tx) => {
      // id, created_at and last_slot_at stay those of the schedule being replaced.
      await tx.run(
        `INSERT INTO schedules (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (mind_id, name) DO UPDATE SET ` +
          'cron = excluded.cron, timezone = excluded.timezone, type = excluded.type, payload = excluded.payload, ' +
          'enabled = excluded.enabled, next_run_at = excluded.next_run_at, updated_at = excluded.updated_at',
        params,
      );
      return (await this.select(tx, mindId, fields.name))!;
    });
    return toSchedule(row);
  }

  async get(mindId: string | null, name: string): Promise<StoredSchedule | null> {
    const row = await this.select(this.db, mindKey(mindId), name);
    return row ? toSchedule(row) : null;
  }

  async list(query: ScheduleQuery): Promise<Page<StoredSchedule>> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (query.mindId !== undefined) {
      where.push('mind_id = ?');
      params.push(mindKey(query.mindId));
    }
    return keysetPage({
      db: this.db,
      columns: COLUMNS,
      table: 'schedules',
      where,
      params,
      key: 'next_run_at',
      page: query,
      map: toSchedule,
      position: (s) => ({ key: s.nextRunAt, id: s.id }),
    });
  }

  async remove(mindId: string | null, name: string): Promise<boolean> {
    const key = mindKey(mindId);
    const removed = await this.db.write(async (tx) => {
      await tx.run(
        'DELETE FROM schedule_fires WHERE schedule_id IN (SELECT id FROM schedules WHERE mind_id = ? AND name = ?)',
        [key, name],
      );
      return tx.run('DELETE FROM schedules WHERE mind_id = ? AND name = ?', [key, name]);
    });
    return removed > 0;
  }

  async due(now: EpochMs, limit: number, mindIds?: readonly string[]): Promise<StoredSchedule[]> {
    const due = checkDue(now, limit, mindIds);
    const where = ['enabled = ?', 'next_run_at <= ?'];
    const params: unknown[] = [true, due.now];
    if (due.mindIds !== undefined) {
      where.push(`(${inList('mind_id', due.mindIds.length + 1)})`);
      params.push(DAEMON, ...due.mindIds);
    }
    const rows = await this.db.all<Row>(
      `SELECT ${COLUMNS} FROM schedules WHERE ${where.join(' AND ')} ORDER BY next_run_at ASC, id ASC LIMIT ?`,
      [...params, due.limit],
    );
    return rows.map(toSchedule);
  }

  async fireSlot(scheduleId: string, slotAt: EpochMs, nextRunAt: EpochMs, now: EpochMs): Promise<boolean> {
    const fire = checkFire(scheduleId, slotAt, nextRunAt, now);
    return this.db.write(async (tx) => {
      // The primary key (schedule_id, slot_at) decides: a slot fired already (also by a concurrent
      // transaction, which this insert waits for) inserts nothing. A schedule that is gone fires nothing.
      const inserted = await tx.run(
        'INSERT INTO schedule_fires (schedule_id, slot_at, fired_at) ' +
          'SELECT id, CAST(? AS BIGINT), CAST(? AS BIGINT) FROM schedules WHERE id = ? ' +
          'ON CONFLICT (schedule_id, slot_at) DO NOTHING',
        [fire.slotAt, fire.firedAt, fire.scheduleId],
      );
      if (inserted === 0) return false;
      await tx.run('UPDATE schedules SET last_slot_at = ?, next_run_at = ? WHERE id = ?', [
        fire.slotAt,
        fire.nextRunAt,
        fire.scheduleId,
      ]);
      return true;
    });
  }

  async importMany(rows: readonly StoredSchedule[]): Promise<AppendResult> {
    const values = rows.map((row, i) => {
      const s = checkImportedSchedule(row, `schedules.${i}`);
      return [
        s.id,
        s.mindId ?? DAEMON,
        s.name,
        s.cron,
        s.timezone,
        s.type,
        toJson(s.payload, 'payload'),
        s.enabled,
        s.nextRunAt,
        s.lastSlotAt,
        s.createdAt,
        s.updatedAt,
      ];
    });
    return insertRows(this.db, 'schedules', COLUMNS, values, ANY_UNIQUE_KEY);
  }

  private async select(db: SqlExecutor, mindId: string, name: string): Promise<Row | undefined> {
    const [row] = await db.all<Row>(`SELECT ${COLUMNS} FROM schedules WHERE mind_id = ? AND name = ?`, [mindId, name]);
    return row;
  }
}
