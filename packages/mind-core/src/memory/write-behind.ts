import type { Logger } from '../ports/logger';
import type { MemoryCatalogStore, QueuedVector } from '../ports/memory-catalog';
import type { MemoryStore } from '../ports/memory-store';
import type { Memory } from './memory-input';

/**
 * Memories per flush: embedded in one batch, checked for near-duplicates, written in one vector-store
 * `add` (one call costs about as much as one vector). Small enough that an add waiting for room in
 * the backlog waits for one batch, not for all.
 */
const FLUSH_BATCH = 64;
/**
 * When the queue writes: once adds pause for QUIET_MS, or when its oldest vector has waited MAX_WAIT_MS
 * — whichever comes first. The vector store serves one request at a time and a write costs ~15 ms
 * whatever its size, so writing as each add arrives would make the next add's near-duplicate query
 * wait behind it; gathered, a stream of adds pays for one write now and then.
 */
const QUIET_MS = 20;
const MAX_WAIT_MS = 200;
/** Waits between failed flushes: doubling from the first to the last. */
const RETRY_MS = { first: 100, last: 5_000 };

interface Waiting {
  record: QueuedVector;
  memory: Memory;
}

/** What makes queued records ready for the vector store, and hears when they are written. */
export interface PrepareQueued {
  /**
   * Embeds the records queued without a vector (single adds) and settles their near-duplicates — a
   * memory merged into one stored leaves the catalogue and its queue in the same transaction that
   * strengthens the other. Returns the records to write: the given ones with their embeddings, less
   * the merged ones, plus the metadata of what they were merged into. May run again for the same
   * records when their write failed.
   */
  prepare(records: QueuedVector[]): Promise<QueuedVector[]>;
  /** Told of the records once they are in the vector store and off the queue. */
  written?(records: readonly QueuedVector[]): void;
}

/**
 * Embeds queued records with no near-duplicate check: for readers with no Mind at hand (an export)
 * that find records another process queued and did not write.
 */
export function embedOnly(embedder: { embed(texts: string[]): Promise<number[][]> }): PrepareQueued {
  return {
    async prepare(records) {
      const todo = records.filter(toEmbed);
      const vectors = todo.length === 0 ? [] : await embedder.embed(todo.map((r) => r.document));
      const embedded = new Map(todo.map((r, i) => [r.id, vectors[i]!]));
      return records.map((r) => {
        const embedding = embedded.get(r.id);
        return embedding ? { ...r, embedding } : r;
      });
    },
  };
}

/** A new memory queued before it was embedded. */
export const toEmbed = (record: QueuedVector): boolean => record.metadataOnly !== true && record.embedding.length === 0;

/**
 * The vectors of one Mind's new memories on their way to the vector store. A single memory's add
 * commits its catalogue row and its vector in one SQL transaction (the vector in the catalogue's
 * queue) and returns; this queue then writes the vectors to the vector store in batches and takes
 * them off the SQL queue. A crash in between loses nothing: the next repair writes what is still
 * queued in SQL. Until a vector is written, readers find its memory here (or in the SQL queue when
 * another process queued it); searches, updates and deletions wait for the queue first.
 */
export class MindWriteQueue {
  private readonly waiting = new Map<string, Waiting>();
  /** Memories the running flush changed on its way (near-duplicates strengthened): read from here. */
  private readonly flushing = new Map<string, Memory>();
  private running: Promise<void> | undefined;
  private draining = false;
  private store: MemoryStore | undefined;
  private prepare: PrepareQueued | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** When the oldest waiting vector was queued (performance.now()), while one waits. */
  private oldest: number | undefined;

  constructor(
    private readonly mindId: string,
    private readonly catalog: MemoryCatalogStore,
    private readonly log: Logger,
  ) {}

  get size(): number {
    return this.waiting.size;
  }

  /**
   * Vectors whose rows (and SQL queue entries) were just committed: written in the background,
   * through `prepare` (the latest Mind object's) when some are still to be embedded.
   */
  enqueue(store: MemoryStore, items: ReadonlyArray<Waiting>, prepare?: PrepareQueued): void {
    this.store = store;
    if (prepare) this.prepare = prepare;
    for (const item of items) {
      this.waiting.delete(item.record.id); // queued again: behind what came meanwhile
      this.waiting.set(item.record.id, item);
    }
    this.schedule();
  }

  /** Forgets every waiting vector (their Mind was deleted). */
  clear(): void {
    this.unschedule();
    this.waiting.clear();
  }

  /** A change that supersedes the one waiting under `id` (if one waits): written in its place. */
  replace(id: string, item: Waiting): void {
    if (this.waiting.has(id)) this.waiting.set(id, item);
  }

  /** Writes batches until at most `size` memories wait (an add's wait for room in the backlog). */
  async shrink(size: number): Promise<void> {
    await this.flushWhile(() => this.waiting.size > size);
  }

  /** The memory of a vector not written yet, if this queue holds it. */
  memory(id: string): Memory | undefined {
    return this.waiting.get(id)?.memory ?? this.flushing.get(id);
  }

  /** A memory the running flush changed and writes with its batch (see `memory`). */
  writing(id: string, memory: Memory): void {
    this.flushing.set(id, memory);
  }

  /**
   * Resolves once every vector queued so far is in the vector store (what is queued meanwhile is not
   * waited for: a stream of adds cannot hold a reader up); rejects with the vector store's error when
   * a flush fails (the vectors stay queued, in SQL too, and are retried).
   */
  async settle(): Promise<void> {
    if (this.waiting.size === 0) return;
    const before = new Map(this.waiting);
    await this.flushWhile(() => [...before].some(([id, item]) => this.waiting.get(id) === item));
  }

  /** Writes batches now, one after another, while `more()`; what is left is scheduled as usual. */
  private async flushWhile(more: () => boolean): Promise<void> {
    while (more()) {
      this.unschedule();
      await this.flush();
    }
    if (this.waiting.size > 0) this.schedule();
  }

  /**
   * Everything queued for the Mind in the vector store: this queue settled, then whatever another
   * process left queued in SQL (normally nothing: one indexed read). For readers of the vector store.
   */
  async writeAll(store: MemoryStore, prepare: PrepareQueued): Promise<void> {
    await this.settle();
    await writeAllQueued(this.mindId, store, this.catalog, this.prepare ?? prepare);
  }

  /** Drains once adds pause (or the oldest has waited long enough, or a batch is full). */
  private schedule(): void {
    if (this.draining) return; // the running drain takes these too
    const now = performance.now();
    this.oldest ??= now;
    const due = Math.min(QUIET_MS, this.oldest + MAX_WAIT_MS - now);
    if (due <= 0 || this.waiting.size >= FLUSH_BATCH) return this.drainNow();
    if (this.timer) clearTimeout(this.timer);
    // unref: a process that ends meanwhile leaves the vectors to the next repair (they are in SQL).
    this.timer = setTimeout(() => this.drainNow(), due).unref();
  }

  private drainNow(): void {
    this.unschedule();
    void this.drain();
  }

  private unschedule(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.oldest = undefined;
  }

  /**
   * Writes one batch, retrying after failures with longer and longer waits; one drain at a time.
   * What arrived meanwhile is scheduled again (gathered, not written back to back).
   */
  private async drain(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    let wait = RETRY_MS.first;
    try {
      for (;;) {
        try {
          await this.flush();
          break;
        } catch (error) {
          this.log.warn(
            { mindId: this.mindId, queued: this.waiting.size, retryInMs: wait, err: error },
            'memories not yet written to the vector store (kept in SQL); retrying',
          );
          // unref: a process that ends meanwhile leaves them to the next repair, which writes them.
          await new Promise((resolve) => setTimeout(resolve, wait).unref());
          wait = Math.min(wait * 2, RETRY_MS.last);
          if (this.waiting.size === 0) break;
        }
      }
    } finally {
      this.draining = false;
      if (this.waiting.size > 0) this.schedule();
    }
  }

  /** One batch to the vector store, then off the SQL queue; one flush runs at a time. */
  private flush(): Promise<void> {
    this.running ??= this.flushBatch().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async flushBatch(): Promise<void> {
    const batch = [...this.waiting.values()].slice(0, FLUSH_BATCH);
    if (batch.length === 0 || !this.store) return;
    try {
      await writeQueued(
        this.mindId,
        this.store,
        this.catalog,
        batch.map((w) => w.record),
        this.prepare,
      );
    } finally {
      this.flushing.clear();
    }
    for (const w of batch) if (this.waiting.get(w.record.id) === w) this.waiting.delete(w.record.id);
  }
}

/**
 * Writes queued vectors to the vector store (new records added, metadata-only ones updated) and takes
 * them off the catalogue's queue. A vector whose row was removed meanwhile (its memory deleted by
 * another process) is deleted again, so no vector outlives its row. Adding a vector that is there
 * already, or updating it to the same metadata, changes nothing, so running this twice for the same
 * vectors (a repair beside a live queue) is harmless.
 */
export async function writeQueued(
  mindId: string,
  store: MemoryStore,
  catalog: MemoryCatalogStore,
  queued: QueuedVector[],
  prepare?: PrepareQueued,
): Promise<void> {
  if (queued.length === 0) return;
  let records = queued;
  if (records.some(toEmbed)) {
    if (!prepare) throw new Error(`memories of ${mindId} queued to be embedded, and no embedder to embed them`);
    records = await prepare.prepare(records);
  }
  const ids = records.map((r) => r.id);
  const added = records.filter((r) => !r.metadataOnly);
  const updated = records.filter((r) => r.metadataOnly);
  if (added.length > 0)
    await store.add(
      mindId,
      added.map(({ id, embedding, document, metadata }) => ({ id, embedding, document, metadata })),
    );
  if (updated.length > 0)
    await store.update(
      mindId,
      updated.map(({ id, metadata }) => ({ id, metadata })),
    );
  const rows = new Set((await catalog.get(mindId, ids)).filter((r) => r.state !== 'deleting').map((r) => r.id));
  const gone = ids.filter((id) => !rows.has(id));
  if (gone.length > 0) await store.delete(mindId, gone);
  await catalog.dequeue(mindId, ids);
  prepare?.written?.(records);
}

/**
 * Writes every vector the catalogue still has queued for a Mind (whoever queued it), in batches.
 * Returns how many there were.
 */
export async function writeAllQueued(
  mindId: string,
  store: MemoryStore,
  catalog: MemoryCatalogStore,
  prepare: PrepareQueued,
): Promise<number> {
  let written = 0;
  for (;;) {
    const queued = await catalog.queued(mindId, { limit: FLUSH_BATCH });
    await writeQueued(mindId, store, catalog, queued, prepare);
    written += queued.length;
    if (queued.length < FLUSH_BATCH) return written;
  }
}

/** The queues of this process, per catalogue and Mind: shared by every Mind object of one Mind. */
const queues = new WeakMap<MemoryCatalogStore, Map<string, MindWriteQueue>>();

/** This process's write queue of a Mind's memories in `catalog`. */
export function writeQueue(catalog: MemoryCatalogStore, mindId: string, log: Logger): MindWriteQueue {
  let minds = queues.get(catalog);
  if (!minds) queues.set(catalog, (minds = new Map()));
  let queue = minds.get(mindId);
  if (!queue) minds.set(mindId, (queue = new MindWriteQueue(mindId, catalog, log)));
  return queue;
}

/**
 * Waits until the memories this process added (to one Mind, or to all) are in the vector store:
 * before the stores close, or a Mind is deleted. Rejects with the first failure; what failed stays
 * queued in SQL and is written by the next repair.
 */
export async function settleMemoryWrites(catalog: MemoryCatalogStore, mindId?: string): Promise<void> {
  const minds = queues.get(catalog);
  if (!minds) return;
  const chosen = mindId === undefined ? [...minds.values()] : [minds.get(mindId)].filter((q) => q !== undefined);
  const results = await Promise.allSettled(chosen.map((q) => q.settle()));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

/** Drops this process's queue of a deleted Mind (its SQL queue went with its rows). */
export function forgetMemoryWrites(catalog: MemoryCatalogStore, mindId: string): void {
  queues.get(catalog)?.get(mindId)?.clear();
  queues.get(catalog)?.delete(mindId);
}
