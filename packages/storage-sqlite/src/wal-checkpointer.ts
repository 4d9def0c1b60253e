import sqlite3 from 'sqlite3';
import type { Logger } from '@genesis/mind-core';

/** Pages the WAL may hold before the writing connection checkpoints by itself: a safety net only. */
export const FALLBACK_AUTOCHECKPOINT_PAGES = 10_000;

/**
 * Copies the SQLite write-ahead log back into the database from a connection of its own, every
 * `intervalMs` when something was written. SQLite's automatic checkpoint runs inside the commit
 * that crosses its threshold, on the writing connection — and every statement queued behind that
 * commit waits for it (tens of ms with an fsync). A PASSIVE checkpoint on another connection
 * never blocks the writer: the WAL takes new frames while old ones are copied.
 */
export class WalCheckpointer {
  private dirty = false;
  private running = false;
  private timer: NodeJS.Timeout | undefined;
  private connection: Promise<sqlite3.Database> | undefined;

  private constructor(
    private readonly file: string,
    private readonly log: Logger | undefined,
  ) {}

  /**
   * Starts the timer on `file` (already in WAL mode). The connection is opened at the first
   * checkpoint, not now: opening a database while another process converts it to WAL can fail.
   */
  static start(file: string, intervalMs: number, log?: Logger): WalCheckpointer {
    const checkpointer = new WalCheckpointer(file, log);
    checkpointer.timer = setInterval(() => void checkpointer.checkpoint(), intervalMs);
    checkpointer.timer.unref();
    return checkpointer;
  }

  private open(): Promise<sqlite3.Database> {
    this.connection ??= new Promise<sqlite3.Database>((resolve, reject) => {
      const db = new sqlite3.Database(this.file, sqlite3.OPEN_READWRITE, (error) => {
        if (error) return reject(error);
        db.configure('busyTimeout', 1000);
        resolve(db);
      });
    }).catch((error: unknown) => {
      this.connection = undefined; // tried again at the next checkpoint
      throw error;
    });
    return this.connection;
  }

  /** Something was committed: the next tick checkpoints. */
  written(): void {
    this.dirty = true;
  }

  /** Copies what it can now (PASSIVE: never waits for readers or writers). */
  async checkpoint(): Promise<void> {
    if (!this.dirty || this.running) return;
    this.dirty = false;
    this.running = true;
    try {
      const connection = await this.open();
      await new Promise<void>((resolve, reject) =>
        connection.run('PRAGMA wal_checkpoint(PASSIVE)', (error) => (error ? reject(error) : resolve())),
      );
    } catch (error) {
      // The writer's own automatic checkpoint (FALLBACK_AUTOCHECKPOINT_PAGES) still bounds the WAL.
      this.dirty = true;
      this.log?.warn({ err: error }, 'WAL checkpoint failed; will try again');
    } finally {
      this.running = false;
    }
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    const connection = await this.connection?.catch(() => undefined);
    if (connection) await new Promise<void>((resolve) => connection.close(() => resolve()));
  }
}
