import { inject, injectable } from 'tsyringe';
import { epochMs, GenesisError, nonEmptyText, parseLimit } from '@genesis/mind-core';
import type { EpochMs, MessagePosition, RetentionBatch, RetentionStore, StoredMessage } from '@genesis/mind-core';
import type { SqlExecutor } from '../sql-database';
import { SQL_EXECUTOR } from '../tokens';
import { inList, num } from './values';
import type { Row } from './values';
import { MESSAGE_CODEC } from './message.repository';

const { columns: MESSAGE_COLUMNS, read: toMessage } = MESSAGE_CODEC;

const CLOSED_CONCERNS = ['resolved', 'dismissed', 'expired'] as const;
const FINISHED_TASKS = ['succeeded', 'dead', 'cancelled'] as const;
/** Rows per call at most (one short transaction). */
const MAX_BATCH = 5000;
/** Index entries read per step while finding where a Mind's newest N messages start. */
const KEEP_STEP = 2000;
/** PostgreSQL: the WAL budget of message deletes (see RetentionRepository.walBytesPerSecond). */
export const DEFAULT_WAL_BYTES_PER_SECOND = 4 * 1024 * 1024;
/** PostgreSQL: how much of the WAL budget may be spent at once, in ms of it. */
const WAL_BURST_MS = 250;
/** The daemon's own schedules have mind_id '' (see the schedules migration). */
const DAEMON = '';

/** A keyset position inside one part of a scan (a status, a schedule): [part, key, id]. */
type Position = [number, number, string];

function encode(position: Position): string {
  return Buffer.from(JSON.stringify(position), 'utf8').toString('base64url');
}

function decode(cursor: string | null | undefined): Position {
  if (!cursor) return [0, Number.MIN_SAFE_INTEGER, ''];
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (
      Array.isArray(value) &&
      value.length === 3 &&
      Number.isInteger(value[0]) &&
      typeof value[1] === 'number' &&
      typeof value[2] === 'string'
    )
      return value as Position;
  } catch {
    // falls through to the error below
  }
  throw new GenesisError('INVALID_CURSOR', 'not a cursor of this retention run: pass the cursor it returned', {
    field: 'cursor',
  });
}

const comparePositions = (a: MessagePosition, b: MessagePosition): number =>
  a.createdAt !== b.createdAt ? a.createdAt - b.createdAt : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;

/**
 * Retention on the SQL tier. Candidates are chosen by reads outside any transaction, each bounded
 * by `limit` and walking an index by keyset (conversation_messages by (mind_id, archived,
 * created_at, id), concerns by (mind_id, status, next_check_at, id), background_tasks by (mind_id,
 * status, run_at, id), schedule_fires by its key); each delete is then one short transaction by
 * primary key that checks its condition again, so a row that changed meanwhile stays. Messages are
 * read per `archived` value (each an index range) and merged, so no query sorts.
 */
@injectable()
export class RetentionRepository implements RetentionStore {
  constructor(@inject(SQL_EXECUTOR) private readonly db: SqlExecutor) {}

  async newestKept(mindId: string, keep: number): Promise<MessagePosition | null> {
    nonEmptyText(mindId, 'mindId');
    if (!Number.isInteger(keep) || keep < 1)
      throw new GenesisError('INVALID_INPUT', `keep must be an integer of 1 or more, got ${keep}`, { field: 'keep' });
    if (this.db.dialect === 'postgres') return this.newestKeptPostgres(mindId, keep);
    // Walk both streams newest first in steps, merging, until the keep-th newest.
    const streams = [false, true].map((archived) => ({ archived, rows: [] as MessagePosition[], done: false }));
    const refill = async (s: (typeof streams)[number]) => {
      const last = s.rows[s.rows.length - 1] ?? null;
      const rows = await this.db.all<Row>(
        `SELECT created_at, id FROM conversation_messages WHERE mind_id = ? AND archived = ?${
          last ? ' AND (created_at, id) < (?, ?)' : ''
        } ORDER BY created_at DESC, id DESC LIMIT ?`,
        [mindId, s.archived, ...(last ? [last.createdAt, last.id] : []), KEEP_STEP],
      );
      s.rows = rows.map((r) => ({ createdAt: num(r.created_at), id: String(r.id) }));
      s.done = rows.length < KEEP_STEP;
      return last;
    };
    for (const s of streams) await refill(s);
    let seen = 0;
    const heads = streams.map(() => 0);
    for (;;) {
      // The newer of the two stream heads is the next newest message.
      let pick = -1;
      for (let i = 0; i < streams.length; i++) {
        const head = streams[i]!.rows[heads[i]!];
        if (head && (pick < 0 || comparePositions(head, streams[pick]!.rows[heads[pick]!]!) > 0)) pick = i;
      }
      if (pick < 0) return null;
      const s = streams[pick]!;
      const position = s.rows[heads[pick]!]!;
      seen++;
      if (seen === keep) return (await this.hasOlder(mindId, position)) ? position : null;
      heads[pick]!++;
      if (heads[pick]! >= s.rows.length && !s.done) {
        await refill(s);
        heads[pick] = 0;
      }
    }
  }

  /**
   * PostgreSQL: the server merges the newest `keep` of each index range (a Merge Append of two
   * backward index scans) and skips to the keep-th itself, so the positions before it (100,000 by
   * default) never cross to this process: walked here they cost ≈ 0.3 s of this event loop and a
   * garbage collection, right as a run starts, beside the requests it serves.
   */
  private async newestKeptPostgres(mindId: string, keep: number): Promise<MessagePosition | null> {
    const range = (archived: boolean) =>
      `(SELECT created_at, id FROM conversation_messages WHERE mind_id = ? AND archived = ${archived ? 'TRUE' : 'FALSE'} ` +
      'ORDER BY created_at DESC, id DESC LIMIT ?)';
    const [row] = await this.db.all<Row>(
      `SELECT created_at, id FROM (${range(false)} UNION ALL ${range(true)}) AS m ` +
        'ORDER BY created_at DESC, id DESC OFFSET ? LIMIT 1',
      [mindId, keep, mindId, keep, keep - 1],
    );
    if (!row) return null;
    const position = { createdAt: num(row.created_at), id: String(row.id) };
    return (await this.hasOlder(mindId, position)) ? position : null;
  }

  async oldestMessages(
    mindId: string,
    range: { until: MessagePosition; after?: MessagePosition | null },
    limit: number,
  ): Promise<StoredMessage[]> {
    nonEmptyText(mindId, 'mindId');
    const max = parseLimit(limit, 'limit', MAX_BATCH);
    const until = checkPosition(range.until, 'until');
    const after = range.after ? checkPosition(range.after, 'after') : null;
    const parts: StoredMessage[] = [];
    for (const archived of [false, true]) {
      const rows = await this.db.all<Row>(
        `SELECT ${MESSAGE_COLUMNS} FROM conversation_messages WHERE mind_id = ? AND archived = ? AND (created_at, id) < (?, ?)${
          after ? ' AND (created_at, id) > (?, ?)' : ''
        } ORDER BY created_at, id LIMIT ?`,
        [mindId, archived, until.createdAt, until.id, ...(after ? [after.createdAt, after.id] : []), max],
      );
      parts.push(...rows.map(toMessage));
    }
    return parts.sort(comparePositions).slice(0, max);
  }

  async countMessagesBefore(mindId: string, until: MessagePosition): Promise<number> {
    nonEmptyText(mindId, 'mindId');
    const at = checkPosition(until, 'until');
    let total = 0;
    for (const archived of [false, true]) {
      const [row] = await this.db.all<{ n: unknown }>(
        'SELECT COUNT(*) AS n FROM conversation_messages WHERE mind_id = ? AND archived = ? AND (created_at, id) < (?, ?)',
        [mindId, archived, at.createdAt, at.id],
      );
      total += num(row?.n ?? 0);
    }
    return total;
  }

  async deleteMessages(mindId: string, ids: readonly string[]): Promise<number> {
    nonEmptyText(mindId, 'mindId');
    if (ids.length === 0) return 0;
    if (ids.length > MAX_BATCH) throw new GenesisError('INVALID_INPUT', `at most ${MAX_BATCH} ids per delete`);
    if (this.db.dialect === 'postgres') return this.deleteMessagesPostgres(mindId, ids);
    return this.db.write((tx) =>
      tx.run(
        `DELETE FROM conversation_messages WHERE ${this.filterOnly('mind_id')} = ? AND ${inList('id', ids.length)}`,
        [mindId, ...ids],
      ),
    );
  }

  /**
   * PostgreSQL: the first change to a table page after a checkpoint writes the whole page to the
   * WAL (a full-page image, 8 kB), and a delete of old messages changes one page for every ≈ 40
   * rows: ≈ 70 % of the WAL a purge writes is such images. Where the role may (a superuser, or
   * GRANT SET ON PARAMETER wal_compression), the delete's transaction compresses them
   * (`SET LOCAL wal_compression`, this transaction only; the server's setting is untouched).
   */
  private async deleteMessagesPostgres(mindId: string, ids: readonly string[]): Promise<number> {
    const { compression, walPosition } = await this.postgresWal();
    const { removed, wal } = await this.db.write(async (tx) => {
      const settings = compression ? "set_config('wal_compression', ?, true)" : null;
      const position = walPosition ? 'pg_current_wal_insert_lsn() AS at' : null;
      const [start] =
        settings || position
          ? await tx.all<{ at?: unknown }>(
              `SELECT ${[settings, position].filter(Boolean).join(', ')}`,
              compression ? [compression] : [],
            )
          : [];
      const removed = await tx.run('DELETE FROM conversation_messages WHERE mind_id = ? AND id = ANY(?::text[])', [
        mindId,
        [...ids],
      ]);
      if (!walPosition) return { removed, wal: 0 };
      const [end] = await tx.all<{ wal: unknown }>(
        'SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), ?::pg_lsn) AS wal',
        [start?.at],
      );
      return { removed, wal: Math.max(0, num(end?.wal ?? 0)) };
    });
    await this.paceWal(wal);
    return removed;
  }

  /**
   * PostgreSQL: the WAL that retention's deletes may write, bytes per second on average (null: no
   * limit). A purge writes its WAL as fast as the server takes it (≈ 15 MB/s here, ≈ 250 MB per
   * million messages without compression), and every COMMIT of the server waits for its own WAL to
   * be flushed behind it; WAL volume also brings the next checkpoint (max_wal_size) closer. Each
   * delete is followed by a pause long enough to keep the average under this budget (a burst of
   * WAL_BURST_MS worth is let through unpaused). The WAL counted is the delete's own (the insert
   * position before and after it, in its transaction); runs at the same time on this repository
   * (one per composition) share the budget.
   */
  walBytesPerSecond: number | null = DEFAULT_WAL_BYTES_PER_SECOND;
  private walFreeAt = 0;

  private async paceWal(bytes: number): Promise<void> {
    const budget = this.walBytesPerSecond;
    if (budget === null || !(budget > 0)) return;
    const now = performance.now();
    this.walFreeAt = Math.max(this.walFreeAt, now - WAL_BURST_MS) + (bytes / budget) * 1000;
    const wait = this.walFreeAt - now;
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(wait, 5000)));
  }

  private walAbilities: Promise<{ compression: string | null; walPosition: boolean }> | null = null;

  /**
   * What this role may do, asked once: the WAL compression it may set for its own transactions
   * (lz4 when the server has it), and whether it may read the WAL insert position (a server that
   * has no WAL of its own to show, as some hosted ones, refuses: the deletes then go unpaced).
   */
  private postgresWal(): Promise<{ compression: string | null; walPosition: boolean }> {
    this.walAbilities ??= (async () => {
      const ask = async <T>(sql: string): Promise<T | undefined> => {
        try {
          return (await this.db.all<T>(sql))[0];
        } catch {
          return undefined;
        }
      };
      const walPosition = (await ask<{ at: unknown }>('SELECT pg_current_wal_insert_lsn() AS at')) !== undefined;
      const methods = await ask<{ allowed: unknown; methods: unknown }>(
        "SELECT has_parameter_privilege('wal_compression', 'SET') AS allowed, " +
          "(SELECT enumvals FROM pg_settings WHERE name = 'wal_compression') AS methods",
      );
      if (methods) {
        if (methods.allowed !== true) return { compression: null, walPosition };
        const values = Array.isArray(methods.methods) ? methods.methods.map(String) : String(methods.methods ?? '');
        return { compression: values.includes('lz4') ? 'lz4' : 'pglz', walPosition };
      }
      // Before PostgreSQL 15 (no has_parameter_privilege): only a superuser may set it.
      const role = await ask<{ su: unknown }>('SELECT rolsuper AS su FROM pg_roles WHERE rolname = current_user');
      return { compression: role?.su === true ? 'on' : null, walPosition };
    })();
    return this.walAbilities;
  }

  async countClosedConcerns(mindId: string, before: EpochMs): Promise<number> {
    return this.count('concerns', mindId, CLOSED_CONCERNS, 'updated_at', before);
  }

  deleteClosedConcerns(
    mindId: string,
    before: EpochMs,
    limit: number,
    cursor?: string | null,
  ): Promise<RetentionBatch> {
    return this.deleteByStatus(
      'concerns',
      'next_check_at',
      'updated_at',
      CLOSED_CONCERNS,
      mindId,
      before,
      limit,
      cursor,
    );
  }

  async countFinishedTasks(mindId: string, before: EpochMs): Promise<number> {
    return this.count('background_tasks', mindId, FINISHED_TASKS, 'finished_at', before);
  }

  deleteFinishedTasks(mindId: string, before: EpochMs, limit: number, cursor?: string | null): Promise<RetentionBatch> {
    return this.deleteByStatus(
      'background_tasks',
      'run_at',
      'finished_at',
      FINISHED_TASKS,
      mindId,
      before,
      limit,
      cursor,
    );
  }

  async countConcernFires(mindId: string, before: EpochMs): Promise<number> {
    nonEmptyText(mindId, 'mindId');
    const [row] = await this.db.all<{ n: unknown }>(
      'SELECT COUNT(*) AS n FROM concern_fires WHERE mind_id = ? AND fired_at < ?',
      [mindId, epochMs(before, 'before')],
    );
    return num(row?.n ?? 0);
  }

  /**
   * Fire records are few per Mind (at most a few an hour per user): each call reads the first
   * `limit` old ones of the Mind (index mind_id, user_email, fired_at) and deletes them by key, so
   * the next call starts from the front again and needs no cursor.
   */
  async deleteConcernFires(
    mindId: string,
    before: EpochMs,
    limit: number,
    _cursor?: string | null,
  ): Promise<RetentionBatch> {
    nonEmptyText(mindId, 'mindId');
    const at = epochMs(before, 'before');
    const max = parseLimit(limit, 'limit', MAX_BATCH);
    const rows = await this.db.all<Row>(
      'SELECT concern_id, check_at FROM concern_fires WHERE mind_id = ? AND fired_at < ? LIMIT ?',
      [mindId, at, max],
    );
    if (rows.length === 0) return { removed: 0, cursor: null };
    const keys = rows.map(() => '(concern_id = ? AND check_at = ?)').join(' OR ');
    const removed = await this.db.write((tx) =>
      tx.run(
        `DELETE FROM concern_fires WHERE ${this.filterOnly('mind_id')} = ? AND ${this.filterOnly('fired_at')} < ? AND (${keys})`,
        [mindId, at, ...rows.flatMap((r) => [String(r.concern_id), num(r.check_at)])],
      ),
    );
    return { removed, cursor: rows.length < max ? null : 'next' };
  }

  async countScheduleFires(mindId: string | null, before: EpochMs): Promise<number> {
    const [row] = await this.db.all<{ n: unknown }>(
      'SELECT COUNT(*) AS n FROM schedule_fires WHERE schedule_id IN (SELECT id FROM schedules WHERE mind_id = ?) AND slot_at < ?',
      [this.scheduleOwner(mindId), epochMs(before, 'before')],
    );
    return num(row?.n ?? 0);
  }

  /** Schedule by schedule (in id order), the oldest `limit` slots before `before`, by a range of the key. */
  async deleteScheduleFires(
    mindId: string | null,
    before: EpochMs,
    limit: number,
    cursor?: string | null,
  ): Promise<RetentionBatch> {
    const at = epochMs(before, 'before');
    const max = parseLimit(limit, 'limit', MAX_BATCH);
    const [, , afterId] = decode(cursor);
    // A Mind has a handful of schedules: read them all (an index search) and walk them in id order.
    const schedules = (
      await this.db.all<Row>('SELECT id FROM schedules WHERE mind_id = ?', [this.scheduleOwner(mindId)])
    )
      .map((row) => String(row.id))
      .filter((id) => id > afterId)
      .sort();
    for (const id of schedules) {
      const slots = await this.db.all<Row>(
        'SELECT slot_at FROM schedule_fires WHERE schedule_id = ? AND slot_at < ? ORDER BY slot_at LIMIT ?',
        [id, at, max],
      );
      if (slots.length === 0) continue;
      const last = num(slots[slots.length - 1]!.slot_at);
      const removed = await this.db.write((tx) =>
        tx.run('DELETE FROM schedule_fires WHERE schedule_id = ? AND slot_at <= ? AND slot_at < ?', [id, last, at]),
      );
      // A full batch may have left older slots of this schedule: the next call starts at it again.
      const resume = slots.length < max ? id : previousId(id);
      return { removed, cursor: encode([0, 0, resume]) };
    }
    return { removed: 0, cursor: null };
  }

  /**
   * A column compared as a filter only: a delete by primary key must find its rows by that key. On
   * SQLite the planner would otherwise take an index on (mind_id, …) and walk every row of the Mind
   * for each batch; the unary `+` keeps it off that index. PostgreSQL plans the key lookup itself.
   */
  private filterOnly(column: string): string {
    return this.db.dialect === 'sqlite' ? `+${column}` : column;
  }

  private scheduleOwner(mindId: string | null): string {
    return mindId === null ? DAEMON : nonEmptyText(mindId, 'mindId');
  }

  /** Whether the Mind has a message older than `position` (so keeping from it removes something). */
  private async hasOlder(mindId: string, position: MessagePosition): Promise<boolean> {
    for (const archived of [false, true]) {
      const rows = await this.db.all<Row>(
        'SELECT id FROM conversation_messages WHERE mind_id = ? AND archived = ? AND (created_at, id) < (?, ?) LIMIT 1',
        [mindId, archived, position.createdAt, position.id],
      );
      if (rows.length > 0) return true;
    }
    return false;
  }

  private async count(
    table: string,
    mindId: string,
    statuses: readonly string[],
    timeColumn: string,
    before: EpochMs,
  ): Promise<number> {
    nonEmptyText(mindId, 'mindId');
    const [row] = await this.db.all<{ n: unknown }>(
      `SELECT COUNT(*) AS n FROM ${table} WHERE mind_id = ? AND ${inList('status', statuses.length)} AND ${timeColumn} < ?`,
      [mindId, ...statuses, epochMs(before, 'before')],
    );
    return num(row?.n ?? 0);
  }

  /**
   * Walks one Mind's rows of each status along the index (mind_id, status, key, id), `limit`
   * entries per call, and deletes those whose time column is before `before` (checked again in
   * the delete). The cursor is the status and the (key, id) reached.
   */
  private async deleteByStatus(
    table: string,
    key: string,
    timeColumn: string,
    statuses: readonly string[],
    mindId: string,
    before: EpochMs,
    limit: number,
    cursor?: string | null,
  ): Promise<RetentionBatch> {
    nonEmptyText(mindId, 'mindId');
    const at = epochMs(before, 'before');
    const max = parseLimit(limit, 'limit', MAX_BATCH);
    let [part, afterKey, afterId] = decode(cursor);
    for (; part < statuses.length; part++, afterKey = Number.MIN_SAFE_INTEGER, afterId = '') {
      const rows = await this.db.all<Row>(
        `SELECT id, ${key} AS k, ${timeColumn} AS t FROM ${table} WHERE mind_id = ? AND status = ? AND (${key}, id) > (?, ?) ORDER BY ${key}, id LIMIT ?`,
        [mindId, statuses[part], afterKey, afterId, max],
      );
      if (rows.length === 0) continue;
      const ids = rows.filter((r) => r.t !== null && num(r.t) < at).map((r) => String(r.id));
      const removed =
        ids.length === 0
          ? 0
          : await this.db.write((tx) =>
              tx.run(
                `DELETE FROM ${table} WHERE ${this.filterOnly('mind_id')} = ? AND ${this.filterOnly('status')} = ? AND ${timeColumn} < ? AND ${inList('id', ids.length)}`,
                [mindId, statuses[part], at, ...ids],
              ),
            );
      const last = rows[rows.length - 1]!;
      const next: Position | null =
        rows.length < max
          ? part + 1 < statuses.length
            ? [part + 1, Number.MIN_SAFE_INTEGER, '']
            : null
          : [part, num(last.k), String(last.id)];
      return { removed, cursor: next ? encode(next) : null };
    }
    return { removed: 0, cursor: null };
  }
}

function checkPosition(p: MessagePosition, field: string): MessagePosition {
  if (typeof p !== 'object' || p === null || typeof p.id !== 'string')
    throw new GenesisError('INVALID_INPUT', `${field} must be a message position { createdAt, id }`, { field });
  return { createdAt: epochMs(p.createdAt, `${field}.createdAt`), id: p.id };
}

/** An id just before `id` in string order, so that `id > previousId(id)` includes `id` itself. */
function previousId(id: string): string {
  return id.slice(0, -1);
}
