import { inject, injectable } from 'tsyringe';
import { CLOCK, TASK_STATUSES, count as assertCount, epochMs, invalidInput, newTaskRow } from '@genesis/mind-core';
import { nonEmptyText, oneOf, parseLimit, shown, stringList } from '@genesis/mind-core';
import type { ClaimOptions, Clock, NewTask, Page, StoredTask, TaskFilter, TaskLease } from '@genesis/mind-core';
import type { TaskQuery, TaskStatus, TaskStore } from '@genesis/mind-core';
import { keysetPage } from './keyset';
import type { SqlDialect, SqlExecutor } from '../sql-database';
import { SQL_EXECUTOR } from '../tokens';
import { fromJson, inList, newId, num, numOrNull, strOrNull, toJson } from './values';

const COLUMNS =
  'id, mind_id, type, payload, status, priority, run_at, attempts, max_attempts, lease_owner, lease_token, ' +
  'lease_expires_at, timeout_ms, progress, last_error, result, idempotency_key, created_at, updated_at, finished_at';
const PLACEHOLDERS = COLUMNS.split(',')
  .map(() => '?')
  .join(', ');
const FINISHED: TaskStatus[] = ['succeeded', 'dead', 'cancelled'];
const LEASE_EXPIRED = 'lease expired: the worker stopped before finishing (no attempts left)';
/** The claim order: highest priority first, then oldest run time, then id. */
const CLAIM_ORDER = 'priority DESC, run_at ASC, id ASC';
/** The lease columns cleared when an attempt ends. */
const NO_LEASE = 'lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL';
/** Only the attempt the token was handed to may write. */
const HELD = 'id = ? AND lease_token = ? AND status = ?';
/** Completions per UPDATE of completeMany (5 parameters each: well under every driver's limit). */
const COMPLETE_GROUP = 500;

/** A fresh random lease token (a UUIDv4) per row, made by the database inside the claiming UPDATE. */
const NEW_TOKEN: Record<SqlDialect, string> = {
  postgres: 'CAST(gen_random_uuid() AS VARCHAR)',
  sqlite:
    "lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || " +
    "substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))",
};

type Row = Record<string, unknown>;

function toTask(row: Row): StoredTask {
  return {
    id: String(row.id),
    mindId: String(row.mind_id),
    type: String(row.type),
    payload: fromJson<unknown>(row.payload, null),
    status: row.status as TaskStatus,
    priority: num(row.priority),
    runAt: num(row.run_at),
    attempts: num(row.attempts),
    maxAttempts: num(row.max_attempts),
    leaseOwner: strOrNull(row.lease_owner),
    leaseToken: strOrNull(row.lease_token),
    leaseExpiresAt: numOrNull(row.lease_expires_at),
    timeoutMs: numOrNull(row.timeout_ms),
    progress: fromJson<unknown>(row.progress, null),
    lastError: strOrNull(row.last_error),
    result: fromJson<unknown>(row.result, null),
    idempotencyKey: strOrNull(row.idempotency_key),
    createdAt: num(row.created_at),
    updatedAt: num(row.updated_at),
    finishedAt: numOrNull(row.finished_at),
  };
}

/** Claim order, for rows an UPDATE … RETURNING handed back in no particular order. */
const byClaimOrder = (a: StoredTask, b: StoredTask): number =>
  b.priority - a.priority || a.runAt - b.runAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** A lease as claim handed it out: both parts present (a wrong shape is a bug of the caller). */
function checkLease(lease: TaskLease): TaskLease {
  if (typeof lease !== 'object' || lease === null)
    throw invalidInput('lease', `must be the { id, token } a claim returned, got ${shown(lease)}`);
  return { id: nonEmptyText(lease.id, 'lease.id'), token: nonEmptyText(lease.token, 'lease.token') };
}

/**
 * Runs `UPDATE … RETURNING …` and gives back the changed rows. TypeORM would run a statement that
 * starts with UPDATE through sqlite3's `run` (no rows) and hand PostgreSQL's back as a
 * `[rows, count]` pair, so the statement is phrased for each driver to read it as a query.
 */
function updateReturning(tx: SqlExecutor, update: string, params: readonly unknown[]): Promise<Row[]> {
  return tx.dialect === 'postgres'
    ? tx.all<Row>(`WITH changed AS (${update} RETURNING ${COLUMNS}) SELECT ${COLUMNS} FROM changed`, params)
    : tx.all<Row>(`/* rows */ ${update} RETURNING ${COLUMNS}`, params);
}

/** WHERE terms (and their parameters) of status, mind and type, each when given. */
function filterTerms(filter: TaskFilter): { where: string[]; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  if (filter.mindId !== undefined) {
    where.push('mind_id = ?');
    params.push(filter.mindId);
  }
  if (filter.type !== undefined) {
    where.push('type = ?');
    params.push(filter.type);
  }
  if (filter.status !== undefined) {
    where.push('status = ?');
    params.push(oneOf(filter.status, TASK_STATUSES, 'status'));
  }
  return { where, params };
}

/**
 * background_tasks: a durable queue with leases. Each claim gives the task a fresh random token;
 * every later write of that attempt (heartbeat, progress, complete, fail, release) is conditional
 * on it, so a worker whose lease expired and was taken over writes nothing. A task survives a crash
 * of its worker: its lease expires and the next `claim` takes it again (or marks it dead once it
 * used all its attempts).
 *
 * A claim is one write transaction of two statements: the expired leases out of attempts become
 * dead, then one `UPDATE … WHERE id IN (SELECT … LIMIT n) RETURNING …` takes the batch. On
 * PostgreSQL the selecting subqueries lock with `FOR UPDATE SKIP LOCKED`, so concurrent claimers
 * never take the same task; on SQLite the write transaction serializes them.
 */
@injectable()
export class TaskRepository implements TaskStore {
  constructor(
    @inject(SQL_EXECUTOR) private readonly db: SqlExecutor,
    @inject(CLOCK) private readonly clock: Clock,
  ) {}

  async enqueue(task: NewTask): Promise<{ task: StoredTask; created: boolean }> {
    const [result] = await this.enqueueMany([task]);
    return result!;
  }

  async enqueueMany(tasks: readonly NewTask[]): Promise<Array<{ task: StoredTask; created: boolean }>> {
    const now = this.clock.now();
    // Every task is checked before any is written: one bad task and none is enqueued.
    const rows = tasks.map((task) => {
      const row = newTaskRow(task, newId(), now);
      const values = [
        row.id,
        row.mindId,
        row.type,
        toJson(row.payload, 'payload'),
        row.status,
        row.priority,
        row.runAt,
        row.attempts,
        row.maxAttempts,
        row.leaseOwner,
        row.leaseToken,
        row.leaseExpiresAt,
        row.timeoutMs,
        toJson(row.progress, 'progress'),
        row.lastError,
        toJson(row.result, 'result'),
        row.idempotencyKey,
        row.createdAt,
        row.updatedAt,
        row.finishedAt,
      ];
      return { row, values };
    });
    if (rows.length === 0) return [];
    return this.db.write(async (tx) => {
      const results: Array<{ task: StoredTask; created: boolean }> = [];
      for (const { row, values } of rows) {
        const created = await tx.run(
          `INSERT INTO background_tasks (${COLUMNS}) VALUES (${PLACEHOLDERS}) ON CONFLICT (mind_id, idempotency_key) DO NOTHING`,
          values,
        );
        if (created > 0) {
          results.push({ task: row, created: true });
          continue;
        }
        const [existing] = await tx.all<Row>(
          `SELECT ${COLUMNS} FROM background_tasks WHERE mind_id = ? AND idempotency_key = ?`,
          [row.mindId, row.idempotencyKey],
        );
        results.push({ task: toTask(existing!), created: false });
      }
      return results;
    });
  }

  async get(id: string): Promise<StoredTask | null> {
    const [row] = await this.db.all<Row>(`SELECT ${COLUMNS} FROM background_tasks WHERE id = ?`, [id]);
    return row ? toTask(row) : null;
  }

  async list(query: TaskQuery): Promise<Page<StoredTask>> {
    const { where, params } = filterTerms(query);
    if (query.runBefore !== undefined) {
      where.push('run_at <= ?');
      params.push(epochMs(query.runBefore, 'runBefore'));
    }
    return keysetPage({
      db: this.db,
      columns: COLUMNS,
      table: 'background_tasks',
      where,
      params,
      key: 'run_at',
      direction: 'ASC',
      limit: query.limit,
      cursor: query.cursor,
      map: toTask,
      position: (t) => ({ key: t.runAt, id: t.id }),
    });
  }

  async count(filter: TaskFilter): Promise<number> {
    const { where, params } = filterTerms(filter);
    const clause = where.length ? ` WHERE ${where.join(' AND ')}` : '';
    const [row] = await this.db.all<{ n: unknown }>(`SELECT COUNT(*) AS n FROM background_tasks${clause}`, params);
    return num(row?.n ?? 0);
  }

  async counts(mindId?: string): Promise<Record<TaskStatus, number>> {
    const rows = await this.db.all<{ status: string; n: unknown }>(
      `SELECT status, COUNT(*) AS n FROM background_tasks${mindId === undefined ? '' : ' WHERE mind_id = ?'} GROUP BY status`,
      mindId === undefined ? [] : [mindId],
    );
    const result = Object.fromEntries(TASK_STATUSES.map((s) => [s, 0])) as Record<TaskStatus, number>;
    for (const row of rows) if (row.status in result) result[row.status as TaskStatus] = num(row.n);
    return result;
  }

  async claim(options: ClaimOptions): Promise<StoredTask[]> {
    const owner = nonEmptyText(options.owner, 'owner', 200);
    const now = epochMs(options.now, 'now');
    const limit = parseLimit(options.limit);
    const leaseUntil = now + assertCount(options.leaseMs, 'leaseMs');
    const mindIds = options.mindIds === undefined ? undefined : stringList(options.mindIds, 'mindIds');
    const types = options.types === undefined ? undefined : stringList(options.types, 'types');
    if (mindIds?.length === 0 || types?.length === 0) return [];

    let only = '';
    const onlyParams: unknown[] = [];
    if (mindIds !== undefined) {
      only += ` AND ${inList('mind_id', mindIds.length)}`;
      onlyParams.push(...mindIds);
    }
    if (types !== undefined) {
      only += ` AND ${inList('type', types.length)}`;
      onlyParams.push(...types);
    }
    const pg = this.db.dialect === 'postgres';
    // PostgreSQL: concurrent claimers skip the rows another one is taking. SQLite: the write
    // transaction serializes claimers, and each subquery is pinned to the index that reads it in
    // claim order (left to itself, the planner may pick a mind/type index and sort every due task).
    const lock = pg ? ' FOR UPDATE SKIP LOCKED' : '';
    const from = (index: string) => (pg ? 'background_tasks' : `background_tasks INDEXED BY ${index}`);
    const expired = `status = ? AND lease_expires_at <= ?${only}`;
    const firstIn = (where: string, index: string) =>
      `SELECT id, priority, run_at FROM (SELECT id, priority, run_at FROM ${from(index)} ` +
      `WHERE ${where} ORDER BY ${CLAIM_ORDER} LIMIT ?${lock})`;

    const rows = await this.db.write(async (tx) => {
      // Leases of crashed workers whose task is out of attempts: dead.
      await tx.run(
        `UPDATE background_tasks SET status = ?, ${NO_LEASE}, finished_at = ?, updated_at = ?, last_error = ? ` +
          `WHERE id IN (SELECT id FROM ${from('idx_tasks_status_lease')} WHERE ${expired} AND attempts >= max_attempts${lock})`,
        ['dead', now, now, LEASE_EXPIRED, 'running', now, ...onlyParams],
      );
      // The first `limit` due pending tasks and the first `limit` expired leases (all with attempts
      // left now), and of those together the first `limit`, in claim order.
      return updateReturning(
        tx,
        `UPDATE background_tasks SET status = ?, lease_token = ${NEW_TOKEN[tx.dialect]}, lease_owner = ?, ` +
          'lease_expires_at = ?, attempts = attempts + 1, updated_at = ? WHERE id IN (SELECT id FROM (' +
          `${firstIn(`status = ? AND run_at <= ?${only}`, 'idx_tasks_claim')} AS due UNION ALL ` +
          `${firstIn(expired, 'idx_tasks_status_lease')} AS lost` +
          `) AS runnable ORDER BY ${CLAIM_ORDER} LIMIT ?)`,
        [
          'running',
          owner,
          leaseUntil,
          now,
          ...['pending', now, ...onlyParams, limit],
          ...['running', now, ...onlyParams, limit],
          limit,
        ],
      );
    });
    return rows.map(toTask).sort(byClaimOrder);
  }

  async heartbeat(lease: TaskLease, now: number, leaseMs: number): Promise<boolean> {
    const until = epochMs(now, 'now') + assertCount(leaseMs, 'leaseMs');
    const { id, token } = checkLease(lease);
    const changed = await this.db.run(
      `UPDATE background_tasks SET lease_expires_at = ?, updated_at = ? WHERE ${HELD}`,
      [until, now, id, token, 'running'],
    );
    return changed > 0;
  }

  async progress(lease: TaskLease, progress: unknown, now: number): Promise<boolean> {
    const stored = toJson(progress ?? null, 'progress');
    epochMs(now, 'now');
    const { id, token } = checkLease(lease);
    const changed = await this.db.run(`UPDATE background_tasks SET progress = ?, updated_at = ? WHERE ${HELD}`, [
      stored,
      now,
      id,
      token,
      'running',
    ]);
    return changed > 0;
  }

  async complete(lease: TaskLease, result: unknown, now: number): Promise<StoredTask | null> {
    epochMs(now, 'now');
    const [done] = await this.succeed([{ lease: checkLease(lease), result: toJson(result ?? null, 'result') }], now);
    return done ?? null;
  }

  async completeMany(
    items: ReadonlyArray<{ lease: TaskLease; result: unknown }>,
    now: number,
  ): Promise<Array<StoredTask | null>> {
    epochMs(now, 'now');
    // Checked before anything is written: one bad item and none is completed.
    const checked = items.map((item, i) => ({
      lease: checkLease(item.lease),
      result: toJson(item.result ?? null, `items.${i}.result`),
    }));
    return this.succeed(checked, now);
  }

  async fail(lease: TaskLease, error: string, now: number, retryAt: number): Promise<StoredTask | null> {
    epochMs(now, 'now');
    epochMs(retryAt, 'retryAt');
    const { id, token } = checkLease(lease);
    return this.updateOne(
      'status = CASE WHEN attempts >= max_attempts THEN ? ELSE ? END, ' +
        'run_at = CASE WHEN attempts >= max_attempts THEN run_at ELSE CAST(? AS BIGINT) END, ' +
        'finished_at = CASE WHEN attempts >= max_attempts THEN CAST(? AS BIGINT) ELSE NULL END, ' +
        `last_error = ?, ${NO_LEASE}, updated_at = ? WHERE ${HELD}`,
      ['dead', 'pending', retryAt, now, String(error).slice(0, 10_000), now, id, token, 'running'],
    );
  }

  async release(lease: TaskLease, now: number): Promise<StoredTask | null> {
    epochMs(now, 'now');
    const { id, token } = checkLease(lease);
    return this.updateOne(
      `status = ?, attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END, ${NO_LEASE}, updated_at = ? WHERE ${HELD}`,
      ['pending', now, id, token, 'running'],
    );
  }

  async cancel(id: string, now: number): Promise<StoredTask | null> {
    epochMs(now, 'now');
    return this.updateOne(
      `status = ?, ${NO_LEASE}, finished_at = ?, updated_at = ? WHERE id = ? AND status IN (?, ?)`,
      ['cancelled', now, now, id, 'pending', 'running'],
    );
  }

  async retry(id: string, now: number): Promise<StoredTask | null> {
    epochMs(now, 'now');
    return this.updateOne(
      `status = ?, run_at = ?, attempts = 0, ${NO_LEASE}, finished_at = NULL, updated_at = ? WHERE id = ? AND status IN (?, ?)`,
      ['pending', now, now, id, 'dead', 'failed'],
    );
  }

  async deleteFinishedBefore(before: number): Promise<number> {
    epochMs(before, 'before');
    return this.db.run(`DELETE FROM background_tasks WHERE ${inList('status', FINISHED.length)} AND finished_at < ?`, [
      ...FINISHED,
      before,
    ]);
  }

  /**
   * Marks each task its lease still holds succeeded, in one transaction; null where the lease no
   * longer holds. Items go in groups of distinct ids, one UPDATE per group (group commit costs one
   * statement, not one per task); a repeated id starts a new group, so repeats apply in input order.
   */
  private async succeed(
    items: Array<{ lease: TaskLease; result: string | null }>,
    now: number,
  ): Promise<Array<StoredTask | null>> {
    if (items.length === 0) return [];
    const groups: Array<typeof items> = [];
    let ids = new Set<string>();
    for (const item of items) {
      if (groups.length === 0 || ids.has(item.lease.id) || groups[groups.length - 1]!.length >= COMPLETE_GROUP) {
        groups.push([]);
        ids = new Set();
      }
      groups[groups.length - 1]!.push(item);
      ids.add(item.lease.id);
    }
    return this.db.write(async (tx) => {
      const done: Array<StoredTask | null> = [];
      for (const group of groups) {
        // The value of each task's own item, by id: its result, and the token it must still hold.
        const byId = `CASE id ${group.map(() => 'WHEN ? THEN ?').join(' ')} END`;
        // `status || ''` keeps SQLite (which has no statistics here) on the primary key for the ids,
        // instead of walking every running task through a status index.
        const rows = await updateReturning(
          tx,
          `UPDATE background_tasks SET status = ?, result = ${byId}, ${NO_LEASE}, finished_at = ?, ` +
            `updated_at = ? WHERE ${inList('id', group.length)} AND lease_token = ${byId} AND status || '' = ?`,
          [
            'succeeded',
            ...group.flatMap((g) => [g.lease.id, g.result]),
            now,
            now,
            ...group.map((g) => g.lease.id),
            ...group.flatMap((g) => [g.lease.id, g.lease.token]),
            'running',
          ],
        );
        const changed = new Map(rows.map((row) => [String(row.id), row]));
        for (const g of group) {
          const row = changed.get(g.lease.id);
          done.push(row ? toTask(row) : null);
        }
      }
      return done;
    });
  }

  /** One conditional UPDATE (`SET … WHERE …`) in its own transaction: the changed task, or null. */
  private async updateOne(setWhere: string, params: unknown[]): Promise<StoredTask | null> {
    const [row] = await this.db.write((tx) => updateReturning(tx, `UPDATE background_tasks SET ${setWhere}`, params));
    return row ? toTask(row) : null;
  }
}
