import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Mutex } from 'async-mutex';
import sqlite3 from 'sqlite3';
import { Client } from 'pg';
import { DataSource, QueryFailedError } from 'typeorm';
import type { QueryRunner } from 'typeorm';
import { FileLock, GenesisError, silentLogger, type Logger } from '@genesis/mind-core';
import { FALLBACK_AUTOCHECKPOINT_PAGES, WalCheckpointer } from './wal-checkpointer';
import { ENTITIES } from './entities';
import { driverCode, StorageError } from './errors';
import { MIGRATIONS } from './migrations';
import { movePythonTablesAside } from './migrations/python-tables';
import { preserveForeignFile } from './foreign-file';
import { SqliteGroupCommit } from './sqlite-group-commit';

export type SqlDialect = 'sqlite' | 'postgres';

export interface SqlDatabaseOptions {
  /**
   * `postgres://…` (or `postgresql://…`) for PostgreSQL; anything else is a SQLite file path.
   * The daemon passes `GENESIS_DATABASE_URL` here, else `<home>/genesis.db`.
   */
  url: string;
  /**
   * SQLite: how often the WAL is checkpointed (from a connection of its own) after writes. Default
   * 200: small checkpoints often keep the WAL short, so a long run of deletes (retention) never
   * lets it grow to the point where a writer's own commit has to checkpoint (measured: the slowest
   * concurrent addMessage during retention over 1,000,000 messages 58 ms at 1000, 35 ms at 200).
   */
  checkpointIntervalMs?: number;
  /** SQLite: how long one statement waits for another connection's lock (PRAGMA busy_timeout). Default 5000. */
  busyTimeoutMs?: number;
  /** SQLite: how many more times a write that still met SQLITE_BUSY is tried. Default 4. */
  busyRetries?: number;
  /** SQLite: first back-off between those tries, doubled each time (capped at 2 s). Default 100. */
  busyBackoffMs?: number;
  /**
   * SQLite: how many writes waiting for the write lock one group commit takes into its transaction
   * at most (see {@link SqlDatabase.write}). 1 turns group commit off. Default 256.
   */
  maxWriteGroup?: number;
  /** PostgreSQL: pool size. Default 10. */
  poolSize?: number;
  /** Log every SQL statement (TypeORM logger). Default false. */
  logging?: boolean;
  /** Where failures that are handled here (a failed rollback) are reported. Default: silent. */
  logger?: Logger;
  /** Called with every statement this database runs (its text as given, with `?` placeholders). */
  onQuery?: (sql: string, params: readonly unknown[]) => void;
  /**
   * SQLite: where to keep a byte-identical copy of a file written by another program (an earlier
   * Genesis) before opening it changes it (see `preserveForeignFile`). Default: no copy.
   */
  foreignFileCopy?: string;
}

/** The part of a node-sqlite3 `Statement` the reads use. */
interface SqliteStatement {
  all(params: readonly unknown[], callback: (error: Error | null, rows: unknown[]) => void): unknown;
  finalize(): unknown;
}

/** The part of a node-sqlite3 `Database` the reads use. */
interface SqliteConnection {
  all(sql: string, params: readonly unknown[], callback: (error: Error | null, rows: unknown[]) => void): void;
  /**
   * A statement, prepared on the thread pool; what is asked of it meanwhile waits. `callback` gets
   * null once it is ready, or the error if preparing failed (the driver then drops what was asked).
   */
  prepare(sql: string, callback: (error: Error | null) => void): SqliteStatement;
}

/** A read waiting for a prepared statement of its SQL text. */
interface PendingRead {
  params: readonly unknown[];
  resolve(rows: unknown[]): void;
  reject(error: unknown): void;
}

/** The reads of one SQL text: its prepared statements, and the reads waiting for one of them. */
interface ReadStatements {
  idle: SqliteStatement[];
  /** Statements prepared (or being prepared) and not finalized: idle ones and those running a read. */
  open: number;
  waiting: PendingRead[];
  /** Dropped from the cache (or the database is closing): statements are finalized once their read is done. */
  retired: boolean;
}

/**
 * SQLite: how many prepared statements one SQL text keeps for the reads (further reads of the text
 * wait for one of them, in order). The connection runs one statement at a time anyway (its mutex);
 * several in the thread pool's queue let a burst of reads be answered in one turn of the event loop
 * rather than a few per turn (measured at 100 concurrent page reads over HTTP: ≈ 10 % less CPU per
 * request with 64 than with 4). A text only gets that many while that many of its reads are waiting.
 */
const READ_STATEMENTS_PER_TEXT = 64;
/** SQLite: how many SQL texts keep prepared statements (the oldest cached is dropped beyond). */
const READ_TEXTS_CACHED = 200;

/**
 * Runs SQL: the database itself (each `run` its own transaction) or one open transaction (every
 * statement inside it). Stores are built over an executor, so a unit of work hands the same stores
 * a transaction. `write(work)` on a transaction runs `work` inside that same transaction.
 */
export interface SqlExecutor {
  readonly dialect: SqlDialect;
  all<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** Runs INSERT/UPDATE/DELETE and returns the number of rows it changed. */
  run(sql: string, params?: readonly unknown[]): Promise<number>;
  /** Runs `work` in one write transaction (a new one on the database; the same one inside a transaction). */
  write<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T>;
}

/** Every table of the Genesis schema, in the order `tableCounts` reports them. */
export const TABLES = [
  'minds',
  'environments',
  'relationships',
  'conversation_messages',
  'concerns',
  'background_tasks',
  'mind_records',
  'schedules',
  'schedule_fires',
  'mind_leases',
  'concern_fires',
] as const;

export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//i.test(url);
}

/** A Postgres URL with its password hidden, fit for messages and logs. */
export function redactUrl(url: string): string {
  return url.replace(/(\/\/[^:/@]+):[^@]*@/, '$1:***@');
}

/**
 * The sqlite3 module as TypeORM's driver, minus its verbose mode: TypeORM calls `verbose()` on the
 * driver it loads, which wraps every statement to capture a stack trace (measured: 9–16 % of a busy
 * daemon's CPU). Errors still carry the driver's code and message.
 */
const QUIET_SQLITE3 = { verbose: () => sqlite3 };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** The advisory lock key migrations hold on PostgreSQL ("gene" in ASCII). */
const MIGRATION_LOCK_KEY = 0x67656e65;

/**
 * One SQL database (a SQLite file or a PostgreSQL server) with the Genesis schema.
 *
 * Reads go straight to the driver. Writes go through {@link SqlDatabase.write}: on SQLite they are
 * serialized in this process (one `BEGIN IMMEDIATE` transaction at a time, so a statement can never
 * slip into another caller's transaction), gathered into group commits, and retried with bounded
 * back-off when another process holds the write lock; on PostgreSQL each write is its own pooled
 * transaction.
 */
export class SqlDatabase implements SqlExecutor {
  readonly dialect: SqlDialect;
  /** The SQLite file path, or the Postgres URL with its password hidden. */
  readonly location: string;
  private readonly writeLock = new Mutex();
  /** SQLite: gathers the writes of concurrent callers into shared transactions. */
  private groupCommit: SqliteGroupCommit | undefined;
  private readonly placeholderCache = new Map<string, string>();
  /** SQLite: the reads' prepared statements by SQL text (see {@link SqlDatabase.all}). */
  private readonly readStatements = new Map<string, ReadStatements>();
  /** SQLite: set by close(): reads no longer keep statements. */
  private closing = false;
  private readonly log: Logger;
  private readonly onQuery: SqlDatabaseOptions['onQuery'];

  /** The PostgreSQL URL as given (with its password), for LISTEN connections; null on SQLite. */
  private postgresUrl: string | null = null;
  /** SQLite: checkpoints the WAL from its own connection, off the writers' path. */
  private checkpointer: WalCheckpointer | undefined;

  private constructor(
    private readonly dataSource: DataSource,
    dialect: SqlDialect,
    location: string,
    private readonly options: Required<Pick<SqlDatabaseOptions, 'busyRetries' | 'busyBackoffMs' | 'maxWriteGroup'>> &
      Pick<SqlDatabaseOptions, 'logger' | 'onQuery'>,
  ) {
    this.dialect = dialect;
    this.location = location;
    this.log = options.logger ?? silentLogger;
    this.onQuery = options.onQuery;
  }

  static async open(options: SqlDatabaseOptions): Promise<SqlDatabase> {
    const busyTimeout = options.busyTimeoutMs ?? 5000;
    const retry = {
      busyRetries: options.busyRetries ?? 4,
      busyBackoffMs: options.busyBackoffMs ?? 100,
      maxWriteGroup: Math.max(1, Math.floor(options.maxWriteGroup ?? 256)),
      ...(options.logger ? { logger: options.logger } : {}),
      ...(options.onQuery ? { onQuery: options.onQuery } : {}),
    };
    const common = {
      entities: [...ENTITIES] as Function[],
      migrations: [...MIGRATIONS] as Function[],
      migrationsTableName: 'genesis_migrations',
      synchronize: false,
      migrationsRun: false,
      logging: options.logging ?? false,
    };
    if (isPostgresUrl(options.url)) {
      const location = redactUrl(options.url);
      const dataSource = new DataSource({
        ...common,
        type: 'postgres',
        url: options.url,
        connectTimeoutMS: 5000,
        extra: { max: options.poolSize ?? 10 },
      });
      try {
        await dataSource.initialize();
      } catch (cause) {
        throw new StorageError(
          'DATABASE_UNAVAILABLE',
          `Cannot connect to PostgreSQL at ${location}: ${(cause as Error).message}. ` +
            'Check GENESIS_DATABASE_URL and that the server is running and accepts connections.',
          { cause },
        );
      }
      const db = new SqlDatabase(dataSource, 'postgres', location, retry);
      db.postgresUrl = options.url;
      return db;
    }

    const file = resolve(options.url.replace(/^sqlite:(\/\/)?/i, ''));
    try {
      mkdirSync(dirname(file), { recursive: true });
    } catch (cause) {
      throw new StorageError(
        'DATABASE_UNAVAILABLE',
        `Cannot create the folder of the SQLite database ${file}: ${(cause as Error).message}`,
        { cause },
      );
    }
    if (options.foreignFileCopy) await preserveForeignFile(file, options.foreignFileCopy, options.logger);
    const sqliteOptions = {
      ...common,
      type: 'sqlite',
      database: file,
      enableWAL: true,
      busyTimeout,
      driver: QUIET_SQLITE3,
    } as const;
    let dataSource = new DataSource(sqliteOptions);
    try {
      // TypeORM sets journal_mode before busy_timeout: a connection opened while another one turns
      // the file to WAL (two processes opening a new home) meets SQLITE_BUSY at once. Tried again.
      for (let attempt = 1; ; attempt++) {
        try {
          await dataSource.initialize();
          break;
        } catch (cause) {
          if (driverCode(cause) !== 'SQLITE_BUSY' || attempt >= 6) throw cause;
          // The driver may hold the connection it opened before the pragma failed: closed first.
          if (dataSource.isInitialized) await dataSource.destroy();
          else await dataSource.driver.disconnect().catch(() => undefined); // nothing open: nothing to close
          await new Promise((r) => setTimeout(r, 25 * 2 ** attempt));
          dataSource = new DataSource(sqliteOptions);
        }
      }
      await dataSource.query('PRAGMA synchronous = NORMAL');
      await dataSource.query(`PRAGMA wal_autocheckpoint = ${FALLBACK_AUTOCHECKPOINT_PAGES}`);
    } catch (cause) {
      if (dataSource.isInitialized) {
        await dataSource
          .destroy()
          .catch((error: unknown) =>
            options.logger?.warn({ file, err: error }, 'closing a database that failed to open also failed'),
          );
      }
      throw new StorageError(
        driverCode(cause) === 'SQLITE_BUSY' ? 'DATABASE_BUSY' : 'DATABASE_UNAVAILABLE',
        `Cannot open the SQLite database ${file}: ${(cause as Error).message}`,
        { cause },
      );
    }
    const db = new SqlDatabase(dataSource, 'sqlite', file, retry);
    // Should it fail to connect, the writing connection checkpoints by itself (the fallback size).
    db.checkpointer = WalCheckpointer.start(file, options.checkpointIntervalMs ?? 200, options.logger);
    return db;
  }

  /**
   * Opens the database and applies pending migrations (unless `migrate: false`); closes it again if
   * migrating fails. Returns the names of the migrations applied.
   */
  static async openMigrated(
    options: SqlDatabaseOptions & { migrate?: boolean },
  ): Promise<{ db: SqlDatabase; applied: string[] }> {
    const db = await SqlDatabase.open(options);
    try {
      return { db, applied: options.migrate === false ? [] : await db.migrate() };
    } catch (error) {
      await db.close();
      throw error;
    }
  }

  /** Rewrites `?` placeholders to `$1, $2, …` for PostgreSQL. */
  sql(text: string): string {
    if (this.dialect === 'sqlite') return text;
    let out = this.placeholderCache.get(text);
    if (out === undefined) {
      let n = 0;
      out = text.replace(/\?/g, () => `$${++n}`);
      this.placeholderCache.set(text, out);
    }
    return out;
  }

  /**
   * A read outside any transaction. On SQLite straight on the driver's connection: TypeORM's
   * `query()` makes a query runner and broadcasts two events per call, which on a page read of the
   * HTTP API cost about as much as SQLite's own work.
   *
   * On SQLite the statement of each SQL text is prepared once and reused. The driver's
   * `Database#all` prepares a new statement for every call, runs it, and finalizes it: three trips
   * through libuv's thread pool (each waiting behind every other read in the queue, each with its
   * callback on the main thread), and the finalize takes the connection's mutex on the main thread,
   * where it waits for whatever statement a pool thread is running. A reused statement is one trip.
   */
  async all<T = Record<string, unknown>>(text: string, params: readonly unknown[] = []): Promise<T[]> {
    this.onQuery?.(text, params);
    try {
      if (this.dialect === 'sqlite' && this.dataSource.isInitialized)
        return (await this.sqliteAll(text, params)) as T[];
      return (await this.dataSource.query(this.sql(text), [...params])) as T[];
    } catch (cause) {
      throw this.wrap(cause);
    }
  }

  private sqliteAll(text: string, params: readonly unknown[]): Promise<unknown[]> {
    const connection = (this.dataSource.driver as unknown as { databaseConnection: SqliteConnection })
      .databaseConnection;
    // Without parameters the driver runs a statement as it is, with the values bound by its last run
    // (it clears them only when given new ones): such reads (PRAGMAs, counts of whole tables, none on
    // a hot path) keep a statement of their own, as before.
    if (this.closing || params.length === 0)
      return new Promise((resolve, reject) =>
        connection.all(text, params, (error, rows) => (error ? reject(error) : resolve(rows))),
      );
    let reads = this.readStatements.get(text);
    if (reads === undefined) {
      if (this.readStatements.size >= READ_TEXTS_CACHED) {
        const [oldest, dropped] = this.readStatements.entries().next().value as [string, ReadStatements];
        this.readStatements.delete(oldest);
        this.retire(dropped);
      }
      reads = { idle: [], open: 0, waiting: [], retired: false };
      this.readStatements.set(text, reads);
    }
    const statements = reads;
    return new Promise((resolve, reject) => {
      statements.waiting.push({ params, resolve, reject });
      this.startReads(connection, text, statements);
    });
  }

  /** Gives waiting reads of `text` an idle statement, or a new one while there are fewer than the cap. */
  private startReads(connection: SqliteConnection, text: string, reads: ReadStatements): void {
    while (reads.waiting.length > 0) {
      let statement = reads.idle.pop();
      if (statement === undefined) {
        if (reads.open >= READ_STATEMENTS_PER_TEXT) return;
        const read = reads.waiting.shift()!;
        reads.open++;
        // The driver runs the read once the statement is prepared; if preparing fails, it drops the
        // read and calls this instead (the statement is finalized by the driver).
        statement = connection.prepare(text, (error) => {
          if (error === null) return;
          reads.open--;
          read.reject(error);
          this.startReads(connection, text, reads);
        });
        this.runRead(connection, text, reads, statement, read);
      } else this.runRead(connection, text, reads, statement, reads.waiting.shift()!);
    }
  }

  private runRead(
    connection: SqliteConnection,
    text: string,
    reads: ReadStatements,
    statement: SqliteStatement,
    read: PendingRead,
  ): void {
    const done = (error: Error | null, rows: unknown[]) => {
      // A statement that failed is not trusted again; one of a retired text is not kept idle.
      if (error !== null || (reads.retired && reads.waiting.length === 0)) {
        reads.open--;
        statement.finalize();
      } else reads.idle.push(statement);
      if (error !== null) read.reject(error);
      else read.resolve(rows);
      this.startReads(connection, text, reads);
    };
    try {
      statement.all(read.params, done);
    } catch (error) {
      // Parameters the driver cannot bind are refused at once, before anything is scheduled.
      done(error as Error, []);
    }
  }

  /** Finalizes a text's idle statements; those running a read are finalized when it is done. */
  private retire(reads: ReadStatements): void {
    reads.retired = true;
    if (reads.waiting.length > 0) return;
    for (const statement of reads.idle) statement.finalize();
    reads.open -= reads.idle.length;
    reads.idle.length = 0;
  }

  /** One statement in its own write transaction; returns the number of rows it changed. */
  async run(text: string, params: readonly unknown[] = []): Promise<number> {
    return this.write((tx) => tx.run(text, params));
  }

  /**
   * PostgreSQL: hears NOTIFY on `channel` (a payload per notification) on a connection of its own;
   * returns the unsubscribe. SQLite has no notifications: the listener is never called. A lost
   * connection is logged; callers keep polling, so nothing is missed, only later.
   */
  async listen(channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>> {
    if (!/^[a-z_][a-z0-9_]*$/.test(channel))
      throw new StorageError('QUERY_FAILED', `Invalid channel name ${JSON.stringify(channel)}`);
    if (this.postgresUrl === null) return async () => undefined;
    const client = new Client({ connectionString: this.postgresUrl });
    client.on('notification', (message) => onNotify(message.payload ?? ''));
    client.on('error', (error) =>
      this.log.warn({ channel, err: error }, 'notification connection lost; polling goes on'),
    );
    try {
      await client.connect();
      await client.query(`LISTEN ${channel}`);
    } catch (cause) {
      await client
        .end()
        .catch((error: unknown) => this.log.debug({ err: error }, 'closing a failed LISTEN connection'));
      throw this.wrap(cause);
    }
    return async () => {
      await client
        .end()
        .catch((error: unknown) => this.log.debug({ err: error }, 'closing the LISTEN connection failed'));
    };
  }

  /** Rows per table of the Genesis schema. */
  async tableCounts(): Promise<Record<(typeof TABLES)[number], number>> {
    const counts = {} as Record<(typeof TABLES)[number], number>;
    for (const table of TABLES) {
      const [row] = await this.all<{ n: unknown }>(`SELECT COUNT(*) AS n FROM ${table}`);
      counts[table] = Number(row?.n ?? 0);
    }
    return counts;
  }

  /** The columns a table has now (empty when it does not exist). */
  async columnNames(table: string): Promise<string[]> {
    const runner = this.dataSource.createQueryRunner();
    try {
      const found = await runner.getTable(table);
      return found ? found.columns.map((c) => c.name) : [];
    } finally {
      // SQLite has one connection, which the runner shares: only a pooled one is given back.
      if (this.dialect === 'postgres') await runner.release();
    }
  }

  /** SQL the entities would still need to match this schema: empty when migrations left it exactly as declared. */
  async pendingSchemaChanges(): Promise<string[]> {
    const log = await this.dataSource.driver.createSchemaBuilder().log();
    return log.upQueries.map((q) => q.query);
  }

  /** SQLite's plan for a statement (EXPLAIN QUERY PLAN), one line per step. */
  async explain(text: string, params: readonly unknown[] = []): Promise<string[]> {
    if (this.dialect !== 'sqlite') throw new StorageError('QUERY_FAILED', 'explain() reads SQLite query plans only');
    const rows = await this.dataSource.query(`EXPLAIN QUERY PLAN ${text}`, [...params]);
    return (rows as Array<{ detail: string }>).map((r) => r.detail);
  }

  /**
   * Runs `work` in a write transaction and resolves once that transaction committed; on any error
   * of `work`, what it wrote is rolled back and the error thrown.
   *
   * On SQLite, writes from this process are serialized and share transactions (group commit): a
   * write asked for while no transaction is in flight starts one at once; writes asked for while one
   * is in flight wait for it, and the next transaction runs all of them (up to `maxWriteGroup`), one
   * after the other, and commits them together. Each caller still gets its own result or its own
   * error: a write that fails before changing anything (bad input, a constraint refusing its only
   * statement) is simply left out; one that fails after changing rows rolls the transaction back,
   * and the others run again without it. A transaction that meets SQLITE_BUSY (another process
   * holds the lock past busy_timeout) is rolled back and tried again with bounded back-off. So
   * `work` may run more than once: keep effects outside the database (HTTP calls, files) out of it.
   *
   * On PostgreSQL each write is its own pooled transaction (row locks and the pool let them run side
   * by side; the server itself flushes concurrent commits together).
   */
  async write<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    if (this.dialect === 'postgres') return this.writePostgres(work);
    this.groupCommit ??= new SqliteGroupCommit({
      lock: this.writeLock,
      connection: () => this.dataSource.createQueryRunner(),
      maxGroup: this.options.maxWriteGroup,
      busyRetries: this.options.busyRetries,
      busyBackoffMs: this.options.busyBackoffMs,
      log: this.log,
      location: this.location,
      ...(this.onQuery ? { onQuery: this.onQuery } : {}),
      wrapError: (error) => this.wrapDriverError(error),
      busyError: (tries, started, cause) => this.busyError(tries, started, cause),
      committed: () => this.checkpointer?.written(),
    });
    return this.groupCommit.write(work);
  }

  /**
   * Applies pending migrations (each in its own transaction). Returns the names of those applied.
   * On PostgreSQL they run under an advisory lock, so two daemons starting together migrate once.
   */
  async migrate(): Promise<string[]> {
    const run = async () => {
      try {
        await movePythonTablesAside(this.dataSource, { logger: this.log, location: this.location });
        if (this.dialect === 'postgres')
          return await this.withAdvisoryLock(async () =>
            (await this.dataSource.runMigrations({ transaction: 'each' })).map((m) => m.name),
          );
        const applied = await this.dataSource.runMigrations({ transaction: 'each' });
        return applied.map((m) => m.name);
      } catch (cause) {
        if (driverCode(cause) === 'SQLITE_BUSY') throw cause;
        throw new StorageError(
          'MIGRATION_FAILED',
          `Migrating ${this.location} failed and was rolled back: ${(cause as Error).message}`,
          { cause },
        );
      }
    };
    if (this.dialect === 'postgres') return run();
    // Another process may be migrating the same file: a lock file next to it makes them take turns.
    const lock = new FileLock(`${this.location}.migrate.lock`, {
      timeoutMs: 120_000,
      logger: this.log,
      code: 'DATABASE_BUSY',
      hint: 'Another Genesis process is migrating this database; wait for it, or stop it.',
    });
    return lock.run(() => this.writeLock.runExclusive(() => this.withBusyRetry(run)));
  }

  /** Names of the migrations not yet applied. */
  async pendingMigrations(): Promise<string[]> {
    const applied = new Set(await this.appliedMigrations());
    return this.dataSource.migrations.map((m) => m.name ?? m.constructor.name).filter((n) => !applied.has(n));
  }

  async appliedMigrations(): Promise<string[]> {
    const runner = this.dataSource.createQueryRunner();
    try {
      if (!(await runner.hasTable('genesis_migrations'))) return [];
      const rows = await this.all<{ name: string }>('SELECT name FROM genesis_migrations ORDER BY id');
      return rows.map((r) => r.name);
    } finally {
      if (this.dialect === 'postgres') await runner.release();
    }
  }

  async close(): Promise<void> {
    if (!this.dataSource.isInitialized) return;
    await this.groupCommit?.idle();
    await this.writeLock.waitForUnlock();
    await this.checkpointer?.close();
    this.checkpointer = undefined;
    // Every statement must be finalized before the connection closes (the driver waits for the
    // reads still running, and their statements are finalized as each ends).
    this.closing = true;
    for (const reads of this.readStatements.values()) this.retire(reads);
    this.readStatements.clear();
    await this.dataSource.destroy();
  }

  /** Holds a session-level advisory lock (one connection) while `fn` runs. */
  private async withAdvisoryLock<T>(fn: () => Promise<T>): Promise<T> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
      try {
        return await fn();
      } finally {
        await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
      }
    } finally {
      await runner.release();
    }
  }

  private async writePostgres<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    const runner = this.dataSource.createQueryRunner();
    try {
      await runner.connect();
      await runner.startTransaction();
    } catch (cause) {
      await runner.release();
      throw this.wrap(cause);
    }
    try {
      const result = await work(this.transaction(runner));
      await runner.commitTransaction();
      return result;
    } catch (error) {
      await runner
        .rollbackTransaction()
        .catch((rollbackError: unknown) =>
          this.log.error({ database: this.location, err: rollbackError }, 'rollback failed'),
        );
      throw this.wrapDriverError(error);
    } finally {
      await runner.release();
    }
  }

  private transaction(runner: QueryRunner): SqlExecutor {
    const tx: SqlExecutor = {
      dialect: this.dialect,
      all: async <T>(text: string, params: readonly unknown[] = []) => {
        this.onQuery?.(text, params);
        return (await runner.query(this.sql(text), [...params])) as T[];
      },
      run: async (text: string, params: readonly unknown[] = []) => {
        this.onQuery?.(text, params);
        const result = await runner.query(this.sql(text.trim()), [...params], true);
        return result.affected ?? 0;
      },
      write: (work) => work(tx),
    };
    return tx;
  }

  private async withBusyRetry<T>(attempt: () => Promise<T>): Promise<T> {
    const started = Date.now();
    let backoff = this.options.busyBackoffMs;
    for (let tries = 0; ; tries++) {
      try {
        return await attempt();
      } catch (error) {
        if (driverCode(error) !== 'SQLITE_BUSY') throw this.wrapDriverError(error);
        if (tries >= this.options.busyRetries) throw this.busyError(tries, started, error);
        await sleep(backoff + Math.floor(Math.random() * backoff * 0.2));
        backoff = Math.min(backoff * 2, 2000);
      }
    }
  }

  private busyError(tries: number, started: number, cause: unknown): StorageError {
    return new StorageError(
      'DATABASE_BUSY',
      `The SQLite database ${this.location} is locked by another connection: a write still met SQLITE_BUSY ` +
        `after ${tries + 1} attempts over ${Date.now() - started} ms. Another process is holding its write lock — ` +
        'stop the other Genesis daemon or CLI using this home (one daemon per Mind), or close any tool that has ' +
        'the database open (a DB browser, an sqlite3 shell), then retry.',
      { cause },
    );
  }

  /** Driver failures become StorageErrors; anything else thrown by the work passes through unchanged. */
  private wrapDriverError(error: unknown): unknown {
    if (error instanceof GenesisError) return error;
    return error instanceof QueryFailedError || driverCode(error) !== undefined ? this.wrap(error) : error;
  }

  private wrap(cause: unknown): StorageError {
    if (cause instanceof StorageError) return cause;
    const code = driverCode(cause);
    return new StorageError(
      code === 'SQLITE_BUSY' ? 'DATABASE_BUSY' : 'QUERY_FAILED',
      `Query on ${this.location} failed${code ? ` (${code})` : ''}: ${(cause as Error).message}`,
      { cause },
    );
  }
}
