import { createHash } from 'node:crypto';
import { systemClock, type Clock } from '../ports/clock';
import type { DocumentFile, MindDocumentStore } from '../ports/mind-document-store';
import { GenesisError } from '../shared/errors';
import { parseGmid } from '../shared/gmid';

interface StoredFile {
  raw: Buffer;
  modifiedAt: number;
}

/**
 * The MindDocumentStore port in memory: a Map of path → bytes, secrets kept apart, a lock per Mind
 * that serializes critical sections within this process (a promise chain).
 */
export class InMemoryMindDocumentStore implements MindDocumentStore {
  readonly location: string;
  private readonly files = new Map<string, StoredFile>();
  private readonly secrets = new Map<string, Record<string, unknown>>();
  private readonly locks = new Map<string, Promise<unknown>>();
  private readonly clock: Clock;

  constructor(options: { location?: string; clock?: Clock } = {}) {
    this.location = options.location ?? 'memory://minds';
    this.clock = options.clock ?? systemClock;
  }

  pathFor(gmid: string): string {
    return `${this.location}/${parseGmid(gmid)}.json`;
  }

  /** Puts a file at any path (an old-format Mind to import, a damaged file…), for tests. */
  putFile(path: string, contents: string | Buffer, modifiedAt = this.clock.now()): void {
    this.files.set(path, { raw: Buffer.from(contents), modifiedAt });
  }

  /** Every path held (documents and backups). */
  paths(): string[] {
    return [...this.files.keys()];
  }

  async exists(gmid: string): Promise<boolean> {
    return this.files.has(this.pathFor(gmid));
  }

  async read(gmid: string): Promise<DocumentFile | null> {
    const path = this.pathFor(gmid);
    return this.files.has(path) ? this.readFile(path) : null;
  }

  async readFile(path: string): Promise<DocumentFile> {
    const file = this.files.get(path);
    if (!file) throw new GenesisError('MIND_NOT_FOUND', `Mind file ${path} does not exist`, { field: 'path' });
    let value: unknown;
    try {
      value = JSON.parse(file.raw.toString('utf8'));
    } catch {
      // No cause: JSON.parse's message quotes the text, and errors never carry a file's contents.
      throw new GenesisError('INVALID_MIND_FILE', `Mind file ${path} is not valid JSON. The file was left untouched.`);
    }
    return { path, raw: Buffer.from(file.raw), value, modifiedAt: file.modifiedAt };
  }

  async write(gmid: string, text: string): Promise<void> {
    this.files.set(this.pathFor(gmid), { raw: Buffer.from(text, 'utf8'), modifiedAt: this.clock.now() });
  }

  async withLock<T>(gmid: string, fn: () => Promise<T>): Promise<T> {
    const key = parseGmid(gmid);
    const previous = this.locks.get(key) ?? Promise.resolve();
    const result = previous.then(() => fn());
    // The next holder waits for this one to end, however it ends; its error reaches the caller via `result`.
    const tail = result.catch(() => undefined);
    this.locks.set(key, tail);
    void tail.then(() => {
      if (this.locks.get(key) === tail) this.locks.delete(key);
    });
    return result;
  }

  async backup(gmid: string, raw: Buffer): Promise<string> {
    const digest = createHash('sha256').update(raw).digest('hex').slice(0, 16);
    const path = `${this.location}/backup/${parseGmid(gmid)}.${digest}.json`;
    if (!this.files.has(path)) this.files.set(path, { raw: Buffer.from(raw), modifiedAt: this.clock.now() });
    return path;
  }

  async holdsBytes(path: string, raw: Buffer): Promise<boolean> {
    return this.files.get(path)?.raw.equals(raw) ?? false;
  }

  async readSecrets(gmid: string): Promise<Record<string, unknown>> {
    return structuredClone(this.secrets.get(parseGmid(gmid)) ?? {});
  }

  async writeSecrets(gmid: string, secrets: Record<string, unknown>): Promise<void> {
    if (Object.keys(secrets).length === 0) return;
    const key = parseGmid(gmid);
    this.secrets.set(key, { ...this.secrets.get(key), ...structuredClone(secrets) });
  }

  async size(gmid: string): Promise<number> {
    return this.files.get(this.pathFor(gmid))?.raw.length ?? 0;
  }

  async remove(gmid: string): Promise<{ fileRemoved: boolean }> {
    const fileRemoved = this.files.delete(this.pathFor(gmid));
    this.secrets.delete(parseGmid(gmid));
    return { fileRemoved };
  }
}
