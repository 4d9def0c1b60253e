import type { Mutex } from 'async-mutex';
import type { QueryRunner } from 'typeorm';
import type { Logger } from '@genesis/mind-core';
import { driverCode } from './errors';
import type { SqlExecutor } from './sql-database';

export interface GroupCommitOptions {
  /** The per-process write lock (migrations take it too). */
  lock: Mutex;
  /** The one connection of the SQLite DataSource. */
  connection: () => QueryRunner;
  /** Writes per transaction at most. */
  maxGroup: number;
  busyRetries: number;
  busyBackoffMs: number;
  log: Logger;
  location: string;
  onQuery?: (sql: string, params: readonly unknown[]) => void;
  /** Driver failures as StorageErrors (anything else unchanged). */
  wrapError: (error: unknown) => unknown;
  /** The error of a write still locked out after every retry. */
  busyError: (tries: number, started: number, cause: unknown) => Error;
  /** Called after each COMMIT. */
  committed: () => void;
}

/** One caller's write waiting for its group commit. */
interface QueuedWrite {
  work: (tx: SqlExecutor) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

type Result = { ok: true; value: unknown } | { ok: false; error: unknown };

/**
 * How a group's run ended. `committed`: each write's own result. Otherwise the transaction is still
 * open, to be rolled back: `without` (write `index` failed after changing rows, or broke the
 * transaction: it fails with `error`, the others run again), `busy` (the lock was lost to another
 * process: the group is tried again), `unmerged` (statements merged across writes could not stand
 * for each write's own: the group runs again without merging) or `failed` (COMMIT failed: every
 * write fails with `error`).
 */
type GroupOutcome =
  | { kind: 'committed'; results: Result[] }
  | { kind: 'without'; index: number; error: unknown }
  | { kind: 'busy'; error: unknown }
  | { kind: 'unmerged' }
  | { kind: 'failed'; error: unknown };

/**
 * SQLite codes of failures that undo only the failing statement and leave the transaction open
 * (https://www.sqlite.org/lang_transaction.html: FULL, IOERR, BUSY and NOMEM may roll it back).
 */
const STATEMENT_LEVEL_FAILURES = new Set([
  'SQLITE_CONSTRAINT',
  'SQLITE_MISMATCH',
  'SQLITE_RANGE',
  'SQLITE_TOOBIG',
  'SQLITE_ERROR',
]);
const isRead = (text: string) => /^\s*select\b/i.test(text);
/** Another connection holds the lock a statement needed: the whole group is tried again. */
const lockedOut = (code: string | undefined) => code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED';

/** `INSERT INTO t (a, b) VALUES (?, ?)`, optionally `ON CONFLICT [(…)] DO NOTHING`: one row, mergeable with its like. */
const ONE_ROW_INSERT =
  /^INSERT INTO (\w+) \([\w, ]+\) VALUES (\((?:\?, )*\?\))((?: ON CONFLICT(?: \([\w, ]+\))? DO NOTHING)?)$/;
/** Parameters per merged INSERT at most (SQLite allows 32766). */
const MAX_MERGED_PARAMETERS = 30_000;

/** Thrown into a write's statements once its run is abandoned (its outcome is ignored; it runs again). */
class AbandonedRun extends Error {
  constructor() {
    super('this run of the write was abandoned and will run again');
  }
}

interface Held {
  kind: 'all' | 'run';
  text: string;
  params: readonly unknown[];
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/** One run of one queued write inside a group's transaction. */
class Attempt {
  /** Statements other than SELECT that succeeded: what a rollback would have to undo. */
  writes = 0;
  /** A statement met another connection's lock: the whole group is tried again. */
  busy: unknown;
  /** A statement failed in a way that may have ended the transaction (disk full, I/O error, …). */
  broken: unknown;
  /** While set, statements are held, not run, until {@link release}. */
  holding: boolean;
  readonly held: Held[] = [];
  /** Set once the run is abandoned: its statements fail at once. */
  abandoned = false;
  /**
   * Set on all but the last write of a merged INSERT: the later writes' rows are already in that
   * table, so a statement naming it would run out of order. (Statements on other tables commute
   * with those rows: the schema has no triggers or foreign keys.)
   */
  mergedInto: RegExp | undefined;
  outOfOrder = false;
  /** Settles when the first statement is held, or the work ended without one. */
  readonly stopped: Promise<void>;
  readonly done: Promise<Result>;
  private stop!: () => void;

  constructor(
    work: (tx: SqlExecutor) => Promise<unknown>,
    hold: boolean,
    private readonly execute: (attempt: Attempt, held: Held) => Promise<unknown>,
    onQuery: GroupCommitOptions['onQuery'],
  ) {
    this.holding = hold;
    this.stopped = new Promise((r) => (this.stop = r));
    const statement = (kind: 'all' | 'run', given: string, params: readonly unknown[]) => {
      onQuery?.(given, params);
      const text = kind === 'run' ? given.trim() : given;
      if (this.abandoned) return Promise.reject(new AbandonedRun());
      if (this.mergedInto?.test(text)) {
        this.outOfOrder = true;
        return Promise.reject(new AbandonedRun());
      }
      return new Promise<unknown>((resolve, reject) => {
        const held = { kind, text, params, resolve, reject };
        if (!this.holding) return void this.execute(this, held).then(resolve, reject);
        this.held.push(held);
        this.stop();
      });
    };
    const tx: SqlExecutor = {
      dialect: 'sqlite',
      all: <T>(text: string, params: readonly unknown[] = []) => statement('all', text, params) as Promise<T[]>,
      run: (text: string, params: readonly unknown[] = []) => statement('run', text, params) as Promise<number>,
      write: (inner) => inner(tx),
    };
    this.done = (async (): Promise<Result> => {
      try {
        return { ok: true, value: await work(tx) };
      } catch (error) {
        return { ok: false, error };
      } finally {
        this.stop();
      }
    })();
  }

  /** The statement text this run waits on, when it is one row of an INSERT that can be merged. */
  get mergeable(): string | undefined {
    const [first] = this.held;
    return this.held.length === 1 && first!.kind === 'run' && ONE_ROW_INSERT.test(first!.text)
      ? first!.text
      : undefined;
  }

  /** Runs the statements held so far, in order, and every later one at once. */
  release(): void {
    this.holding = false;
    let chain = Promise.resolve();
    for (const held of this.held.splice(0))
      chain = chain.then(() => this.execute(this, held).then(held.resolve, held.reject));
  }

  /** Fails its held statements (and every later one): its outcome will be ignored. */
  abandon(): void {
    this.abandoned = true;
    this.holding = false;
    for (const held of this.held.splice(0)) held.reject(new AbandonedRun());
  }
}

/**
 * Group commit on SQLite's one write connection. Writes asked for while a transaction is in
 * flight queue up; the next transaction (`BEGIN IMMEDIATE`) takes every queued write (up to
 * `maxGroup`), runs them one after the other, and commits them together, so a burst of single
 * writes costs one commit instead of one each. A write asked for when nothing is in flight starts
 * a transaction at once (no timer).
 *
 * Each caller gets its own result or error, once the COMMIT of the transaction holding its write
 * is done. A write that fails having changed nothing (its input refused, or a constraint refusing
 * its statement: SQLite undoes just that statement) fails alone and the transaction goes on; one
 * that fails after changing rows, or with an error that may end the transaction, makes the group
 * roll back and run again without it.
 *
 * Consecutive writes whose first statement is the same one-row `INSERT` (a message append) get one
 * multi-row INSERT: each write is started as soon as the one before it waits on such a statement,
 * the statements are held, run as one, and each write is resumed in turn. Should that not stand for
 * the writes' own statements (a conflict skipped a row, or a write ran another statement after its
 * INSERT naming its table) the group rolls back and runs again without merging; should the merged INSERT fail, its
 * rows are inserted one by one, so only the bad row's write fails.
 */
export class SqliteGroupCommit {
  private readonly queue: QueuedWrite[] = [];
  /** The loop committing queued writes group by group; undefined while none is queued. */
  private draining: Promise<void> | undefined;

  constructor(private readonly options: GroupCommitOptions) {}

  write<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
      this.draining ??= this.drain();
    });
  }

  /** Settles once every write queued so far is committed or failed. */
  async idle(): Promise<void> {
    await this.draining;
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) await this.options.lock.runExclusive(() => this.commitGroup());
    } finally {
      // Runs in the tick of the last look at the queue: a write queued later starts a new loop.
      this.draining = undefined;
    }
  }

  /**
   * One group commit: `BEGIN IMMEDIATE`, then the writes queued by then (taken once the transaction
   * is open, so those asked for meanwhile join it), then `COMMIT`. Never throws: every failure goes
   * to the callers it concerns.
   */
  private async commitGroup(): Promise<void> {
    const { maxGroup } = this.options;
    const runner = this.options.connection();
    let group: QueuedWrite[] | undefined;
    let merge = true;
    const started = Date.now();
    let backoff = this.options.busyBackoffMs;
    for (let tries = 0; ;) {
      let busy: unknown;
      try {
        await runner.query('BEGIN IMMEDIATE');
      } catch (error) {
        if (driverCode(error) !== 'SQLITE_BUSY') {
          for (const item of group ?? this.queue.splice(0, maxGroup)) item.reject(this.options.wrapError(error));
          return;
        }
        busy = error;
      }
      if (busy === undefined) {
        group ??= this.queue.splice(0, maxGroup);
        const outcome = await this.runGroup(runner, group, merge && group.length > 1);
        if (outcome.kind === 'committed') {
          this.options.committed();
          outcome.results.forEach((result, i) => {
            if (result.ok) group![i]!.resolve(result.value);
            else group![i]!.reject(this.options.wrapError(result.error));
          });
          return;
        }
        await this.rollback(runner);
        if (outcome.kind === 'failed') {
          for (const item of group) item.reject(this.options.wrapError(outcome.error));
          return;
        }
        if (outcome.kind === 'unmerged') {
          merge = false;
          continue;
        }
        if (outcome.kind === 'without') {
          // Its writes are undone: it fails alone, and the others run again in a new transaction.
          const [item] = group.splice(outcome.index, 1);
          item!.reject(this.options.wrapError(outcome.error));
          if (group.length === 0) return;
          continue;
        }
        busy = outcome.error;
      }
      if (tries >= this.options.busyRetries) {
        const error = this.options.busyError(tries, started, busy);
        for (const item of group ?? this.queue.splice(0, maxGroup)) item.reject(error);
        return;
      }
      tries++;
      await new Promise((r) => setTimeout(r, backoff + Math.floor(Math.random() * backoff * 0.2)));
      backoff = Math.min(backoff * 2, 2000);
    }
  }

  /** Runs a group's writes in the open transaction, in order, then COMMIT. */
  private async runGroup(runner: QueryRunner, group: readonly QueuedWrite[], merge: boolean): Promise<GroupOutcome> {
    const execute = (attempt: Attempt, held: Held) => this.execute(runner, attempt, held);
    const start = (i: number) => new Attempt(group[i]!.work, merge, execute, this.options.onQuery);
    const attempts: Attempt[] = [];
    const results: Result[] = [];
    try {
      let next: Attempt | undefined;
      for (let i = 0; i < group.length;) {
        const first = next ?? start(i);
        next = undefined;
        attempts.push(first);
        const train = [first];
        await first.stopped;
        const text = first.mergeable;
        if (text !== undefined) {
          const width = first.held[0]!.params.length;
          while (i + train.length < group.length && (train.length + 1) * width <= MAX_MERGED_PARAMETERS) {
            const candidate = start(i + train.length);
            attempts.push(candidate);
            await candidate.stopped;
            if (candidate.mergeable !== text) {
              next = candidate;
              break;
            }
            train.push(candidate);
          }
        }
        const outcome =
          train.length > 1
            ? await this.runMerged(runner, train, text!, i, results)
            : await this.runOne(first, i, results);
        if (outcome) return outcome;
        i += train.length;
      }
    } finally {
      for (const attempt of attempts) attempt.abandon();
    }
    try {
      await runner.query('COMMIT');
    } catch (error) {
      return driverCode(error) === 'SQLITE_BUSY' ? { kind: 'busy', error } : { kind: 'failed', error };
    }
    return { kind: 'committed', results };
  }

  /** Lets one write run to its end; an outcome when the group cannot go on. */
  private async runOne(attempt: Attempt, index: number, results: Result[]): Promise<GroupOutcome | undefined> {
    attempt.release();
    const result = await attempt.done;
    if (attempt.busy !== undefined) return { kind: 'busy', error: attempt.busy };
    if (attempt.outOfOrder) return { kind: 'unmerged' };
    // A failure the work caught and got over still counts.
    if (attempt.broken !== undefined)
      return { kind: 'without', index, error: result.ok ? attempt.broken : result.error };
    if (!result.ok && attempt.writes > 0) return { kind: 'without', index, error: result.error };
    // A failed write that changed nothing fails alone, and the transaction goes on.
    results.push(result);
    return undefined;
  }

  /** Runs the held one-row INSERTs of `train` as one statement, then lets each write go on in turn. */
  private async runMerged(
    runner: QueryRunner,
    train: Attempt[],
    text: string,
    index: number,
    results: Result[],
  ): Promise<GroupOutcome | undefined> {
    const [, table, tuple, onConflict] = ONE_ROW_INSERT.exec(text)!;
    const head = text.slice(0, text.length - tuple!.length - onConflict!.length);
    const merged = `${head}${train.map(() => tuple).join(', ')}${onConflict}`;
    let affected: number;
    try {
      const result = await runner.query(
        merged,
        train.flatMap((a) => a.held[0]!.params),
        true,
      );
      affected = result.affected ?? 0;
    } catch (error) {
      const code = driverCode(error);
      if (lockedOut(code)) return { kind: 'busy', error };
      if (code === undefined || !STATEMENT_LEVEL_FAILURES.has(code)) return { kind: 'unmerged' };
      // One row is bad and nothing was written: each write runs on its own, so only that one fails.
      for (const [k, attempt] of train.entries()) {
        const outcome = await this.runOne(attempt, index + k, results);
        if (outcome) return outcome;
      }
      return undefined;
    }
    // A row skipped on a conflict: which one is unknown.
    if (affected !== train.length) return { kind: 'unmerged' };
    for (const [k, attempt] of train.entries()) {
      const [held] = attempt.held.splice(0);
      attempt.writes++;
      attempt.holding = false;
      if (k < train.length - 1) attempt.mergedInto = new RegExp(`\\b${table}\\b`, 'i');
      held!.resolve(1);
      const outcome = await this.runOne(attempt, index + k, results);
      if (outcome) return outcome;
    }
    return undefined;
  }

  /** Runs one statement of a write, noting what it did. */
  private async execute(runner: QueryRunner, attempt: Attempt, held: Held): Promise<unknown> {
    if (attempt.abandoned) throw new AbandonedRun();
    try {
      const result =
        held.kind === 'all'
          ? await runner.query(held.text, [...held.params])
          : ((await runner.query(held.text, [...held.params], true)).affected ?? 0);
      if (!isRead(held.text)) attempt.writes++;
      return result;
    } catch (error) {
      const code = driverCode(error);
      if (lockedOut(code)) attempt.busy ??= error;
      else if (code === undefined || !STATEMENT_LEVEL_FAILURES.has(code)) attempt.broken ??= error;
      throw error;
    }
  }

  private async rollback(runner: QueryRunner): Promise<void> {
    await runner
      .query('ROLLBACK')
      .catch((error: unknown) =>
        this.options.log.error({ database: this.options.location, err: error }, 'rollback failed'),
      );
  }
}
