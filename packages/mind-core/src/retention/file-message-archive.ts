import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { once } from 'node:events';
import { constants as zlib, createGzip, gunzip } from 'node:zlib';
import type { ArchiveBatch, ArchiveEntry, MessageArchive, PendingArchive } from '../ports/message-archive';
import type { StoredMessage } from '../ports/message-store';
import { silentLogger, type Logger } from '../ports/logger';
import { GenesisError } from '../shared/errors';
import { pathExists, syncFolder } from '../shared/files';
import { FileLock } from '../shared/file-lock';
import { parseGmid } from '../shared/gmid';

const gunzipAsync = promisify(gunzip);
const errno = (error: unknown): string | undefined => (error as NodeJS.ErrnoException | undefined)?.code;

const DONE = '.jsonl.gz';
const PENDING = '.jsonl.gz.pending';

export interface FileMessageArchiveOptions {
  logger?: Logger;
  /** How long a run waits for another live process's archive lock. Default 30 s. */
  lockTimeoutMs?: number;
  /** A lock of another host is taken once older than this. Default 10 min. */
  staleLockMs?: number;
  /** gzip level of archive files, 1 (fastest) to 9 (smallest). Default zlib's (6). */
  compressionLevel?: number;
}

/**
 * The message archive on disk: `<home>/archive/{gmid}/messages-{createdAt}-{id}.jsonl.gz`, one
 * gzip-compressed JSON line per message (a StoredMessage), named by the batch's first message (so
 * names sort oldest first and never repeat: a message is archived once). A batch is written to a
 * temp file, fsynced, renamed to `….jsonl.gz.pending` and the folder fsynced; only then are its rows
 * deleted, and `commit` renames it to its final name. A run that died in between leaves the pending
 * file, which the next run finishes (see MessageArchive). Read one with `zcat FILE | jq`.
 *
 * It lives in mind-core beside FileMindDocumentStore: the same home layout, FileLock and atomic
 * write discipline, and nothing the daemon composes differently per process.
 */
export class FileMessageArchive implements MessageArchive {
  readonly location: string;
  private readonly log: Logger;

  constructor(
    readonly home: string,
    private readonly options: FileMessageArchiveOptions = {},
  ) {
    this.location = join(home, 'archive');
    this.log = options.logger ?? silentLogger;
  }

  /** The archive folder of a Mind (the GMID is validated, so it is always inside `<home>/archive`). */
  dirOf(mindId: string): string {
    return join(this.location, parseGmid(mindId));
  }

  async withLock<T>(mindId: string, fn: () => Promise<T>): Promise<T> {
    const dir = this.dirOf(mindId);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const lock = new FileLock(join(dir, '.lock'), {
      timeoutMs: this.options.lockTimeoutMs ?? 30_000,
      staleMs: this.options.staleLockMs ?? 600_000,
      logger: this.log,
      code: 'MIND_LOCKED',
      hint: `Another Genesis process is applying retention to Mind ${mindId}; wait for it to finish.`,
    });
    return lock.run(fn);
  }

  async pending(mindId: string): Promise<PendingArchive[]> {
    const dir = this.dirOf(mindId);
    const names = await this.names(dir);
    // Temp files are from writers that died before their rename (this run holds the lock): their
    // rows were never deleted, so they are dropped.
    for (const name of names.filter((n) => n.endsWith('.tmp'))) await rm(join(dir, name), { force: true });
    const out: PendingArchive[] = [];
    for (const name of names.filter((n) => n.endsWith(PENDING)).sort()) {
      const messages = await this.readFile(join(dir, name));
      out.push({ name: name.slice(0, -'.pending'.length), ids: messages.map((m) => m.id) });
    }
    return out;
  }

  async write(mindId: string, messages: readonly StoredMessage[]): Promise<ArchiveBatch> {
    const first = messages[0];
    if (!first) throw new GenesisError('INVALID_INPUT', 'an archive batch needs at least one message');
    const dir = this.dirOf(mindId);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const name = `messages-${String(first.createdAt).padStart(13, '0')}-${first.id}${DONE}`;
    const body = await this.compress(messages);
    const temp = join(dir, `.${randomBytes(6).toString('hex')}.${process.pid}.tmp`);
    try {
      const handle = await open(temp, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o600);
      try {
        await handle.writeFile(body);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, join(dir, `${name}.pending`));
    } catch (cause) {
      await rm(temp, { force: true });
      throw new GenesisError(
        'MIND_FILE_WRITE_FAILED',
        `Cannot write the message archive ${join(dir, name)} (${errno(cause) ?? (cause as Error).message}); no message was deleted. Check free space and permissions of ${dir}.`,
        { cause },
      );
    }
    await syncFolder(dir, this.log);
    return { name, messages: messages.length, bytes: body.length };
  }

  async commit(mindId: string, name: string): Promise<void> {
    const dir = this.dirOf(mindId);
    const pendingPath = join(dir, `${this.checkName(name)}.pending`);
    const finalPath = join(dir, name);
    if (await pathExists(finalPath))
      throw new GenesisError(
        'MIND_FILE_WRITE_FAILED',
        `The message archive ${finalPath} exists already; ${pendingPath} was left for a person to look at.`,
      );
    await rename(pendingPath, finalPath);
    await syncFolder(dir, this.log);
  }

  async list(mindId: string): Promise<ArchiveEntry[]> {
    const dir = this.dirOf(mindId);
    const out: ArchiveEntry[] = [];
    for (const name of (await this.names(dir)).filter((n) => n.endsWith(DONE)).sort()) {
      const location = join(dir, name);
      out.push({ name, location, bytes: (await stat(location)).size });
    }
    return out;
  }

  async read(mindId: string, name: string): Promise<StoredMessage[]> {
    const dir = this.dirOf(mindId);
    const path = join(dir, this.checkName(name));
    return this.readFile((await pathExists(path)) ? path : `${path}.pending`);
  }

  /**
   * The batch as gzip-compressed JSON lines, serialized 500 messages at a time and compressed as a
   * stream: the zlib work reaches the thread pool in small pieces, so the SQL driver's queries (on
   * the same pool) and other callbacks run in between instead of waiting behind one large job.
   */
  private async compress(messages: readonly StoredMessage[]): Promise<Buffer> {
    const gzip = createGzip({ level: this.options.compressionLevel ?? zlib.Z_DEFAULT_COMPRESSION });
    const chunks: Buffer[] = [];
    gzip.on('data', (chunk: Buffer) => chunks.push(chunk));
    const ended = once(gzip, 'end');
    ended.catch(() => undefined); // awaited below; a write error surfaces through `drain` first
    for (let i = 0; i < messages.length; i += 500) {
      const lines = messages
        .slice(i, i + 500)
        .map((m) => `${JSON.stringify(m)}\n`)
        .join('');
      if (!gzip.write(lines, 'utf8')) await once(gzip, 'drain');
    }
    gzip.end();
    await ended;
    return Buffer.concat(chunks);
  }

  private checkName(name: string): string {
    if (!/^messages-\d+-[0-9a-f-]+\.jsonl\.gz$/i.test(name))
      throw new GenesisError('INVALID_INPUT', `${JSON.stringify(name)} is not a message archive name`, {
        field: 'name',
      });
    return name;
  }

  private async readFile(path: string): Promise<StoredMessage[]> {
    const text = (await gunzipAsync(await readFile(path))).toString('utf8');
    return text
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as StoredMessage);
  }

  private async names(dir: string): Promise<string[]> {
    return readdir(dir).catch((error: unknown) => {
      if (errno(error) === 'ENOENT') return [] as string[];
      throw error;
    });
  }
}
