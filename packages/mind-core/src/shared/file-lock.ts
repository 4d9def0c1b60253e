import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { link, mkdir, open, readFile, rm, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { silentLogger, type Logger } from '../ports/logger';
import { GenesisError, type GenesisErrorCode } from './errors';
import { processAlive } from './process';

export interface FileLockOptions {
  /** How long to wait for a live holder before failing. Default 10 s. */
  timeoutMs?: number;
  /** A lock whose owner cannot be checked (another host, unreadable) is taken once older than this. Default 30 s. */
  staleMs?: number;
  logger?: Logger;
  /** The code of the error when the lock stays taken. Default MIND_LOCKED. */
  code?: GenesisErrorCode;
  /** What the lock protects and what to do, for that error ("Another Genesis process is saving this Mind"). */
  hint?: string;
}

interface LockOwner {
  pid: number;
  host: string;
  at: number;
}

type SeenOwner = LockOwner & { ino: number; mtimeMs: number };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const errno = (error: unknown): string | undefined => (error as NodeJS.ErrnoException | undefined)?.code;

/**
 * An inter-process lock: a file holding its owner's `{ pid, host, at }`, created atomically (the
 * owner record is written to a temp file first, then hard-linked into place). A lock whose owner
 * process is gone is taken at once; one of another host after `staleMs`. Used for Mind saves,
 * SQLite migrations and the start of a home's Chroma server.
 */
export class FileLock {
  private readonly timeoutMs: number;
  private readonly staleMs: number;
  private readonly log: Logger;

  constructor(
    readonly path: string,
    private readonly options: FileLockOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.staleMs = options.staleMs ?? 30_000;
    this.log = options.logger ?? silentLogger;
  }

  /** Runs `fn` holding the lock. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    const release = await this.acquire();
    try {
      return await fn();
    } finally {
      await release();
    }
  }

  /** Takes the lock (waiting for a live holder up to `timeoutMs`); returns its release. */
  async acquire(): Promise<() => Promise<void>> {
    const me: LockOwner = { pid: process.pid, host: hostname(), at: Date.now() };
    const started = Date.now();
    let wait = 5;
    await mkdir(dirname(this.path), { recursive: true });
    for (;;) {
      if (await this.tryTake(me)) return () => this.release(me);
      if (await this.breakIfStale()) continue;
      if (Date.now() - started > this.timeoutMs) {
        const owner = await this.owner();
        const holder = owner && owner.pid > 0 ? `process ${owner.pid} on ${owner.host}` : 'another process';
        throw new GenesisError(
          this.options.code ?? 'MIND_LOCKED',
          `${this.path} is held by ${holder} and stayed locked for ${this.timeoutMs} ms.${this.options.hint ? ` ${this.options.hint}` : ''}`,
        );
      }
      await sleep(wait + Math.floor(Math.random() * wait));
      wait = Math.min(wait * 2, 100);
    }
  }

  /** Whether the lock file is there and its owner is gone (or, unverifiable, older than `staleMs`). */
  async isStale(): Promise<boolean> {
    const owner = await this.owner();
    return owner !== null && this.ownerGone(owner);
  }

  /** Creates the lock file for `me` unless it exists (the owner record is complete before it appears). */
  private async tryTake(me: LockOwner): Promise<boolean> {
    const temp = `${this.path}.${randomBytes(4).toString('hex')}.${process.pid}.tmp`;
    try {
      const handle = await open(temp, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o644);
      try {
        await handle.writeFile(JSON.stringify(me));
      } finally {
        await handle.close();
      }
      await link(temp, this.path);
      return true;
    } catch (error) {
      if (errno(error) === 'EEXIST') return false;
      throw this.failure(`Cannot take the lock ${this.path}`, error);
    } finally {
      await rm(temp, { force: true });
    }
  }

  private async release(me: LockOwner): Promise<void> {
    const owner = await this.owner();
    if (owner && owner.pid === me.pid && owner.at === me.at) await rm(this.path, { force: true });
    else this.log.warn({ lockFile: this.path }, 'lock was taken over by another process before release');
  }

  private async owner(): Promise<SeenOwner | null> {
    const info = await stat(this.path).catch(() => null); // no file: nobody holds the lock
    if (!info) return null;
    const byAge = { pid: -1, host: '', at: info.mtimeMs, ino: info.ino, mtimeMs: info.mtimeMs };
    // A lock folder of an older Genesis (proper-lockfile) has no owner: it is stale by age alone.
    if (info.isDirectory()) return byAge;
    try {
      const owner = JSON.parse(await readFile(this.path, 'utf8')) as LockOwner;
      return { ...owner, ino: info.ino, mtimeMs: info.mtimeMs };
    } catch (error) {
      if (errno(error) === 'ENOENT') return null;
      this.log.warn({ lockFile: this.path, err: error }, 'unreadable lock file: judged by its age');
      return byAge;
    }
  }

  private ownerGone(owner: SeenOwner): boolean {
    if (owner.pid > 0 && owner.host === hostname()) return !processAlive(owner.pid);
    return Date.now() - owner.mtimeMs > this.staleMs;
  }

  /**
   * Removes a dead owner's lock. Breakers take turns through `<lock>.break` (itself a pid lock), so
   * the lock file seen dead is the one removed: nobody else can replace it meanwhile.
   */
  private async breakIfStale(): Promise<boolean> {
    const seen = await this.owner();
    if (!seen) return true; // released meanwhile: try again at once
    if (!this.ownerGone(seen)) return false;
    const breaker = new FileLock(`${this.path}.break`, { ...this.options, timeoutMs: 0 });
    const me: LockOwner = { pid: process.pid, host: hostname(), at: Date.now() };
    if (!(await breaker.tryTake(me))) {
      // Another process is breaking it; if that one died too, clear its claim for the next round.
      if (await breaker.isStale()) await rm(breaker.path, { force: true });
      return false;
    }
    try {
      const owner = await this.owner();
      if (!owner) return true;
      if (owner.ino !== seen.ino || !this.ownerGone(owner)) return false; // taken by a live process meanwhile
      await rm(this.path, { force: true });
      this.log.info({ lockFile: this.path, pid: owner.pid }, 'took over the lock of a process that died');
      return true;
    } finally {
      await rm(breaker.path, { force: true });
    }
  }

  private failure(what: string, cause: unknown): GenesisError {
    return new GenesisError(
      this.options.code ?? 'MIND_LOCKED',
      `${what} (${errno(cause) ?? (cause as Error).message})`,
      {
        cause,
      },
    );
  }
}
