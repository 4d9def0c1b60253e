import { inject, injectable } from 'tsyringe';
import { CLOCK, TASK_STATUSES, count as assertCount, epochMs, newTaskRows, TASK_CHANNEL } from '@genesis/mind-core';
import { checkClaim, checkCompletions, checkLease, oneOf } from '@genesis/mind-core';
import { checkImportedTask, invalidInput, type AppendResult } from '@genesis/mind-core';
import type { ClaimOptions, Clock, NewTask, Page, StoredTask, TaskFilter, TaskLease } from '@genesis/mind-core';
import type { TaskCompletion, TaskQuery, TaskStatus, TaskStore } from '@genesis/mind-core';
import { countRows, keysetPage, type WhereTerms } from './keyset';
import { ANY_UNIQUE_KEY, insertRows } from './insert-rows';
import { writeReturning } from './returning';
import type { SqlDialect, SqlExecutor } from '../sql-database';
import { SQL_EXECUTOR } from '../tokens';
import { asIs, inList, json, newId, num, numOrNull, rowCodec, strOrNull, text, toJson } from './values';
import type { Row } from './values';

const { columns: COLUMNS, read: toTask } = rowCodec<StoredTask>({
  id: text,
  mindId: text,
  type: text,
  payload: json<unknown>(null),
  status: asIs,
  priority: num,
  runAt: num,
  attempts: num,
  maxAttempts: num,
  leaseOwner: strOrNull,
  leaseToken: strOrNull,
  leaseExpiresAt: numOrNull,
  timeoutMs: numOrNull,
  progress: json<unknown>(null),
  lastError: strOrNull,
  result: json<unknown>(null),
  idempotencyKey: strOrNull,
  createdAt: num,
  updatedAt: num,
  finishedAt: numOrNull,
});
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
/**
 * Minds per statement of a claim with per-Mind limits (a UNION ALL branch each: SQLite allows 500
 * terms in a compound SELECT); more Minds are claimed group after group in the same transaction.
 */
const CLAIM_MINDS = 200;
/** Rows per INSERT of enqueueMany (20 parameters each: 5,000, under SQLite's 32,766 and PostgreSQL's 65,535). */
const ENQUEUE_GROUP = 250;
/** Completions per UPDATE of completeMany (5 parameters each: well under every driver's limit). */
const COMPLETE_GROUP = 500;

/** A fresh random lease token (a UUIDv4) per row, made by the database inside the claiming UPDATE. */
const NEW_TOKEN: Record<SqlDialect, string> = {
  postgres: 'CAST(gen_random_uuid() AS VARCHAR)',
  sqlite:
    "lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' || " +
    "substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))",
};

/** A task's row as the values of an INSERT, in the order of COLUMNS. */
function toValues(row: StoredTask): unknown[] {
  return [
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
}

/** The ids of the rows an `INSERT …` (without RETURNING) wrote. */
async function insertReturningIds(tx: SqlExecutor, insert: string, params: readonly unknown[]): Promise<string[]> {
  return (await writeReturning(tx, insert, 'id', params)).map((row) => String(row.id));
}

/** Claim order, for rows an UPDATE … RETURNING handed back in no particular order. */
const byClaimOrder = (a: StoredTask, b: StoredTask): number =>
  b.priority - a.priority || a.runAt - b.runAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** Runs `UPDATE …` with RETURNING every column and gives back the changed rows. */
function updateReturning(tx: SqlExecutor, update: string, params: readonly unknown[]): Promise<Row[]> {
  return writeReturning(tx, update, COLUMNS, params);
}

/** WHERE terms (and their parameters) of status, mind and type, each when given. */
function filterTerms(filter: TaskFilter): WhereTerms {
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
    // Every task is checked before any is written: one bad task and none is enqueued.
    const rows = newTaskRows(tasks, newId, this.clock.now()).map((row) => ({ row, values: toValues(row) }));
    if (rows.length === 0) return [];
    return this.db.write(async (tx) => {
      // One multi-row INSERT per group; a row whose (mind, idempotency key) is taken (before, or by
      // an earlier row of this call) is skipped and answered with the task that holds the key.
      const created = new Set<string>();
      for (let i = 0; i < rows.length; i += ENQUEUE_GROUP) {
        const group = rows.slice(i, i + ENQUEUE_GROUP);
        const insert =
          `INSERT INTO background_tasks (${COLUMNS}) VALUES ${group.map(() => `(${PLACEHOLDERS})`).join(', ')} ` +
          'ON CONFLICT (mind_id, idempotency_key) DO NOTHING';
        const values = group.flatMap((r) => r.values);
        // One row: the count of rows written says it all (no RETURNING to read back).
        if (group.length === 1) {
          if ((await tx.run(insert, values)) > 0) created.add(group[0]!.row.id);
          continue;
        }
        for (const id of await insertReturningIds(tx, insert, values)) created.add(id);
      }
      const results: Array<{ task: StoredTask; created: boolean }> = [];
      for (const { row } of rows) {
        if (created.has(row.id)) {
          results.push({ task: row, created: true });
          continue;
        }
        const [existing] = await tx.all<Row>(
          `SELECT ${COLUMNS} FROM background_tasks WHERE mind_id = ? AND idempotency_key = ?`,
          [row.mindId, row.idempotencyKey],
        );
        results.push({ task: toTask(existing!), created: false });
      }
      // PostgreSQL delivers a NOTIFY on commit: daemons of other processes wake at once (see SqlTaskNotifier).
      if (tx.dialect === 'postgres') {
        const minds = new Set(results.filter((r) => r.created).map((r) => r.task.mindId));
        for (const mindId of minds) await tx.all('SELECT pg_notify(?, ?)', [TASK_CHANNEL, mindId]);
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
      page: query,
      map: toTask,
      position: (t) => ({ key: t.runAt, id: t.id }),
    });
  }

  async count(filter: TaskFilter): Promise<number> {
    return countRows(this.db, 'background_tasks', filterTerms(filter));
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
    const claim = checkClaim(options);
    if (claim === null) return [];
    const { owner, now, limit, leaseUntil, mindIds, types, perMind, probeFirst } = claim;

    const mindsOnly = mindIds === undefined ? '' : ` AND ${inList('mind_id', mindIds.length)}`;
    const typesOnly = types === undefined ? '' : ` AND ${inList('type', types.length)}`;
    const only = mindsOnly + typesOnly;
    const onlyParams: unknown[] = [...(mindIds ?? []), ...(types ?? [])];
    const pg = this.db.dialect === 'postgres';
    // PostgreSQL: concurrent claimers skip the rows another one is taking. SQLite: the write
    // transaction serializes claimers, and each subquery is pinned to the index that reads it in
    // claim order (left to itself, the planner may pick a mind/type index and sort every due task).
    const lock = pg ? ' FOR UPDATE SKIP LOCKED' : '';
    const from = (index: string) => (pg ? 'background_tasks' : `background_tasks INDEXED BY ${index}`);
    const expired = `status = ? AND lease_expires_at <= ?${only}`;
    const firstIn = (where: string, index: string, columns = 'id, priority, run_at') =>
      `SELECT ${columns} FROM (SELECT ${columns} FROM ${from(index)} ` +
      `WHERE ${where} ORDER BY ${CLAIM_ORDER} LIMIT ?${lock})`;
    // Leases of crashed workers whose task is out of attempts: dead. (The claims below take only
    // expired leases with attempts left, so the two never touch the same task.)
    const bury =
      `UPDATE background_tasks SET status = ?, ${NO_LEASE}, finished_at = ?, updated_at = ?, last_error = ? ` +
      `WHERE id IN (SELECT id FROM ${from('idx_tasks_status_lease')} WHERE ${expired} AND attempts >= max_attempts${lock})`;
    const buryParams = ['dead', now, now, LEASE_EXPIRED, 'running', now, ...onlyParams];
    const retake = `${expired} AND attempts < max_attempts`;

    if (probeFirst) {
      // An idle daemon's poll: a read on the same indexes first, so that nothing to claim costs no
      // write transaction. (A task enqueued meanwhile wakes the worker or waits one poll.)
      const probe = (where: string, index: string) => `EXISTS (SELECT 1 FROM ${from(index)} WHERE ${where})`;
      const [anything] = await this.db.all<{ found: unknown }>(
        `SELECT CASE WHEN ${probe(`status = ? AND run_at <= ?${only}`, 'idx_tasks_claim')} OR ` +
          `${probe(expired, 'idx_tasks_status_lease')} THEN 1 ELSE 0 END AS found`,
        ['pending', now, ...onlyParams, 'running', now, ...onlyParams],
      );
      if (Number(anything?.found) !== 1) return [];
    }

    const rows = await this.db.write(async (tx) => {
      let buried = false;
      const take = (runnable: string, params: unknown[]) => {
        const update =
          `UPDATE background_tasks SET status = ?, lease_token = ${NEW_TOKEN[tx.dialect]}, lease_owner = ?, ` +
          `lease_expires_at = ?, attempts = attempts + 1, updated_at = ? WHERE id IN (${runnable})`;
        const updateParams = ['running', owner, leaseUntil, now, ...params];
        if (buried) return updateReturning(tx, update, updateParams);
        buried = true;
        // PostgreSQL: the burial rides in the claiming statement (one round trip less per claim).
        return tx.all<Row>(
          `WITH buried AS (${bury} RETURNING id), changed AS (${update} RETURNING ${COLUMNS}) SELECT ${COLUMNS} FROM changed`,
          [...buryParams, ...updateParams],
        );
      };
      if (!pg) {
        await tx.run(bury, buryParams);
        buried = true;
      }
      if (perMind === undefined) {
        // The first `limit` due pending tasks and the first `limit` expired leases (all with
        // attempts left now), and of those together the first `limit`, in claim order.
        return take(
          'SELECT id FROM (' +
            `${firstIn(`status = ? AND run_at <= ?${only}`, 'idx_tasks_claim')} AS due UNION ALL ` +
            `${firstIn(retake, 'idx_tasks_status_lease')} AS lost` +
            `) AS runnable ORDER BY ${CLAIM_ORDER} LIMIT ?`,
          [...['pending', now, ...onlyParams, limit], ...['running', now, ...onlyParams, limit], limit],
        );
      }
      // Per-Mind limits, in groups of Minds (a statement has a bounded number of terms): for each
      // Mind its first k due pending tasks, read from idx_tasks_mind_pending in claim order and
      // stopped at k; with the first expired leases of those Minds; of those, the first k of each
      // Mind (a window over these few rows), and of all the first `limit`, in claim order.
      const taken: Row[] = [];
      for (let i = 0; i < perMind.length && taken.length < limit; i += CLAIM_MINDS) {
        const group = perMind.slice(i, i + CLAIM_MINDS);
        const columns = 'id, mind_id, priority, run_at';
        const groupOnly = ` AND ${inList('mind_id', group.length)}${typesOnly}`;
        // 'pending' as a literal: the planners use the partial index only for a query that names its condition.
        const branches = group.map(
          (_, j) =>
            `${firstIn(`mind_id = ? AND status = 'pending' AND run_at <= ?${typesOnly}`, 'idx_tasks_mind_pending', columns)} AS due${j}`,
        );
        branches.push(
          `${firstIn(`status = ? AND lease_expires_at <= ?${groupOnly} AND attempts < max_attempts`, 'idx_tasks_status_lease', columns)} AS lost`,
        );
        const most = `CASE mind_id ${group.map(() => 'WHEN ? THEN CAST(? AS INTEGER)').join(' ')} END`;
        const left = limit - taken.length;
        const rows = await take(
          `SELECT id FROM (SELECT id, mind_id, priority, run_at, ROW_NUMBER() OVER ` +
            `(PARTITION BY mind_id ORDER BY ${CLAIM_ORDER}) AS nth FROM (${branches.join(' UNION ALL ')}) AS runnable) ` +
            `AS ranked WHERE nth <= ${most} ORDER BY ${CLAIM_ORDER} LIMIT ?`,
          [
            ...group.flatMap((m) => [m.mindId, now, ...(types ?? []), Math.min(m.limit, left)]),
            ...['running', now, ...group.map((m) => m.mindId), ...(types ?? []), left],
            ...group.flatMap((m) => [m.mindId, m.limit]),
            left,
          ],
        );
        taken.push(...rows);
      }
      return taken;
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

  async completeMany(items: readonly TaskCompletion[], now: number): Promise<Array<StoredTask | null>> {
    // Checked before anything is written: one bad item and none is completed.
    return this.succeed(checkCompletions(items, now, toJson), now);
  }

  async completeAndClaim(
    items: readonly TaskCompletion[],
    now: number,
    claim: ClaimOptions,
  ): Promise<{ completed: Array<StoredTask | null>; claimed: StoredTask[] }> {
    // Checked before anything is written: a bad item or bad claim options and nothing is written.
    const completions = checkCompletions(items, now, toJson);
    checkClaim(claim);
    return this.db.write(async (tx) => {
      // The same statements as completeMany and claim, inside this one transaction.
      const inTx = new TaskRepository(tx, this.clock);
      const completed = await inTx.succeed(completions, now);
      return { completed, claimed: await inTx.claim(claim) };
    });
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

  async importMany(rows: readonly StoredTask[]): Promise<AppendResult> {
    if (!Array.isArray(rows)) throw invalidInput('tasks', 'must be an array of task rows');
    // Every row is checked (JSON included) before the transaction: one invalid, none written.
    const values = rows.map((row, i) => toValues(checkImportedTask(row, `tasks.${i}`)));
    // A row whose id or (mind, idempotency key) is taken is skipped.
    return insertRows(this.db, 'background_tasks', COLUMNS, values, ANY_UNIQUE_KEY);
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
