import { inject, injectable } from 'tsyringe';
import { CLOCK, epochMs, invalidInput, nonEmptyText, parseLimit, stringList } from '@genesis/mind-core';
import type {
  Clock,
  EpochMs,
  Page,
  ScheduleInput,
  ScheduleQuery,
  ScheduleStore,
  StoredSchedule,
} from '@genesis/mind-core';
import { keysetPage } from './keyset';
import type { SqlExecutor } from '../sql-database';
import { SQL_EXECUTOR } from '../tokens';
import { bool, fromJson, inList, newId, num, numOrNull, toJson } from './values';

const COLUMNS =
  'id, mind_id, name, cron, timezone, type, payload, enabled, next_run_at, last_slot_at, created_at, updated_at';

/** The largest payload a schedule carries, as serialized JSON (1 MB, as a task's). */
const MAX_PAYLOAD_BYTES = 1024 * 1024;

/** mind_id of the daemon's own schedules: '' rather than NULL, so that (mind_id, name) stays unique for them. */
const DAEMON = '';

type Row = Record<string, unknown>;

/** A schedule's Mind as stored: the daemon's own (null) as ''. */
const mindKey = (mindId: string | null): string => (mindId === null ? DAEMON : nonEmptyText(mindId, 'mindId', 64));

function toSchedule(row: Row): StoredSchedule {
  const mindId = String(row.mind_id);
  return {
    id: String(row.id),
    mindId: mindId === DAEMON ? null : mindId,
    name: String(row.name),
    cron: String(row.cron),
    timezone: String(row.timezone),
    type: String(row.type),
    payload: fromJson<unknown>(row.payload, null),
    enabled: bool(row.enabled),
    nextRunAt: num(row.next_run_at),
    lastSlotAt: numOrNull(row.last_slot_at),
    createdAt: num(row.created_at),
    updatedAt: num(row.updated_at),
  };
}

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
    const mindId = mindKey(input.mindId);
    const name = nonEmptyText(input.name, 'name', 100);
    const payload = toJson(input.payload ?? null, 'payload')!;
    const bytes = Buffer.byteLength(payload);
    if (bytes > MAX_PAYLOAD_BYTES) {
      throw invalidInput('payload', `must be at most ${MAX_PAYLOAD_BYTES} bytes (1 MB) as JSON, got ${bytes}`);
    }
    const params = [
      newId(),
      mindId,
      name,
      nonEmptyText(input.cron, 'cron', 200),
      nonEmptyText(input.timezone, 'timezone', 64),
      nonEmptyText(input.type, 'type', 100),
      payload,
      input.enabled ?? true,
      epochMs(input.nextRunAt, 'nextRunAt'),
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
      return (await this.select(tx, mindId, name))!;
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
      direction: 'ASC',
      limit: query.limit,
      cursor: query.cursor,
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
    const where = ['enabled = ?', 'next_run_at <= ?'];
    const params: unknown[] = [true, epochMs(now, 'now')];
    const max = parseLimit(limit);
    if (mindIds !== undefined) {
      const minds = [...new Set(stringList(mindIds, 'mindIds').map((m) => nonEmptyText(m, 'mindIds')))];
      where.push(`(${inList('mind_id', minds.length + 1)})`);
      params.push(DAEMON, ...minds);
    }
    const rows = await this.db.all<Row>(
      `SELECT ${COLUMNS} FROM schedules WHERE ${where.join(' AND ')} ORDER BY next_run_at ASC, id ASC LIMIT ?`,
      [...params, max],
    );
    return rows.map(toSchedule);
  }

  async fireSlot(scheduleId: string, slotAt: EpochMs, nextRunAt: EpochMs, now: EpochMs): Promise<boolean> {
    const id = nonEmptyText(scheduleId, 'scheduleId', 36);
    const slot = epochMs(slotAt, 'slotAt');
    const next = epochMs(nextRunAt, 'nextRunAt');
    const firedAt = epochMs(now, 'now');
    return this.db.write(async (tx) => {
      // The primary key (schedule_id, slot_at) decides: a slot fired already (also by a concurrent
      // transaction, which this insert waits for) inserts nothing. A schedule that is gone fires nothing.
      const inserted = await tx.run(
        'INSERT INTO schedule_fires (schedule_id, slot_at, fired_at) ' +
          'SELECT id, CAST(? AS BIGINT), CAST(? AS BIGINT) FROM schedules WHERE id = ? ' +
          'ON CONFLICT (schedule_id, slot_at) DO NOTHING',
        [slot, firedAt, id],
      );
      if (inserted === 0) return false;
      await tx.run('UPDATE schedules SET last_slot_at = ?, next_run_at = ? WHERE id = ?', [slot, next, id]);
      return true;
    });
  }

  private async select(db: SqlExecutor, mindId: string, name: string): Promise<Row | undefined> {
    const [row] = await db.all<Row>(`SELECT ${COLUMNS} FROM schedules WHERE mind_id = ? AND name = ?`, [mindId, name]);
    return row;
  }
}
