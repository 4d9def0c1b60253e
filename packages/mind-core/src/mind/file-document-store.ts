import { createHash, randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { chmod, mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { DocumentFile, MindDocumentStore } from '../ports/mind-document-store';
import { silentLogger, type Logger } from '../ports/logger';
import { GenesisError } from '../shared/errors';
import { pathExists, syncFolder } from '../shared/files';
import { parseGmid } from '../shared/gmid';
import { FileLock } from '../shared/file-lock';
import { processAlive } from '../shared/process';

export interface FileDocumentStoreOptions {
  /** How long a save waits for another live process's lock before MIND_LOCKED. Default 10 s. */
  lockTimeoutMs?: number;
  /** A lock older than this is taken even if its owner cannot be checked (another host). Default 30 s. */
  staleLockMs?: number;
  logger?: Logger;
}

const COMPARE_CHUNK = 1024 * 1024;
const TEMP_FILE = /^.+\.(\d+)\.tmp$/;
const errno = (error: unknown): string | undefined => (error as NodeJS.ErrnoException | undefined)?.code;

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
    return pathExists(this.pathFor(gmid));
  }

  async size(gmid: string): Promise<number> {
    return stat(this.pathFor(gmid)).then(
      (s) => s.size,
      () => 0,
    );
  }

  async read(gmid: string): Promise<DocumentFile | null> {
    const file = this.pathFor(gmid);
    if (!(await pathExists(file))) return null;
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
      const bom = raw[0] === 0xef && raw[1] === 0xbb && raw[2] === 0xbf;
      return { path: file, raw, value: JSON.parse(raw.toString('utf8', bom ? 3 : 0)), modifiedAt };
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
    return this.lockOf(`${this.pathFor(gmid)}.lock`).run(fn);
  }

  private lockOf(lockFile: string): FileLock {
    return new FileLock(lockFile, {
      timeoutMs: this.lockTimeoutMs,
      staleMs: this.staleLockMs,
      logger: this.log,
      code: 'MIND_LOCKED',
      hint: 'Another Genesis process is saving this Mind; retry, or stop it.',
    });
  }

  async backup(gmid: string, raw: Buffer): Promise<string> {
    const digest = createHash('sha256').update(raw).digest('hex').slice(0, 16);
    const file = join(this.backupDir, `${parseGmid(gmid)}.${digest}.json`);
    if (!(await pathExists(file))) {
      await mkdir(this.backupDir, { recursive: true, mode: 0o700 });
      await this.writeAtomic(file, raw, 0o600);
    }
    return file;
  }

  async holdsBytes(path: string, raw: Buffer): Promise<boolean> {
    let handle;
    try {
      handle = await open(path, 'r');
    } catch (error) {
      if (errno(error) === 'ENOENT') return false;
      throw new GenesisError('INVALID_MIND_FILE', `Cannot read ${path} (${errno(error) ?? 'read error'})`, {
        cause: error,
      });
    }
    try {
      if ((await handle.stat()).size !== raw.length) return false;
      // 1 MB at a time: a 50 MB backup is compared without holding a second copy of it.
      const chunk = Buffer.allocUnsafe(Math.min(raw.length, COMPARE_CHUNK) || 1);
      for (let at = 0; at < raw.length;) {
        const { bytesRead } = await handle.read(chunk, 0, Math.min(chunk.length, raw.length - at), at);
        if (bytesRead === 0 || !chunk.subarray(0, bytesRead).equals(raw.subarray(at, at + bytesRead))) return false;
        at += bytesRead;
      }
      return true;
    } finally {
      await handle.close();
    }
  }

  async readSecrets(gmid: string): Promise<Record<string, unknown>> {
    const file = this.secretsPathFor(gmid);
    if (!(await pathExists(file))) return {};
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
    const existed = await pathExists(file);
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
        const deadLock = name.endsWith('.lock') && (await this.lockOf(join(dir, name)).isStale());
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
    await syncFolder(dir, this.log);
  }
}
