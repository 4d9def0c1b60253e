import { inject, injectable } from 'tsyringe';
import { CLOCK, newTaskRow, count as assertCount, epochMs, nonEmptyText, oneOf, parseLimit } from '@genesis/mind-core';
import { TASK_STATUSES } from '@genesis/mind-core';
import type { ClaimOptions, Clock, NewTask, Page, StoredTask, TaskQuery, TaskStatus } from '@genesis/mind-core';
import type { TaskStore } from '@genesis/mind-core';
import { keysetPage } from './keyset';
import type { SqlExecutor } from '../sql-database';
import { SQL_EXECUTOR } from '../tokens';
import { fromJson, inList, newId, num, numOrNull, strOrNull, toJson } from './values';

const COLUMNS =
  'id, mind_id, type, payload, status, priority, run_at, attempts, max_attempts, lease_owner, lease_expires_at, ' +
  'last_error, result, idempotency_key, created_at, updated_at, finished_at';
const FINISHED: TaskStatus[] = ['succeeded', 'dead', 'cancelled'];

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
    leaseExpiresAt: numOrNull(row.lease_expires_at),
    lastError: strOrNull(row.last_error),
    result: fromJson<unknown>(row.result, null),
    idempotencyKey: strOrNull(row.idempotency_key),
    createdAt: num(row.created_at),
    updatedAt: num(row.updated_at),
    finishedAt: numOrNull(row.finished_at),
  };
}

/**
 * background_tasks: a durable queue with leases. A task survives a crash of its worker: its lease
 * expires and the next `claim` takes it again (or marks it dead once it used all its attempts).
 */
@injectable()
export class TaskRepository implements TaskStore {
  constructor(
    @inject(SQL_EXECUTOR) private readonly db: SqlExecutor,
    @inject(CLOCK) private readonly clock: Clock,
  ) {}

  async enqueue(task: NewTask): Promise<{ task: StoredTask; created: boolean }> {
    const row = newTaskRow(task, newId(), this.clock.now());
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
      row.leaseExpiresAt,
      row.lastError,
      toJson(row.result, 'result'),
      row.idempotencyKey,
      row.createdAt,
      row.updatedAt,
      row.finishedAt,
    ];
    const created = await this.db.run(
      `INSERT INTO background_tasks (${COLUMNS}) VALUES (${values.map(() => '?').join(', ')}) ON CONFLICT (mind_id, idempotency_key) DO NOTHING`,
      values,
    );
    if (created === 0) {
      const [existing] = await this.db.all<Row>(
        `SELECT ${COLUMNS} FROM background_tasks WHERE mind_id = ? AND idempotency_key = ?`,
        [task.mindId, task.idempotencyKey],
      );
      return { task: toTask(existing!), created: false };
    }
    return { task: row, created: true };
  }

  async get(id: string): Promise<StoredTask | null> {
    const [row] = await this.db.all<Row>(`SELECT ${COLUMNS} FROM background_tasks WHERE id = ?`, [id]);
    return row ? toTask(row) : null;
  }

  async list(query: TaskQuery): Promise<Page<StoredTask>> {
    const where = ['status = ?'];
    const params: unknown[] = [oneOf(query.status, TASK_STATUSES, 'status')];
    if (query.mindId !== undefined) {
      where.push('mind_id = ?');
      params.push(query.mindId);
    }
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

  async count(filter: { status?: TaskStatus; mindId?: string }): Promise<number> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.status !== undefined) {
      where.push('status = ?');
      params.push(oneOf(filter.status, TASK_STATUSES, 'status'));
    }
    if (filter.mindId !== undefined) {
      where.push('mind_id = ?');
      params.push(filter.mindId);
    }
    const clause = where.length ? ` WHERE ${where.join(' AND ')}` : '';
    const [row] = await this.db.all<{ n: unknown }>(`SELECT COUNT(*) AS n FROM background_tasks${clause}`, params);
    return num(row?.n ?? 0);
  }

  async claim(options: ClaimOptions): Promise<StoredTask[]> {
    nonEmptyText(options.owner, 'owner', 200);
    const now = epochMs(options.now, 'now');
    const limit = parseLimit(options.limit);
    const leaseUntil = now + assertCount(options.leaseMs, 'leaseMs');
    const lock = this.db.dialect === 'postgres' ? ' FOR UPDATE SKIP LOCKED' : '';
    const mind = options.mindId === undefined ? '' : ' AND mind_id = ?';
    const mindParam = options.mindId === undefined ? [] : [options.mindId];

    return this.db.write(async (tx) => {
      // Leases of crashed workers: out of attempts → dead, else runnable again.
      const expired = await tx.all<Row>(
        `SELECT id, attempts, max_attempts, priority, run_at FROM background_tasks WHERE status = ? AND run_at <= ? AND lease_expires_at <= ?${mind} ORDER BY run_at ASC, id ASC LIMIT ?${lock}`,
        ['running', now, now, ...mindParam, limit * 2],
      );
      const exhausted = expired.filter((r) => num(r.attempts) >= num(r.max_attempts)).map((r) => String(r.id));
      if (exhausted.length > 0) {
        await tx.run(
          `UPDATE background_tasks SET status = ?, lease_owner = NULL, lease_expires_at = NULL, finished_at = ?, updated_at = ?, last_error = COALESCE(last_error, ?) WHERE ${inList('id', exhausted.length)}`,
          ['dead', now, now, 'lease expired: the worker stopped before finishing (no attempts left)', ...exhausted],
        );
      }
      const pending = await tx.all<Row>(
        `SELECT id, priority, run_at FROM background_tasks WHERE status = ? AND run_at <= ?${mind} ORDER BY priority DESC, run_at ASC, id ASC LIMIT ?${lock}`,
        ['pending', now, ...mindParam, limit],
      );
      const candidates = [...pending, ...expired.filter((r) => num(r.attempts) < num(r.max_attempts))]
        .sort(
          (a, b) =>
            num(b.priority) - num(a.priority) ||
            num(a.run_at) - num(b.run_at) ||
            (String(a.id) < String(b.id) ? -1 : 1),
        )
        .slice(0, limit)
        .map((r) => String(r.id));
      if (candidates.length === 0) return [];
      await tx.run(
        `UPDATE background_tasks SET status = ?, attempts = attempts + 1, lease_owner = ?, lease_expires_at = ?, updated_at = ? WHERE ${inList('id', candidates.length)}`,
        ['running', options.owner, leaseUntil, now, ...candidates],
      );
      const rows = await tx.all<Row>(
        `SELECT ${COLUMNS} FROM background_tasks WHERE ${inList('id', candidates.length)} ORDER BY priority DESC, run_at ASC, id ASC`,
        candidates,
      );
      return rows.map(toTask);
    });
  }

  async heartbeat(id: string, owner: string, now: number, leaseMs: number): Promise<boolean> {
    const changed = await this.db.write((tx) =>
      tx.run(
        'UPDATE background_tasks SET lease_expires_at = ?, updated_at = ? WHERE id = ? AND status = ? AND lease_owner = ?',
        [epochMs(now, 'now') + assertCount(leaseMs, 'leaseMs'), now, id, 'running', owner],
      ),
    );
    return changed > 0;
  }

  async complete(id: string, owner: string, result: unknown, now: number): Promise<StoredTask | null> {
    return this.finishWith(
      (tx) =>
        tx.run(
          'UPDATE background_tasks SET status = ?, result = ?, lease_owner = NULL, lease_expires_at = NULL, finished_at = ?, updated_at = ? WHERE id = ? AND status = ? AND lease_owner = ?',
          ['succeeded', toJson(result ?? null, 'result'), epochMs(now, 'now'), now, id, 'running', owner],
        ),
      id,
    );
  }

  async fail(id: string, owner: string, error: string, now: number, retryAt: number): Promise<StoredTask | null> {
    epochMs(now, 'now');
    epochMs(retryAt, 'retryAt');
    return this.finishWith(
      (tx) =>
        tx.run(
          'UPDATE background_tasks SET ' +
            'status = CASE WHEN attempts >= max_attempts THEN ? ELSE ? END, ' +
            'run_at = CASE WHEN attempts >= max_attempts THEN run_at ELSE CAST(? AS BIGINT) END, ' +
            'finished_at = CASE WHEN attempts >= max_attempts THEN CAST(? AS BIGINT) ELSE NULL END, ' +
            'last_error = ?, lease_owner = NULL, lease_expires_at = NULL, updated_at = ? ' +
            'WHERE id = ? AND status = ? AND lease_owner = ?',
          ['dead', 'pending', retryAt, now, String(error).slice(0, 10_000), now, id, 'running', owner],
        ),
      id,
    );
  }

  async cancel(id: string, now: number): Promise<StoredTask | null> {
    return this.finishWith(
      (tx) =>
        tx.run(
          'UPDATE background_tasks SET status = ?, lease_owner = NULL, lease_expires_at = NULL, finished_at = ?, updated_at = ? WHERE id = ? AND status IN (?, ?)',
          ['cancelled', epochMs(now, 'now'), now, id, 'pending', 'running'],
        ),
      id,
    );
  }

  async deleteFinishedBefore(before: number): Promise<number> {
    epochMs(before, 'before');
    return this.db.write((tx) =>
      tx.run(`DELETE FROM background_tasks WHERE ${inList('status', FINISHED.length)} AND finished_at < ?`, [
        ...FINISHED,
        before,
      ]),
    );
  }

  private async finishWith(update: (tx: SqlExecutor) => Promise<number>, id: string): Promise<StoredTask | null> {
    const row = await this.db.write(async (tx) => {
      if ((await update(tx)) === 0) return undefined;
      const [r] = await tx.all<Row>(`SELECT ${COLUMNS} FROM background_tasks WHERE id = ?`, [id]);
      return r;
    });
    return row ? toTask(row) : null;
  }
}
