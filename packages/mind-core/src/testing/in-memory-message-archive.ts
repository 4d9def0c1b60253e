import type { ArchiveBatch, ArchiveEntry, MessageArchive, PendingArchive } from '../ports/message-archive';
import type { StoredMessage } from '../ports/message-store';
import { copy } from './in-memory-state';

/**
 * The MessageArchive port in memory: batches by name, pending until committed. `failWrites` makes
 * the next writes throw (to test that nothing is deleted when archiving fails).
 */
export class InMemoryMessageArchive implements MessageArchive {
  readonly location = 'memory:archive';
  private readonly batches = new Map<string, Map<string, { messages: StoredMessage[]; done: boolean }>>();
  private locked = new Set<string>();
  failWrites = 0;

  async withLock<T>(mindId: string, fn: () => Promise<T>): Promise<T> {
    if (this.locked.has(mindId)) throw new Error(`archive of ${mindId} is locked`);
    this.locked.add(mindId);
    try {
      return await fn();
    } finally {
      this.locked.delete(mindId);
    }
  }

  async pending(mindId: string): Promise<PendingArchive[]> {
    return [...this.of(mindId).entries()]
      .filter(([, b]) => !b.done)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([name, b]) => ({ name, ids: b.messages.map((m) => m.id) }));
  }

  async write(mindId: string, messages: readonly StoredMessage[]): Promise<ArchiveBatch> {
    if (this.failWrites > 0) {
      this.failWrites--;
      throw new Error('archive write failed (test)');
    }
    const first = messages[0]!;
    const name = `messages-${String(first.createdAt).padStart(13, '0')}-${first.id}.jsonl.gz`;
    if (this.of(mindId).has(name)) throw new Error(`archive batch ${name} exists already`);
    this.of(mindId).set(name, { messages: messages.map(copy), done: false });
    return { name, messages: messages.length, bytes: JSON.stringify(messages).length };
  }

  async commit(mindId: string, name: string): Promise<void> {
    const batch = this.of(mindId).get(name);
    if (!batch || batch.done) throw new Error(`no pending archive batch ${name}`);
    batch.done = true;
  }

  async list(mindId: string): Promise<ArchiveEntry[]> {
    return [...this.of(mindId).entries()]
      .filter(([, b]) => b.done)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([name, b]) => ({
        name,
        location: `${this.location}/${mindId}/${name}`,
        bytes: JSON.stringify(b.messages).length,
      }));
  }

  async read(mindId: string, name: string): Promise<StoredMessage[]> {
    const batch = this.of(mindId).get(name);
    if (!batch) throw new Error(`no archive batch ${name}`);
    return batch.messages.map(copy);
  }

  /** Every archived message of a Mind (committed batches), in archive order. */
  async all(mindId: string): Promise<StoredMessage[]> {
    const out: StoredMessage[] = [];
    for (const entry of await this.list(mindId)) out.push(...(await this.read(mindId, entry.name)));
    return out;
  }

  private of(mindId: string): Map<string, { messages: StoredMessage[]; done: boolean }> {
    let m = this.batches.get(mindId);
    if (!m) this.batches.set(mindId, (m = new Map()));
    return m;
  }
}
