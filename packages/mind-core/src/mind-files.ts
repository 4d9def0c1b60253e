import { createHash, randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { chmod, mkdir, open, readFile, rename, rm, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { lock } from 'proper-lockfile';
import { MindError } from './errors';
import { parseGmid } from './gmid';

/**
 * The JSON tier on disk: `<home>/minds/{gmid}.json`, byte-identical backups of old files in
 * `<home>/minds/backup/` (0600) and secrets in `<home>/secrets/{gmid}.json` (0600).
 */
export class MindFiles {
  readonly mindsDir: string;
  readonly backupDir: string;
  readonly secretsDir: string;

  constructor(readonly home: string) {
    this.mindsDir = join(home, 'minds');
    this.backupDir = join(this.mindsDir, 'backup');
    this.secretsDir = join(home, 'secrets');
  }

  /** The file of a Mind; the GMID is validated, so the path is always inside the minds folder. */
  pathFor(gmid: string): string {
    return join(this.mindsDir, `${parseGmid(gmid)}.json`);
  }

  secretsPathFor(gmid: string): string {
    return join(this.secretsDir, `${parseGmid(gmid)}.json`);
  }

  async exists(file: string): Promise<boolean> {
    return stat(file).then(
      () => true,
      () => false,
    );
  }

  /** Size in bytes, 0 when the file does not exist. */
  async size(file: string): Promise<number> {
    return stat(file).then(
      (s) => s.size,
      () => 0,
    );
  }

  /** Reads and parses a JSON file; a missing or non-JSON file is a clear error naming it. */
  async readJson(file: string): Promise<{ raw: Buffer; value: unknown; mtimeMs: number }> {
    let raw: Buffer;
    let mtimeMs: number;
    try {
      raw = await readFile(file);
      mtimeMs = (await stat(file)).mtimeMs;
    } catch (cause) {
      if ((cause as NodeJS.ErrnoException).code === 'ENOENT') throw new MindError('MIND_NOT_FOUND', `Mind file ${file} does not exist`, { cause });
      throw new MindError('INVALID_MIND_FILE', `Cannot read Mind file ${file}: ${(cause as Error).message}`, { cause });
    }
    try {
      return { raw, value: JSON.parse(raw.toString('utf8')), mtimeMs };
    } catch (cause) {
      throw new MindError('INVALID_MIND_FILE', `Mind file ${file} is not valid JSON (${(cause as Error).message}). The file was left untouched.`, { cause });
    }
  }

  /** Writes through a unique temp file in the same folder: fsync, rename, fsync the folder. */
  async writeAtomic(file: string, data: string | Buffer, mode = 0o644): Promise<void> {
    const dir = dirname(file);
    await mkdir(dir, { recursive: true });
    const temp = join(dir, `.${randomBytes(6).toString('hex')}.${process.pid}.tmp`);
    const handle = await open(temp, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, mode);
    try {
      await handle.writeFile(data);
      await handle.sync();
    } catch (error) {
      await handle.close();
      await unlink(temp).catch(() => undefined);
      throw error;
    }
    await handle.close();
    try {
      await chmod(temp, mode);
      await rename(temp, file);
    } catch (error) {
      await unlink(temp).catch(() => undefined);
      throw error;
    }
    const dirHandle = await open(dir, constants.O_RDONLY).catch(() => undefined);
    if (dirHandle) {
      await dirHandle.sync().catch(() => undefined);
      await dirHandle.close();
    }
  }

  /** Runs `fn` holding an inter-process lock on `file` (stale locks of dead processes expire). */
  async withLock<T>(file: string, fn: () => Promise<T>): Promise<T> {
    await mkdir(dirname(file), { recursive: true });
    const release = await lock(file, { realpath: false, stale: 10_000, retries: { retries: 50, minTimeout: 20, maxTimeout: 200 } });
    try {
      return await fn();
    } finally {
      await release();
    }
  }

  /** Keeps a byte-identical copy of an old file in the backup folder (0600); returns its path. */
  async backup(gmid: string, raw: Buffer): Promise<string> {
    const digest = createHash('sha256').update(raw).digest('hex').slice(0, 16);
    const file = join(this.backupDir, `${parseGmid(gmid)}.${digest}.json`);
    if (!(await this.exists(file))) {
      await mkdir(this.backupDir, { recursive: true, mode: 0o700 });
      await this.writeAtomic(file, raw, 0o600);
    }
    return file;
  }

  async readSecrets(gmid: string): Promise<Record<string, unknown>> {
    const file = this.secretsPathFor(gmid);
    if (!(await this.exists(file))) return {};
    return (await this.readJson(file)).value as Record<string, unknown>;
  }

  /** Merges secrets into `<home>/secrets/{gmid}.json`, readable by the owner only. */
  async writeSecrets(gmid: string, secrets: Record<string, unknown>): Promise<void> {
    if (Object.keys(secrets).length === 0) return;
    const merged = { ...(await this.readSecrets(gmid)), ...secrets };
    await mkdir(this.secretsDir, { recursive: true, mode: 0o700 });
    await this.writeAtomic(this.secretsPathFor(gmid), JSON.stringify(merged, null, 2), 0o600);
  }

  async remove(gmid: string): Promise<{ fileRemoved: boolean }> {
    const file = this.pathFor(gmid);
    const existed = await this.exists(file);
    await rm(file, { force: true });
    await rm(this.secretsPathFor(gmid), { force: true });
    return { fileRemoved: existed };
  }
}
