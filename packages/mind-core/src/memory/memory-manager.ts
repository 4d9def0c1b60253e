import type { Clock } from '../ports/clock';
import { silentLogger, type Logger } from '../ports/logger';
import type { CatalogEntry, MemoryCatalogStore, QueuedVector } from '../ports/memory-catalog';
import type {
  EmbeddingProvider,
  MemoryBackend,
  MemoryStore,
  StoredVector,
  VectorClause,
  VectorHit,
  VectorRecord,
} from '../ports/memory-store';
import { decodeCursor, toPage } from '../shared/cursor';
import { GenesisError, invalidInput } from '../shared/errors';
import { count, nonEmptyText, oneOf, parseEmail, parseLimit, toEpochMs, unitInterval } from '../shared/validation';
import type { TimeInput } from '../shared/validation';
import { fromStoredVector, toVectorMetadata } from './memory-codec';
import { buildMemory, embeddableText, memoryToInput, MEMORY_TYPES } from './memory-input';
import type { AddMemoryInput, Memory, MemoryType } from './memory-input';
import { cosineSimilarity, rankHits, relevance } from './ranking';
import { catalogEntry, repairCatalog, type CatalogRepair } from './catalog-sync';
import { toEmbed, writeQueue, type MindWriteQueue, type PrepareQueued } from './write-behind';

export interface SearchMemoriesInput {
  query: string;
  limit?: number;
  memoryType?: MemoryType;
  userEmail?: string;
  environmentId?: string;
  minImportance?: number;
  since?: TimeInput;
  until?: TimeInput;
}

export interface MemorySearchHit extends Memory {
  similarity: number;
  /** The ranking score: similarity, blended with relevance when ranking is on. */
  score: number;
}

export interface MemoryOptions {
  /** Near-duplicate threshold (cosine similarity); null turns detection off. Default 0.85. */
  dedupThreshold?: number | null;
  /**
   * Weight of the relevance score in ranking: score = (1 - w) × similarity + w × relevance, where
   * relevance = importance × 0.99^age_days + min(accessCount × 0.05, 0.3). 0 ranks by similarity
   * alone. Default 0.25.
   */
  relevanceWeight?: number;
  /** Told when memories of a type are added (+n) or deleted (−n), e.g. to keep the Mind file's counts. */
  onCountChange?: (type: MemoryType, delta: number) => void;
  /** Told once memories were added to the memory tier (not the near-duplicates strengthened instead). */
  onMemoriesAdded?: (mindId: string, memories: readonly Memory[]) => void;
  /** Told after each search with its duration (embedding, query and access update) and its hit count. */
  onSearch?: (mindId: string, durationMs: number, hits: number) => void;
  logger?: Logger;
  /** Told `(done, total)` while memories stored before the catalogue existed are catalogued. */
  onBackfillProgress?: (done: number, total: number) => void;
}

const WORKING_MEMORY_SIZE = 12;
/** The near-duplicate check reads this many nearest memories whole first (one fast unfiltered query). */
const NEAR_DUPLICATE_CANDIDATES = 3;
/** Memories whose text is kept in process (checked against the catalogue's revision before use). */
const TEXT_CACHE_SIZE = 2000;
/**
 * Calls that add at most this many memories return once their rows (and their texts, queued) are
 * committed to SQL; embedding, the near-duplicate check and the vector store's write happen in the
 * background (write-behind). Larger batches, and adds without the near-duplicate check, embed and
 * check before returning and write the vector store then (pending → vectors → stored).
 */
const WRITE_BEHIND_MAX = 16;
/**
 * Beyond this many memories waiting for the vector store, adds wait until it is back under: a bound
 * on how far the background may fall behind a Mind that adds faster than it embeds.
 */
const WRITE_BEHIND_BACKLOG = 256;
/** The Minds whose catalogue was repaired in this process, per catalogue (the quick repair at first use). */
const repairedMinds = new WeakMap<MemoryCatalogStore, Set<string>>();

interface Connected {
  store: MemoryStore;
  embedder: EmbeddingProvider;
}

/**
 * A Mind's long-term memories. Content and embeddings live in the memory tier (one collection per
 * Mind); a SQL catalogue beside it holds each memory's sortable fields and access counters, so
 * recent, important, list and count are index reads and a search counts its hits in one statement.
 * A single memory (or a few) is committed to SQL with its vector queued beside its row, and its
 * vector written to the vector store in the background; larger batches are written to the catalogue
 * as pending, then to the vectors, then marked stored. A crash in between is repaired when the
 * memories are next opened.
 */
export class MemoryManager {
  private opened: Promise<Connected> | undefined;
  private connected: Promise<Connected> | undefined;
  /**
   * The vector store's side of memories read lately (text, tags, metadata), by id, with the
   * catalogue revision it was read at: reused while the row's revision is unchanged. Writers change
   * the vector store before the catalogue, so a revision never outlives the text it was read with.
   */
  private readonly texts = new Map<string, { revision: number; memory: Memory }>();
  private working: string[] = [];
  private readonly dedupThreshold: number | null;
  private readonly relevanceWeight: number;
  private readonly onCountChange: ((type: MemoryType, delta: number) => void) | undefined;
  private readonly onMemoriesAdded: MemoryOptions['onMemoriesAdded'];
  private readonly onSearch: MemoryOptions['onSearch'];
  private readonly onBackfillProgress: MemoryOptions['onBackfillProgress'];
  private readonly log: Logger;
  /** This process's vectors of the Mind not yet in the vector store (shared by its Mind objects). */
  private readonly queue: MindWriteQueue;

  constructor(
    private readonly mindId: string,
    private readonly backend: MemoryBackend,
    private readonly catalog: MemoryCatalogStore,
    private readonly clock: Clock,
    options: MemoryOptions = {},
  ) {
    this.dedupThreshold = options.dedupThreshold === undefined ? 0.85 : options.dedupThreshold;
    this.relevanceWeight = options.relevanceWeight ?? 0.25;
    this.onCountChange = options.onCountChange;
    this.onMemoriesAdded = options.onMemoriesAdded;
    this.onSearch = options.onSearch;
    this.onBackfillProgress = options.onBackfillProgress;
    this.log = options.logger ?? silentLogger;
    this.queue = writeQueue(catalog, mindId, this.log);
    if (this.dedupThreshold !== null) unitInterval(this.dedupThreshold, 'dedupThreshold');
    unitInterval(this.relevanceWeight, 'relevanceWeight');
  }

  /**
   * Adds a memory and returns it once it is committed (listed, counted and readable at once). It is
   * embedded and checked for near-duplicates in the background, and searchable once written to the
   * vector store (a search waits for that). When it repeats a stored memory of the same type, that
   * one is strengthened instead and this one's id names it from then on (`getMemory`).
   */
  async addMemory(input: AddMemoryInput): Promise<Memory> {
    const [memory] = await this.addMemories([input]);
    return memory!;
  }

  /**
   * Adds many memories. Up to 16 at a time are added as `addMemory` adds one. Larger batches (and any
   * with `dedup: false`) are embedded in one batch, checked for near-duplicates (each strengthened
   * one is returned in place of the memory that repeated it) and written before returning.
   */
  async addMemories(inputs: readonly AddMemoryInput[], options: { dedup?: boolean } = {}): Promise<Memory[]> {
    if (!Array.isArray(inputs) || inputs.length === 0)
      throw invalidInput('memories', 'must be a non-empty list of memories');
    const memories = inputs.map((input, i) => {
      try {
        return buildMemory(input, this.clock.now());
      } catch (error) {
        throw inputs.length === 1 || !(error instanceof GenesisError)
          ? error
          : invalidInput(`memories.${i}.${error.field ?? 'memory'}`, error.message.replace(/^\S+ /, ''));
      }
    });
    const { store, embedder } = await this.ready();
    if (memories.length <= WRITE_BEHIND_MAX && options.dedup !== false) {
      await this.writeBehind(store, memories);
      return memories;
    }
    // Near-duplicates of memories single adds queued are found once those are written.
    await this.queue.settle();
    const embeddings = await embedder.embed(memories.map((m) => m.content));
    const result: Memory[] = [];
    const fresh: Array<{ memory: Memory; embedding: number[] }> = [];
    for (let i = 0; i < memories.length; i++) {
      const memory = memories[i]!;
      const embedding = embeddings[i]!;
      let twin =
        options.dedup === false || this.dedupThreshold === null
          ? undefined
          : await this.nearDuplicate(memory, embedding);
      // A twin with a change still on its way: merge into what it will be once written.
      if (twin && this.queue.memory(twin.id)) {
        await this.queue.settle();
        [twin] = await this.read([twin.id]);
      }
      if (twin) {
        const merged = strengthen(twin, memory, this.clock.now());
        // The vector store keeps importance, tags and related ids: written only when they change
        // (the access counters live in the catalogue), behind, like a new memory's vector — the
        // catalogue row and the queued metadata commit together.
        const changed = metadataChanged(twin, merged);
        const entry = catalogEntry(this.mindId, merged, 'stored');
        if (changed) {
          const record = { ...vectorRecord(merged, []), metadataOnly: true };
          await this.catalog.put([entry], { replace: true, queue: { mindId: this.mindId, vectors: [record] } });
          this.texts.delete(twin.id);
          this.queue.enqueue(store, [{ record, memory: merged }]);
        } else await this.catalog.put([entry], { replace: true });
        result.push(merged);
      } else {
        fresh.push({ memory, embedding });
        result.push(memory);
      }
    }
    if (fresh.length > 0) {
      await this.write(store, fresh);
      this.added(fresh.map(({ memory }) => memory));
    }
    return result;
  }

  /**
   * Resolves once the memories added so far (by this process) are embedded, checked for
   * near-duplicates and in the vector store: merged near-duplicates are no longer listed or counted.
   */
  async settle(): Promise<void> {
    await this.queue.settle();
  }

  /**
   * Memories closest in meaning to `query`, best first. Filters are applied inside the vector query;
   * a search for user U sees U's memories, shared ones and ones with no user — never another user's
   * personal memory (a search without a user is the Mind's own and sees everything). Hits count as
   * accesses (one catalogue statement per search).
   */
  async searchMemories(input: SearchMemoriesInput): Promise<MemorySearchHit[]> {
    const started = performance.now();
    embeddableText(input?.query, 'query');
    const limit = parseLimit(input.limit ?? 5);
    const filter = searchFilter(input);
    const { store, embedder } = await this.ready();
    const [embedding] = await embedder.embed([input.query]);
    // What was added is searchable once it is in the vector store.
    await this.queue.writeAll(store, this.prepareQueued);
    const candidates = this.relevanceWeight > 0 ? Math.min(1000, limit * 2) : limit;
    const now = this.clock.now();
    const record = (ids: string[]) => (ids.length > 0 ? this.catalog.recordAccess(this.mindId, ids, now) : undefined);
    const rows = filter ? await this.filteredRows(store, embedding!, candidates, filter) : null;
    let ranked: MemorySearchHit[];
    if (rows) {
      // Ranked on the catalogue rows (importance, time and access count are there): only the chosen
      // few are read from the vector store, while their accesses are counted.
      const top = rankHits(
        rows.map(({ row, similarity }) => ({ ...rankable(row), similarity, row })),
        this.relevanceWeight,
        now,
        limit,
      );
      const [memories] = await Promise.all([this.complete(top.map((t) => t.row)), record(top.map((t) => t.row.id))]);
      const scored = new Map(top.map((t) => [t.row.id, t]));
      ranked = memories.map((m) => ({
        ...m,
        similarity: scored.get(m.id)!.similarity,
        score: scored.get(m.id)!.score,
      }));
    } else {
      const hits = await this.withCatalog(await store.query(this.mindId, embedding!, candidates, filter?.clauses));
      ranked = rankHits(hits, this.relevanceWeight, now, limit);
      await record(ranked.map((m) => m.id));
    }
    if (ranked.length > 0) {
      for (const hit of ranked) {
        hit.accessCount += 1;
        hit.lastAccessed = now;
      }
      this.working = [...new Set([...ranked.map((m) => m.id), ...this.working])].slice(0, WORKING_MEMORY_SIZE);
    }
    this.onSearch?.(this.mindId, performance.now() - started, ranked.length);
    return ranked;
  }

  /** relevance = importance × 0.99^age_days + min(accessCount × 0.05, 0.3) */
  relevance(memory: Memory, now = this.clock.now()): number {
    return relevance(memory, now);
  }

  /**
   * A memory by id. The id of a memory that was merged into a near-duplicate (see `addMemory`) finds
   * the memory it was merged into.
   */
  async getMemory(id: string): Promise<Memory | null> {
    const found = await this.find(id);
    if (found) return found;
    const [alias] = await this.catalog.aliases(this.mindId, [id]);
    return alias ? this.find(alias.into) : null;
  }

  /** Changes a memory; a new content is embedded again. */
  async updateMemory(
    id: string,
    patch: Partial<Omit<AddMemoryInput, 'memoryType'>> & { memoryType?: MemoryType },
  ): Promise<Memory> {
    await this.queue.settle();
    const current = await this.find(id);
    if (!current) {
      const [alias] = await this.catalog.aliases(this.mindId, [id]);
      throw new GenesisError(
        'MEMORY_NOT_FOUND',
        alias
          ? `Memory ${JSON.stringify(id)} of Mind ${this.mindId} was merged into its near-duplicate ${JSON.stringify(alias.into)}: change that one`
          : `No memory ${JSON.stringify(id)} in Mind ${this.mindId}`,
        { field: 'id' },
      );
    }
    const next = buildMemory(
      { ...memoryToInput(current), ...patch, memoryType: patch.memoryType ?? current.type },
      this.clock.now(),
      current,
    );
    const { store, embedder } = await this.ready();
    const embedding = next.content !== current.content ? (await embedder.embed([next.content]))[0] : undefined;
    await store.update(this.mindId, [
      { id, metadata: toVectorMetadata(next), ...(embedding ? { embedding, document: next.content } : {}) },
    ]);
    await this.catalog.put([catalogEntry(this.mindId, next, 'stored')], { replace: true });
    this.texts.delete(id);
    if (next.type !== current.type) {
      this.onCountChange?.(current.type, -1);
      this.onCountChange?.(next.type, 1);
    }
    return next;
  }

  /** Deletes a memory: marked in the catalogue first, so an interrupted deletion is finished later. */
  async deleteMemory(id: string): Promise<boolean> {
    await this.queue.settle();
    // Not through an alias: deleting what a merged memory repeated would delete more than it held.
    const existing = await this.find(id);
    if (existing) {
      const { store } = await this.ready();
      await this.catalog.setState(this.mindId, [id], 'deleting');
      await store.delete(this.mindId, [id]);
      await this.catalog.remove(this.mindId, [id]);
      this.texts.delete(id);
      this.onCountChange?.(existing.type, -1);
    }
    this.working = this.working.filter((w) => w !== id);
    return existing !== null;
  }

  /** How many memories match (an index count in the catalogue). */
  async countMemories(filter: { memoryType?: MemoryType; userEmail?: string } = {}): Promise<number> {
    await this.ready();
    return this.catalog.count(this.mindId, {
      ...(filter.memoryType === undefined ? {} : { memoryType: oneOf(filter.memoryType, MEMORY_TYPES, 'memoryType') }),
      ...(filter.userEmail === undefined ? {} : { userEmail: parseEmail(filter.userEmail) }),
    });
  }

  /** Newest first by the memory's own timestamp (not insertion order). */
  async getRecentMemories(limit = 10): Promise<Memory[]> {
    await this.ready();
    return this.complete(await this.catalog.recent(this.mindId, { limit: parseLimit(limit) }));
  }

  /** Most important first (ties: newest first). */
  async getImportantMemories(limit = 10): Promise<Memory[]> {
    await this.ready();
    return this.complete(await this.catalog.important(this.mindId, parseLimit(limit)));
  }

  /** Every memory, newest first (by its timestamp), in keyset pages. */
  async listMemories(options: {
    limit: number;
    cursor?: string | null;
  }): Promise<{ items: Memory[]; nextCursor: string | null }> {
    const limit = parseLimit(options.limit);
    const position = options.cursor ? decodeCursor(options.cursor) : undefined;
    if (position && typeof position.key !== 'number')
      throw new GenesisError(
        'INVALID_CURSOR',
        'cursor is not a cursor of this list: pass the nextCursor of a previous page unchanged',
        {
          field: 'cursor',
        },
      );
    await this.ready();
    const rows = await this.catalog.recent(this.mindId, {
      limit: limit + 1,
      ...(position ? { after: { createdAt: position.key as number, id: position.id } } : {}),
    });
    const page = toPage(rows, limit, (e) => ({ key: e.createdAt, id: e.id }));
    return { items: await this.complete(page.items), nextCursor: page.nextCursor };
  }

  /** Ids of the (at most 12) memories most relevant to the latest searches. */
  getWorkingMemory(): string[] {
    return [...this.working];
  }

  /**
   * Re-embeds every memory with the configured provider (e.g. after changing it). With
   * `onlyIfStale`, a collection already built by that provider is left alone (returns 0).
   */
  async reindex(
    onProgress?: (done: number, total: number) => void,
    options: { onlyIfStale?: boolean } = {},
  ): Promise<number> {
    await this.queue.settle();
    const { store, embedder } = await this.backend.connect();
    const info = { provider: embedder.name, dimension: embedder.dimension };
    const stored = await store.open(this.mindId, info, { allowMismatch: true });
    if (options.onlyIfStale && stored.provider === info.provider && stored.dimension === info.dimension) return 0;
    const n = await store.reindex(this.mindId, {
      embedding: info,
      embed: (docs) => embedder.embed(docs),
      ...(onProgress ? { onProgress } : {}),
    });
    this.opened = undefined;
    this.connected = undefined;
    return n;
  }

  /**
   * Brings the catalogue in line with the vectors, checking every memory: finishes interrupted writes
   * and deletions, catalogues memories stored before the catalogue existed and removes rows whose vector
   * is gone. (A quick form runs when the memories are first used.) `onProgress` hears `(done, total)`.
   */
  async repair(onProgress?: (done: number, total: number) => void): Promise<CatalogRepair> {
    const connected = await this.connect();
    await this.queue.settle();
    const result = await repairCatalog(this.mindId, connected.store, this.catalog, {
      logger: this.log,
      prepare: this.prepareQueued,
      full: true,
      ...(onProgress ? { onProgress } : {}),
    });
    this.markRepaired();
    this.opened ??= Promise.resolve(connected);
    return result;
  }

  /**
   * Adds memories that keep their own ids (imports): ones whose id is already stored are skipped,
   * so running an import twice stores each memory once. No near-duplicate merging. An import may
   * carry the access count and last access time it had where it comes from.
   */
  async importMemories(
    memories: ReadonlyArray<AddMemoryInput & { id: string; accessCount?: number; lastAccessed?: TimeInput | null }>,
  ): Promise<{ imported: number; skipped: number }> {
    const { store, embedder } = await this.ready();
    await this.queue.settle();
    let imported = 0;
    for (let i = 0; i < memories.length; i += 256) {
      const batch = memories.slice(i, i + 256).map((m) => ({
        ...buildMemory(m, this.clock.now()),
        id: m.id,
        ...(m.accessCount === undefined ? {} : { accessCount: count(m.accessCount, 'accessCount') }),
        ...(m.lastAccessed === undefined || m.lastAccessed === null
          ? {}
          : { lastAccessed: toEpochMs(m.lastAccessed, 'lastAccessed') }),
      }));
      const existing = new Set(
        (
          await store.get(
            this.mindId,
            batch.map((m) => m.id),
          )
        ).map((v) => v.id),
      );
      const fresh = batch.filter((m) => !existing.has(m.id));
      if (fresh.length === 0) continue;
      const vectors = await embedder.embed(fresh.map((m) => m.content));
      await this.write(
        store,
        fresh.map((memory, j) => ({ memory, embedding: vectors[j]! })),
      );
      imported += fresh.length;
    }
    return { imported, skipped: memories.length - imported };
  }

  /** Which of `ids` are stored (at most 1,000 at a time): what an import would skip. */
  async existingIds(ids: readonly string[]): Promise<string[]> {
    if (!Array.isArray(ids) || ids.length > 1000) throw invalidInput('ids', 'must be a list of at most 1000 ids');
    if (ids.length === 0) return [];
    const { store } = await this.ready();
    await this.queue.settle();
    return (await store.get(this.mindId, [...ids])).map((v) => v.id);
  }

  /**
   * Commits the rows (stored) and their records, to be embedded (queued), in one SQL transaction and
   * leaves the rest to the queue (`embedQueued`, then the vector store): the memories are listed,
   * counted and readable at once, and searchable once the queue has written them (a search of this
   * process waits for that).
   */
  private async writeBehind(store: MemoryStore, memories: readonly Memory[]): Promise<void> {
    const waiting = memories.map((memory) => ({ memory, record: vectorRecord(memory, []) }));
    await this.catalog.put(
      memories.map((memory) => catalogEntry(this.mindId, memory, 'stored')),
      { replace: true, queue: { mindId: this.mindId, vectors: waiting.map((w) => w.record) } },
    );
    this.queue.enqueue(store, waiting, this.prepareQueued);
    if (this.queue.size > WRITE_BEHIND_BACKLOG) await this.queue.shrink(WRITE_BEHIND_BACKLOG);
  }

  /** Tells the hooks of memories added (not of near-duplicates strengthened instead). */
  private added(memories: readonly Memory[]): void {
    for (const memory of memories) this.kept.delete(memory.id);
    if (memories.length === 0) return;
    for (const memory of memories) this.onCountChange?.(memory.type, 1);
    this.onMemoriesAdded?.(this.mindId, memories);
  }

  /** A stored memory by its own id (no alias). */
  private async find(id: string): Promise<Memory | null> {
    nonEmptyText(id, 'id', 256);
    const [found] = await this.read([id]);
    return found ?? null;
  }

  private readonly prepareQueued: PrepareQueued = {
    prepare: (records) => this.embedQueued(records),
    written: (records) => this.added(records.flatMap((r) => this.kept.get(r.id) ?? [])),
  };
  /**
   * Memories the background checked and kept, told to the hooks once written (a write that fails is
   * prepared again: told once). By id, until written.
   */
  private readonly kept = new Map<string, Memory>();

  /**
   * The background half of a single add: embeds the queued memories in one batch and checks each for
   * a near-duplicate of the same type, among the stored memories and those before it in the batch.
   * A near-duplicate is strengthened instead (higher importance, one more access, merged tags): one
   * catalogue transaction writes it, removes the new memory's row and queued record and keeps its id
   * as an alias, and queues the new metadata, which is written with the batch.
   */
  private async embedQueued(records: QueuedVector[]): Promise<QueuedVector[]> {
    const { store, embedder } = await this.connect();
    const todo = records.filter(toEmbed);
    const vectors = await embedder.embed(todo.map((r) => r.document));
    const embedded = new Map(todo.map((r, i) => [r.id, vectors[i]!]));
    // The near-duplicate check's first query, for the whole batch in one request.
    const nearest =
      this.dedupThreshold === null ? [] : await store.queryMany(this.mindId, vectors, NEAR_DUPLICATE_CANDIDATES);
    const nearestOfId = new Map(todo.map((r, i) => [r.id, nearest[i] ?? []]));
    const rows = new Map(
      (
        await this.catalog.get(
          this.mindId,
          todo.map((r) => r.id),
        )
      ).map((e) => [e.id, e]),
    );
    const batch = new Set(records.map((r) => r.id));
    const out = new Map<string, QueuedVector>();
    const fresh = new Map<string, { memory: Memory; embedding: number[] }>();
    for (const record of records) {
      const embedding = embedded.get(record.id);
      const row = rows.get(record.id);
      // Not to embed, or its row gone (deleted meanwhile: the writer deletes its vector again).
      if (!embedding || row?.state !== 'stored') {
        out.set(record.id, embedding ? { ...record, embedding } : record);
        continue;
      }
      const memory = this.merge(this.decode(record), row);
      const twin =
        this.dedupThreshold === null
          ? undefined
          : (nearestOf(fresh.values(), memory, embedding, this.dedupThreshold) ??
            (await this.nearDuplicate(memory, embedding, nearestOfId.get(record.id))));
      if (!twin) {
        out.set(record.id, { ...record, embedding });
        fresh.set(record.id, { memory, embedding });
        continue;
      }
      // What the twin will be once written: a change of it still queued (here or behind) comes first.
      const base = fresh.get(twin.id)?.memory ?? this.queue.memory(twin.id) ?? twin;
      const merged = strengthen({ ...base, accessCount: twin.accessCount }, memory, this.clock.now());
      const batched = out.get(twin.id);
      const next =
        batched && !batched.metadataOnly
          ? vectorRecord(merged, batched.embedding)
          : { ...vectorRecord(merged, []), metadataOnly: true };
      await this.catalog.put([catalogEntry(this.mindId, merged, 'stored')], {
        replace: true,
        queue: { mindId: this.mindId, vectors: [next] },
        merged: { mindId: this.mindId, ids: [{ id: memory.id, into: twin.id }] },
      });
      out.set(twin.id, next);
      const inBatch = fresh.get(twin.id);
      if (inBatch) inBatch.memory = merged;
      // A change of the twin waiting behind this batch would undo this one: it is replaced by it.
      if (!batch.has(twin.id)) this.queue.replace(twin.id, { record: next, memory: merged });
      this.queue.writing(twin.id, merged); // read from here until written
      this.texts.delete(twin.id);
    }
    for (const [id, { memory }] of fresh) this.kept.set(id, memory);
    return [...out.values()];
  }

  /** The catalogue → vectors → catalogue write of new memories (see the class comment). */
  private async write(
    store: MemoryStore,
    items: ReadonlyArray<{ memory: Memory; embedding: number[] }>,
  ): Promise<void> {
    const entries = items.map(({ memory }) => catalogEntry(this.mindId, memory, 'stored'));
    await this.catalog.put(
      entries.map((e) => ({ ...e, state: 'pending' as const })),
      { replace: true },
    );
    await store.add(
      this.mindId,
      items.map(({ memory, embedding }) => vectorRecord(memory, embedding)),
    );
    // Written as a whole row (not only the state): a repair that removed the row meanwhile, seeing no
    // vector yet, cannot leave this memory uncatalogued.
    await this.catalog.put(entries, { replace: true });
  }

  /**
   * The catalogue rows of the `limit` nearest memories that pass `filter`, with their similarity.
   * Filtered vector queries get slower as a collection grows, and shipping documents for a wide
   * candidate list costs ~0.1 ms a hit, so the nearest ids are fetched alone (widening once) and
   * filtered on their catalogue rows; the caller reads only the memories it chooses. That is exact
   * whenever `limit` of them pass (anything further away ranks below them); otherwise null: the
   * filter goes inside the vector query.
   */
  private async filteredRows(
    store: MemoryStore,
    embedding: number[],
    limit: number,
    filter: SearchFilter,
  ): Promise<Array<{ row: CatalogEntry; similarity: number }> | null> {
    for (const wide of [Math.min(1000, limit * 8), 1000]) {
      const near = await store.nearest(this.mindId, embedding, wide);
      const rows = new Map(
        (
          await this.catalog.get(
            this.mindId,
            near.map((n) => n.id),
          )
        ).map((e) => [e.id, e]),
      );
      const chosen = near.filter((n) => {
        const row = rows.get(n.id);
        return row?.state === 'stored' && filter.passes(row);
      });
      if (chosen.length >= limit || near.length < wide)
        return chosen.slice(0, limit).map((n) => ({ row: rows.get(n.id)!, similarity: n.similarity }));
      if (wide === 1000) break;
    }
    return null;
  }

  /** Hits as memories with the catalogue's counters; hits with no stored row (being written or deleted) are left out. */
  private async withCatalog<T extends StoredVector>(hits: T[]): Promise<Array<Memory & { similarity: number }>> {
    if (hits.length === 0) return [];
    const rows = new Map(
      (
        await this.catalog.get(
          this.mindId,
          hits.map((h) => h.id),
        )
      ).map((e) => [e.id, e]),
    );
    const out: Array<Memory & { similarity: number }> = [];
    for (const hit of hits) {
      const row = rows.get(hit.id);
      if (row?.state !== 'stored') continue;
      out.push({ ...this.merge(this.decode(hit), row), similarity: (hit as { similarity?: number }).similarity ?? 0 });
    }
    return out;
  }

  /** Memories for catalogue rows, in the rows' order (text from the vector store, or the cache). */
  private async complete(rows: CatalogEntry[]): Promise<Memory[]> {
    if (rows.length === 0) return [];
    const found = new Map<string, Memory>();
    const missing = new Map<string, CatalogEntry>();
    for (const row of rows) {
      const memory = this.cached(row);
      if (memory) found.set(row.id, memory);
      else missing.set(row.id, row);
    }
    for (const id of missing.keys()) {
      const memory = this.queue.memory(id);
      if (memory) {
        found.set(id, memory);
        missing.delete(id);
      }
    }
    if (missing.size > 0) {
      const { store } = await this.ready();
      for (const vector of await store.get(this.mindId, [...missing.keys()])) {
        const memory = this.decode(vector);
        found.set(memory.id, memory);
        this.remember(memory, missing.get(memory.id)!);
        missing.delete(memory.id);
      }
    }
    // Not in the vector store yet: queued by another process, read from the SQL queue.
    if (missing.size > 0)
      for (const vector of await this.catalog.queued(this.mindId, { limit: missing.size, ids: [...missing.keys()] }))
        found.set(vector.id, this.decode(vector));
    const out: Memory[] = [];
    for (const row of rows) {
      const memory = found.get(row.id);
      if (memory) out.push(this.merge(memory, row));
    }
    return out;
  }

  /** The cached memory for `row` if it was read at the row's current revision. */
  private cached(row: CatalogEntry): Memory | undefined {
    const hit = this.texts.get(row.id);
    if (!hit || row.revision === undefined || hit.revision !== row.revision) return undefined;
    // Most recently used last: the oldest entries are the first to go.
    this.texts.delete(row.id);
    this.texts.set(row.id, hit);
    return hit.memory;
  }

  private remember(memory: Memory, row: CatalogEntry): void {
    if (row.revision === undefined) return;
    this.texts.delete(memory.id);
    this.texts.set(memory.id, { revision: row.revision, memory });
    if (this.texts.size > TEXT_CACHE_SIZE) this.texts.delete(this.texts.keys().next().value!);
  }

  /** Stored memories with these ids, with the catalogue's counters. */
  private async read(ids: string[]): Promise<Memory[]> {
    await this.ready();
    const rows = (await this.catalog.get(this.mindId, ids)).filter((r) => r.state === 'stored');
    return this.complete(rows);
  }

  /** The catalogue owns the fields that change on every search. */
  private merge(memory: Memory, row: CatalogEntry): Memory {
    return { ...memory, accessCount: row.accessCount, lastAccessed: row.lastAccessedAt };
  }

  /** The Mind's collection open with the provider that built it (no repair). */
  private connect(): Promise<Connected> {
    this.connected ??= (async () => {
      const deps = await this.backend.connect();
      const configured = { provider: deps.embedder.name, dimension: deps.embedder.dimension };
      const stored = await deps.store.open(this.mindId, configured, { allowMismatch: true });
      return { store: deps.store, embedder: await this.embedderFor(stored, deps.embedder) };
    })().catch((error: unknown) => {
      this.connected = undefined;
      throw error;
    });
    return this.connected;
  }

  private markRepaired(): void {
    const repaired = repairedMinds.get(this.catalog) ?? new Set<string>();
    repairedMinds.set(this.catalog, repaired.add(this.mindId));
  }

  /** Connected, with the catalogue repaired once per process and Mind (see `repair`). */
  private ready(): Promise<Connected> {
    this.opened ??= (async () => {
      const connected = await this.connect();
      // Once per process and Mind: a Mind loaded per request (the HTTP API) does not pay for it again.
      if (!repairedMinds.get(this.catalog)?.has(this.mindId)) {
        await repairCatalog(this.mindId, connected.store, this.catalog, {
          logger: this.log,
          prepare: this.prepareQueued,
          ...(this.onBackfillProgress ? { onProgress: this.onBackfillProgress } : {}),
        });
        this.markRepaired();
      }
      return connected;
    })().catch((error: unknown) => {
      this.opened = undefined;
      throw error;
    });
    return this.opened;
  }

  /**
   * The provider that made this Mind's vectors: an existing Mind keeps its provider when the
   * configured one changes, until `genesis memory reindex` re-embeds it.
   */
  private async embedderFor(stored: { provider: string; dimension: number }, configured: EmbeddingProvider) {
    if (stored.provider === configured.name && stored.dimension === configured.dimension) return configured;
    const own = await this.backend.embedderFor?.(stored);
    if (own) {
      this.log.info(
        { mindId: this.mindId, provider: stored.provider, configured: configured.name },
        'memories keep the embedding provider they were built with until "genesis memory reindex"',
      );
      return own;
    }
    if (stored.dimension === configured.dimension) return configured;
    throw new GenesisError(
      'EMBEDDING_MISMATCH',
      `The memories of ${this.mindId} were embedded by "${stored.provider}" (${stored.dimension} dimensions), but the configured provider ` +
        `"${configured.name}" makes ${configured.dimension}. Run "genesis memory reindex ${this.mindId}" to re-embed them, or configure "${stored.provider}" again.`,
    );
  }

  /**
   * The stored near-duplicate of the same type, if any, found with the embedding already computed.
   * The nearest three are read whole (one fast unfiltered query); when all three are close but of
   * other types, the nearest 50 ids are checked against the catalogue's types; only when all of
   * those are close too does the typed query go to the vector store (slower as it grows).
   */
  private async nearDuplicate(memory: Memory, embedding: number[], nearest?: VectorHit[]): Promise<Memory | undefined> {
    const { store } = await this.connect();
    const threshold = this.dedupThreshold ?? 2;
    const hits = nearest ?? (await store.query(this.mindId, embedding, NEAR_DUPLICATE_CANDIDATES));
    // Never itself: a memory written before a crash let its queue hear of it is checked again at repair.
    const close = hits.filter((h) => h.similarity >= threshold && h.id !== memory.id);
    const sameType = close.find((h) => h.metadata.memory_type === memory.type);
    if (sameType) {
      const [twin] = await this.withCatalog([sameType]);
      if (twin) return twin;
    }
    if (close.length < NEAR_DUPLICATE_CANDIDATES) return undefined;
    const near = (await store.nearest(this.mindId, embedding, 50)).filter(
      (n) => n.similarity >= threshold && n.id !== memory.id,
    );
    const rows = new Map(
      (
        await this.catalog.get(
          this.mindId,
          near.map((n) => n.id),
        )
      ).map((e) => [e.id, e]),
    );
    const twin = near.find((n) => rows.get(n.id)?.state === 'stored' && rows.get(n.id)?.memoryType === memory.type);
    if (twin) return (await this.complete([rows.get(twin.id)!]))[0];
    if (near.length < 50) return undefined;
    const [typed] = await store.query(this.mindId, embedding, 1, [
      { field: 'memory_type', op: 'eq', value: memory.type },
    ]);
    return typed && typed.similarity >= threshold && typed.id !== memory.id
      ? (await this.withCatalog([typed]))[0]
      : undefined;
  }

  private decode(v: StoredVector): Memory {
    return fromStoredVector(v, (field, error) =>
      this.log.warn(
        { mindId: this.mindId, memoryId: v.id, field, err: error },
        'memory metadata field is not valid JSON; read as empty',
      ),
    );
  }
}

/** What ranking reads of a memory, from its catalogue row. */
function rankable(row: CatalogEntry): { importance: number; timestamp: number; accessCount: number } {
  return { importance: row.importance, timestamp: row.createdAt, accessCount: row.accessCount };
}

/** `twin` strengthened by a memory that repeats it: higher importance, one more access, merged tags. */
function strengthen(twin: Memory, memory: Memory, now: number): Memory {
  return {
    ...twin,
    importance: Math.max(twin.importance, memory.importance),
    accessCount: twin.accessCount + 1,
    lastAccessed: now,
    tags: [...new Set([...twin.tags, ...memory.tags])],
    relatedMemoryIds: [...new Set([...twin.relatedMemoryIds, ...memory.relatedMemoryIds])],
  };
}

/** Whether strengthening changed what the vector store keeps (importance, tags, related ids). */
function metadataChanged(twin: Memory, merged: Memory): boolean {
  return (
    merged.importance !== twin.importance ||
    merged.tags.length !== twin.tags.length ||
    merged.relatedMemoryIds.length !== twin.relatedMemoryIds.length
  );
}

/** The most similar of `candidates` of the memory's type at or above `threshold`, if any. */
function nearestOf(
  candidates: Iterable<{ memory: Memory; embedding: number[] }>,
  memory: Memory,
  embedding: number[],
  threshold: number,
): Memory | undefined {
  let best: { memory: Memory; similarity: number } | undefined;
  for (const c of candidates) {
    if (c.memory.type !== memory.type) continue;
    const similarity = cosineSimilarity(c.embedding, embedding);
    if (similarity >= threshold && similarity > (best?.similarity ?? -Infinity))
      best = { memory: c.memory, similarity };
  }
  return best?.memory;
}

/** A memory as the vector store keeps it. */
function vectorRecord(memory: Memory, embedding: number[]): VectorRecord {
  return { id: memory.id, embedding, document: memory.content, metadata: toVectorMetadata(memory) };
}

/** A search's filter: as vector-store clauses, and as a test of a catalogue row (same meaning). */
interface SearchFilter {
  clauses: VectorClause[];
  passes(row: CatalogEntry): boolean;
}

/** The filter of a search (validated), or null when it has none. */
function searchFilter(input: SearchMemoriesInput): SearchFilter | null {
  const clauses: VectorClause[] = [];
  const tests: Array<(row: CatalogEntry) => boolean> = [];
  if (input.memoryType !== undefined) {
    const type = oneOf(input.memoryType, MEMORY_TYPES, 'memoryType');
    clauses.push({ field: 'memory_type', op: 'eq', value: type });
    tests.push((r) => r.memoryType === type);
  }
  if (input.userEmail !== undefined) {
    const email = parseEmail(input.userEmail);
    clauses.push({
      op: 'or',
      clauses: [
        { field: 'user_email', op: 'eq', value: email },
        { field: 'user_email', op: 'eq', value: '' },
        { field: 'relationship_context', op: 'eq', value: 'shared' },
      ],
    });
    tests.push((r) => r.userEmail === email || r.userEmail === null || r.relationshipContext === 'shared');
  }
  if (input.environmentId !== undefined) {
    const environmentId = input.environmentId;
    clauses.push({ field: 'environment_id', op: 'eq', value: environmentId });
    tests.push((r) => r.environmentId === environmentId);
  }
  if (input.minImportance !== undefined) {
    const min = unitInterval(input.minImportance, 'minImportance');
    clauses.push({ field: 'importance', op: 'gte', value: min });
    tests.push((r) => r.importance >= min);
  }
  if (input.since !== undefined) {
    const since = toEpochMs(input.since, 'since');
    clauses.push({ field: 'timestamp', op: 'gte', value: since });
    tests.push((r) => r.createdAt >= since);
  }
  if (input.until !== undefined) {
    const until = toEpochMs(input.until, 'until');
    clauses.push({ field: 'timestamp', op: 'lt', value: until });
    tests.push((r) => r.createdAt < until);
  }
  return clauses.length === 0 ? null : { clauses, passes: (row) => tests.every((t) => t(row)) };
}
