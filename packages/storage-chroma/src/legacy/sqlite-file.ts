import { copyFile, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Database, OPEN_READONLY, OPEN_READWRITE, OPEN_URI } from 'sqlite3';

type Row = Record<string, unknown>;

/** A SQLite file opened with the raw driver for reading only, with promise-returning queries. */
export class ReadOnlySqlite {
  private constructor(
    private readonly db: Database,
    private readonly onClose: () => Promise<void>,
  ) {}

  /**
   * Opens `file` so that reading it changes nothing at all. Alone (no `-wal` or `-journal` beside
   * it: every record is in the file) it is opened immutable, read-only: SQLite takes no locks and
   * creates nothing next to it — not even the `-shm`/`-wal` files a read-only connection to a
   * WAL-mode database leaves behind. With a `-wal` or `-journal` (a writer that did not close
   * cleanly), the file and those are copied to a private temporary folder, and SQLite replays or
   * rolls back there, as it would on the next open of the original; `close()` removes the copy.
   * Either way the connection is `query_only`.
   */
  static async open(file: string): Promise<ReadOnlySqlite> {
    const present = async (path: string) => (await stat(path).catch(() => null))?.isFile() ?? false;
    const sidecars = [];
    for (const suffix of ['-wal', '-journal']) if (await present(`${file}${suffix}`)) sidecars.push(suffix);
    let target = `${pathToFileURL(file).href}?immutable=1`;
    let flags = OPEN_READONLY | OPEN_URI;
    let scratch: string | null = null;
    if (sidecars.length > 0) {
      scratch = await mkdtemp(join(tmpdir(), 'genesis-legacy-sqlite-'));
      const copy = join(scratch, basename(file));
      for (const suffix of ['', ...sidecars]) await copyFile(`${file}${suffix}`, `${copy}${suffix}`);
      target = copy;
      flags = OPEN_READWRITE;
    }
    const cleanup = async () => {
      if (scratch) await rm(scratch, { recursive: true, force: true });
    };
    try {
      const db = await new Promise<Database>((resolve, reject) => {
        const opened: Database = new Database(target, flags, (error) => (error ? reject(error) : resolve(opened)));
      });
      const sqlite = new ReadOnlySqlite(db, cleanup);
      await sqlite.exec('PRAGMA query_only = ON').catch(async (error: unknown) => {
        await sqlite.close();
        throw error;
      });
      return sqlite;
    } catch (error) {
      await cleanup();
      throw error;
    }
  }

  all<T extends Row = Row>(sql: string, params: unknown[] = []): Promise<T[]> {
    return new Promise((resolve, reject) =>
      this.db.all(sql, params, (error, rows) => (error ? reject(error) : resolve(rows as T[]))),
    );
  }

  async exec(sql: string): Promise<void> {
    return new Promise((resolve, reject) => this.db.exec(sql, (error) => (error ? reject(error) : resolve())));
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.db.close(() => resolve()));
    await this.onClose();
  }
}
