import { createHash, randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { chmod, link, mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import type { DocumentFile, MindDocumentStore } from '../ports/mind-document-store';
import { silentLogger, type Logger } from '../ports/logger';
import { GenesisError } from '../shared/errors';
import { parseGmid } from '../shared/gmid';
import { processAlive } from '../shared/process';

export interface FileDocumentStoreOptions {
  /** How long a save waits for another live process's lock before MIND_LOCKED. Default 10 s. */
  lockTimeoutMs?: number;
  /** A lock older than this is taken even if its owner cannot be checked (another host). Default 30 s. */
  staleLockMs?: number;
  logger?: Logger;
}

const TEMP_FILE = /^.+\.(\d+)\.tmp$/;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const errno = (error: unknown): string | undefined => (error as NodeJS.ErrnoException | undefined)?.code;

interface LockOwner {
  pid: number;
  host: string;
  at: number;
}

/**
 * The JSON tier on disk: `<home>/minds/{gmid}.json`, byte-identical backups of old files in
 * `<home>/minds/backup/` (0600) and secrets in `<home>/secrets/{gmid}.json` (0600).
 *
 * Writes go through a unique temp file (fsync, rename, fsync the folder) under a per-Mind lock file
 * holding the owner's pid: a lock whose owner died is taken at once, and temp files of dead writers
 * are removed by {@link FileMindDocumentStore.recover} when a home is opened.
 */
export class FileMindDocumentStore implements MindDocumentStore {
  readonly location: string;
  readonly backupDir: string;
  readonly secretsDir: string;
  private readonly lockTimeoutMs: number;
  private readonly staleLockMs: number;
  private readonly log: Logger;

  constructor(
    readonly home: string,
    options: FileDocumentStoreOptions = {},
  ) {
    this.location = join(home, 'minds');
    this.backupDir = join(this.location, 'backup');
    this.secretsDir = join(home, 'secrets');
    this.lockTimeoutMs = options.lockTimeoutMs ?? 10_000;
    this.staleLockMs = options.staleLockMs ?? 30_000;
    this.log = options.logger ?? silentLogger;
  }

  /** Opens the store on a home, removing what dead writers left behind. */
  static async open(home: string, options: FileDocumentStoreOptions = {}): Promise<FileMindDocumentStore> {
    const store = new FileMindDocumentStore(home, options);
    await store.recover();
    return store;
  }

  /** The file of a Mind; the GMID is validated, so the path is always inside the minds folder. */
  pathFor(gmid: string): string {
    return join(this.location, `${parseGmid(gmid)}.json`);
  }

  private secretsPathFor(gmid: string): string {
    return join(this.secretsDir, `${parseGmid(gmid)}.json`);
  }

  async exists(gmid: string): Promise<boolean> {
    return fileExists(this.pathFor(gmid));
  }

  async size(gmid: string): Promise<number> {
    return stat(this.pathFor(gmid)).then(
      (s) => s.size,
      () => 0,
    );
  }

  async read(gmid: string): Promise<DocumentFile | null> {
    const file = this.pathFor(gmid);
    if (!(await fileExists(file))) return null;
    return this.readFile(file);
  }

  /** Reads and parses a JSON file; errors name the file, never quote its contents. */
  async readFile(file: string): Promise<DocumentFile> {
    let raw: Buffer;
    let modifiedAt: number;
    try {
      raw = await readFile(file);
      modifiedAt = (await stat(file)).mtimeMs;
    } catch (cause) {
      if (errno(cause) === 'ENOENT')
        throw new GenesisError('MIND_NOT_FOUND', `Mind file ${file} does not exist`, { cause });
      throw new GenesisError('INVALID_MIND_FILE', `Cannot read Mind file ${file} (${errno(cause) ?? 'read error'})`, {
        cause,
      });
    }
    try {
      // A byte order mark (files saved on Windows) is not part of the JSON; `raw` keeps it for backups.
      const text = raw.toString('utf8').replace(/^\uFEFF/, '');
      return { path: file, raw, value: JSON.parse(text), modifiedAt };
    } catch (error) {
      // The parser's message quotes the file's first bytes: only the position is kept, never the text.
      const at = /position (\d+)/.exec((error as Error).message)?.[1];
      throw new GenesisError(
        'INVALID_MIND_FILE',
        `Mind file ${file} is not valid JSON${at ? ` (error at byte ${at})` : ''}. The file was left untouched.`,
      );
    }
  }

  async write(gmid: string, text: string): Promise<void> {
    await this.writeAtomic(this.pathFor(gmid), text, 0o644);
  }

  async withLock<T>(gmid: string, fn: () => Promise<T>): Promise<T> {
    const file = this.pathFor(gmid);
    const release = await this.lock(file);
    try {
      return await fn();
    } finally {
      await release();
    }
  }

  async backup(gmid: string, raw: Buffer): Promise<string> {
    const digest = createHash('sha256').update(raw).digest('hex').slice(0, 16);
    const file = join(this.backupDir, `${parseGmid(gmid)}.${digest}.json`);
    if (!(await fileExists(file))) {
      await mkdir(this.backupDir, { recursive: true, mode: 0o700 });
      await this.writeAtomic(file, raw, 0o600);
    }
    return file;
  }

  async readSecrets(gmid: string): Promise<Record<string, unknown>> {
    const file = this.secretsPathFor(gmid);
    if (!(await fileExists(file))) return {};
    return (await this.readFile(file)).value as Record<string, unknown>;
  }

  async writeSecrets(gmid: string, secrets: Record<string, unknown>): Promise<void> {
    if (Object.keys(secrets).length === 0) return;
    const merged = { ...(await this.readSecrets(gmid)), ...secrets };
    await mkdir(this.secretsDir, { recursive: true, mode: 0o700 });
    await this.writeAtomic(this.secretsPathFor(gmid), JSON.stringify(merged, null, 2), 0o600);
  }

  async remove(gmid: string): Promise<{ fileRemoved: boolean }> {
    const file = this.pathFor(gmid);
    const existed = await fileExists(file);
    await rm(file, { force: true });
    await rm(this.secretsPathFor(gmid), { force: true });
    return { fileRemoved: existed };
  }

  /** Removes temp files and lock files left by writers that died. Returns how many were removed. */
  async recover(): Promise<number> {
    let removed = 0;
    for (const dir of [this.location, this.backupDir, this.secretsDir]) {
      const names = await readdir(dir).catch((error: unknown) => {
        if (errno(error) !== 'ENOENT')
          this.log.warn({ dir, err: error }, 'cannot list folder to remove stale temp files');
        return [] as string[];
      });
      for (const name of names) {
        const pid = TEMP_FILE.exec(name)?.[1];
        const deadTemp = pid !== undefined && !processAlive(Number(pid));
        const deadLock = name.endsWith('.lock') && (await this.lockIsStale(join(dir, name)));
        if (!deadTemp && !deadLock) continue;
        await rm(join(dir, name), { force: true, recursive: true });
        removed++;
      }
    }
    if (removed > 0)
      this.log.info({ home: this.home, removed }, 'removed temp and lock files left by writers that died');
    return removed;
  }

  /** Writes through a unique temp file in the same folder: fsync, rename, fsync the folder. */
  private async writeAtomic(file: string, data: string | Buffer, mode: number): Promise<void> {
    const dir = dirname(file);
    const temp = join(dir, `.${randomBytes(6).toString('hex')}.${process.pid}.tmp`);
    try {
      await mkdir(dir, { recursive: true });
      const handle = await open(temp, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, mode);
      try {
        await handle.writeFile(data);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await chmod(temp, mode);
      await rename(temp, file);
    } catch (cause) {
      await rm(temp, { force: true });
      throw new GenesisError(
        'MIND_FILE_WRITE_FAILED',
        `Cannot write ${file} (${errno(cause) ?? (cause as Error).message}); the previous version is unchanged. Check free space and permissions of ${dir}.`,
        { cause },
      );
    }
    await this.syncDir(dir);
  }

  private async syncDir(dir: string): Promise<void> {
    let handle;
    try {
      handle = await open(dir, constants.O_RDONLY);
      await handle.sync();
    } catch (error) {
      // Some file systems cannot fsync a folder; the rename above is already done.
      this.log.debug({ dir, err: error }, 'folder fsync not supported');
    } finally {
      await handle?.close();
    }
  }

  private async readLockOwner(lockFile: string): Promise<(LockOwner & { ino: number; mtimeMs: number }) | null> {
    const info = await stat(lockFile).catch(() => null);
    if (!info) return null;
    const byAge = { pid: -1, host: '', at: info.mtimeMs, ino: info.ino, mtimeMs: info.mtimeMs };
    // A lock folder of an older Genesis (proper-lockfile) has no owner: it is stale by age alone.
    if (info.isDirectory()) return byAge;
    try {
      const owner = JSON.parse(await readFile(lockFile, 'utf8')) as LockOwner;
      return { ...owner, ino: info.ino, mtimeMs: info.mtimeMs };
    } catch (error) {
      if (errno(error) === 'ENOENT') return null;
      this.log.warn({ lockFile, err: error }, 'unreadable lock file: judged by its age');
      return byAge;
    }
  }

  private async lockIsStale(lockFile: string): Promise<boolean> {
    const owner = await this.readLockOwner(lockFile);
    if (!owner) return false;
    if (owner.pid > 0 && owner.host === hostname()) return !processAlive(owner.pid);
    return Date.now() - owner.mtimeMs > this.staleLockMs;
  }

  /** Takes `<file>.lock`; returns its release. */
  private async lock(file: string): Promise<() => Promise<void>> {
    const lockFile = `${file}.lock`;
    const me: LockOwner = { pid: process.pid, host: hostname(), at: Date.now() };
    const started = Date.now();
    let wait = 5;
    await mkdir(dirname(file), { recursive: true });
    for (;;) {
      // The owner record is complete before the lock appears: write a temp file, then link it.
      const temp = `${lockFile}.${randomBytes(4).toString('hex')}.${process.pid}.tmp`;
      await this.writeTempOwner(temp, me);
      let taken = false;
      try {
        await link(temp, lockFile);
        taken = true;
      } catch (error) {
        if (errno(error) !== 'EEXIST') {
          await rm(temp, { force: true });
          throw new GenesisError(
            'MIND_LOCKED',
            `Cannot take the lock ${lockFile} (${errno(error) ?? (error as Error).message})`,
            { cause: error },
          );
        }
      } finally {
        await rm(temp, { force: true });
      }
      if (taken) {
        return async () => {
          const owner = await this.readLockOwner(lockFile);
          if (owner && owner.pid === me.pid && owner.at === me.at) await rm(lockFile, { force: true });
          else this.log.warn({ lockFile }, 'lock was taken over by another process before release');
        };
      }
      if (await this.breakIfStale(lockFile)) continue;
      if (Date.now() - started > this.lockTimeoutMs) {
        const owner = await this.readLockOwner(lockFile);
        throw new GenesisError(
          'MIND_LOCKED',
          `${file} is locked by ${owner && owner.pid > 0 ? `process ${owner.pid} on ${owner.host}` : 'another process'} ` +
            `and stayed locked for ${this.lockTimeoutMs} ms. Another Genesis process is saving this Mind; retry, or stop it.`,
        );
      }
      await sleep(wait + Math.floor(Math.random() * wait));
      wait = Math.min(wait * 2, 100);
    }
  }

  private async writeTempOwner(temp: string, me: LockOwner): Promise<void> {
    try {
      const handle = await open(temp, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o644);
      try {
        await handle.writeFile(JSON.stringify(me));
      } finally {
        await handle.close();
      }
    } catch (cause) {
      throw new GenesisError(
        'MIND_LOCKED',
        `Cannot create the lock file ${temp} (${errno(cause) ?? (cause as Error).message})`,
        { cause },
      );
    }
  }

  /** Moves a dead owner's lock aside (only that exact file: compared by inode). */
  private async breakIfStale(lockFile: string): Promise<boolean> {
    const owner = await this.readLockOwner(lockFile);
    if (!owner) return true; // released meanwhile: try again at once
    const local = owner.pid > 0 && owner.host === hostname();
    const stale = local ? !processAlive(owner.pid) : Date.now() - owner.mtimeMs > this.staleLockMs;
    if (!stale) return false;
    const aside = `${lockFile}.stale.${randomBytes(4).toString('hex')}.${process.pid}.tmp`;
    try {
      await rename(lockFile, aside);
    } catch (error) {
      if (errno(error) === 'ENOENT') return true;
      throw new GenesisError(
        'MIND_LOCKED',
        `Cannot remove the stale lock ${lockFile} (${errno(error) ?? (error as Error).message})`,
        { cause: error },
      );
    }
    const moved = await stat(aside).catch(() => null);
    if (moved && moved.ino !== owner.ino) {
      // A live owner's fresh lock was moved by mistake (a race with another breaker): put it back.
      await link(aside, lockFile).catch((error: unknown) =>
        this.log.warn({ lockFile, err: error }, 'could not restore a lock moved aside'),
      );
    }
    await rm(aside, { force: true, recursive: true });
    this.log.info({ lockFile, pid: owner.pid }, 'took over the lock of a process that died');
    return true;
  }
}

async function fileExists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}
