import type { EmbeddingInfo, MemoryStore, ReindexOptions, StoredVector, VectorFilter } from '@genesis/mind-core';
import type { VectorHit, VectorRecord } from '@genesis/mind-core';
import { MemoryTierError } from './errors';

/** True when `error` (or one of its causes) says the Chroma server could not be reached. */
export function isConnectionFailure(error: unknown): boolean {
  let e: unknown = error;
  for (let depth = 0; e && depth < 5; depth++) {
    if (e instanceof MemoryTierError) {
      if (e.code === 'CHROMA_UNAVAILABLE') return true;
    } else {
      const { name, message } = e as Partial<Error>;
      if (name === 'ChromaConnectionError') return true;
      if (
        typeof message === 'string' &&
        /fetch failed|ECONNREFUSED|ECONNRESET|socket hang up|other side closed/i.test(message)
      )
        return true;
    }
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/** Where a ReconnectingMemoryStore gets its store, and how it replaces one that stopped answering. */
export interface StoreConnection {
  current(): Promise<MemoryStore>;
  /** Drops `failed` (if it is still the current one) and connects again; returns the new store. */
  replace(failed: MemoryStore, error: unknown): Promise<MemoryStore>;
}

type OpenArgs = [EmbeddingInfo, { allowMismatch?: boolean }];

/**
 * A MemoryStore that outlives its server. A call that cannot reach Chroma (the local server went
 * away with the process that started it, say) drops the connection, connects again — which reuses
 * a live server of the home or starts a fresh one — re-opens the owner's collection and runs once
 * more; a second failure is thrown. Its identity never changes, so callers may keep it. A
 * re-index is not re-run (it is not safe to repeat halfway): the connection is replaced and the
 * error thrown.
 */
export class ReconnectingMemoryStore implements MemoryStore {
  /** The collections opened through this store, with their arguments, to open again after a reconnect. */
  private readonly opened = new Map<string, OpenArgs>();
  /** Which of them each underlying store has open. */
  private readonly openOn = new WeakMap<MemoryStore, Set<string>>();

  constructor(private readonly connection: StoreConnection) {}

  open(ownerId: string, embedding: EmbeddingInfo, options: { allowMismatch?: boolean } = {}): Promise<EmbeddingInfo> {
    return this.run(undefined, async (store) => {
      const info = await store.open(ownerId, embedding, options);
      this.opened.set(ownerId, [embedding, options]);
      this.openSet(store).add(ownerId);
      return info;
    });
  }

  add(ownerId: string, records: VectorRecord[]): Promise<void> {
    return this.run(ownerId, (store) => store.add(ownerId, records));
  }

  update(ownerId: string, records: Parameters<MemoryStore['update']>[1]): Promise<void> {
    return this.run(ownerId, (store) => store.update(ownerId, records));
  }

  query(ownerId: string, embedding: number[], limit: number, filter?: VectorFilter): Promise<VectorHit[]> {
    return this.run(ownerId, (store) => store.query(ownerId, embedding, limit, filter));
  }

  queryMany(ownerId: string, embeddings: number[][], limit: number): Promise<VectorHit[][]> {
    return this.run(ownerId, (store) => store.queryMany(ownerId, embeddings, limit));
  }

  nearest(ownerId: string, embedding: number[], limit: number): Promise<Array<{ id: string; similarity: number }>> {
    return this.run(ownerId, (store) => store.nearest(ownerId, embedding, limit));
  }

  get(ownerId: string, ids: string[]): Promise<StoredVector[]> {
    return this.run(ownerId, (store) => store.get(ownerId, ids));
  }

  scan(ownerId: string, options: { limit: number; offset: number; filter?: VectorFilter }): Promise<StoredVector[]> {
    return this.run(ownerId, (store) => store.scan(ownerId, options));
  }

  count(ownerId: string, filter?: VectorFilter): Promise<number> {
    return this.run(ownerId, (store) => store.count(ownerId, filter));
  }

  delete(ownerId: string, ids: string[]): Promise<void> {
    return this.run(ownerId, (store) => store.delete(ownerId, ids));
  }

  drop(ownerId: string): Promise<boolean> {
    this.opened.delete(ownerId);
    return this.run(undefined, async (store) => {
      this.openSet(store).delete(ownerId);
      return store.drop(ownerId);
    });
  }

  async reindex(ownerId: string, options: ReindexOptions): Promise<number> {
    const store = await this.connection.current();
    try {
      await this.ensureOpen(store, ownerId);
      return await store.reindex(ownerId, options);
    } catch (error) {
      if (isConnectionFailure(error)) await this.connection.replace(store, error);
      throw error;
    } finally {
      // The store forgets the swapped collection: the caller opens it again, as after any re-index.
      this.opened.delete(ownerId);
      this.openSet(store).delete(ownerId);
    }
  }

  /** Runs `fn` on the current store; on a connection failure, once more on a new connection. */
  private async run<T>(ownerId: string | undefined, fn: (store: MemoryStore) => Promise<T>): Promise<T> {
    const store = await this.connection.current();
    try {
      if (ownerId !== undefined) await this.ensureOpen(store, ownerId);
      return await fn(store);
    } catch (error) {
      if (!isConnectionFailure(error)) throw error;
      const fresh = await this.connection.replace(store, error);
      if (ownerId !== undefined) await this.ensureOpen(fresh, ownerId);
      return fn(fresh);
    }
  }

  /** Opens on `store` a collection opened earlier on another one (a new connection starts with none). */
  private async ensureOpen(store: MemoryStore, ownerId: string): Promise<void> {
    const args = this.opened.get(ownerId);
    const open = this.openSet(store);
    if (!args || open.has(ownerId)) return;
    await store.open(ownerId, ...args);
    open.add(ownerId);
  }

  private openSet(store: MemoryStore): Set<string> {
    let set = this.openOn.get(store);
    if (!set) this.openOn.set(store, (set = new Set()));
    return set;
  }
}
