import type { Clock } from '../ports/clock';
import { silentLogger, type Logger } from '../ports/logger';
import type { EmbeddingProvider, MemoryBackend, MemoryStore, StoredVector, VectorClause } from '../ports/memory-store';
import { GenesisError, invalidInput } from '../shared/errors';
import { count, nonEmptyText, oneOf, parseEmail, parseLimit, toEpochMs, unitInterval } from '../shared/validation';
import type { TimeInput } from '../shared/validation';
import { fromStoredVector, toVectorMetadata } from './memory-codec';
import { buildMemory, memoryToInput, MEMORY_TYPES } from './memory-input';
import type { AddMemoryInput, Memory, MemoryType } from './memory-input';
import { rankHits, relevance } from './ranking';

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
}

const WORKING_MEMORY_SIZE = 12;

/**
 * A Mind's long-term memories: content and embeddings in the memory tier (one collection per
 * Mind), never in the Mind's JSON file. Found by meaning, filtered inside the vector query.
 */
export class MemoryManager {
  private opened: Promise<{ store: MemoryStore; embedder: EmbeddingProvider }> | undefined;
  private working: string[] = [];
  private readonly dedupThreshold: number | null;
  private readonly relevanceWeight: number;
  private readonly onCountChange: ((type: MemoryType, delta: number) => void) | undefined;
  private readonly onMemoriesAdded: MemoryOptions['onMemoriesAdded'];
  private readonly onSearch: MemoryOptions['onSearch'];
  private readonly log: Logger;

  constructor(
    private readonly mindId: string,
    private readonly backend: MemoryBackend,
    private readonly clock: Clock,
    options: MemoryOptions = {},
  ) {
    this.dedupThreshold = options.dedupThreshold === undefined ? 0.85 : options.dedupThreshold;
    this.relevanceWeight = options.relevanceWeight ?? 0.25;
    this.onCountChange = options.onCountChange;
    this.onMemoriesAdded = options.onMemoriesAdded;
    this.onSearch = options.onSearch;
    this.log = options.logger ?? silentLogger;
    if (this.dedupThreshold !== null) unitInterval(this.dedupThreshold, 'dedupThreshold');
    unitInterval(this.relevanceWeight, 'relevanceWeight');
  }

  /** Adds a memory, or strengthens a near-duplicate of the same type (returned instead). */
  async addMemory(input: AddMemoryInput): Promise<Memory> {
    const [memory] = await this.addMemories([input]);
    return memory!;
  }

  /** Adds many memories: embedded in one batch, written in one call (after near-duplicate checks). */
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
    const embeddings = await embedder.embed(memories.map((m) => m.content));
    const result: Memory[] = [];
    const fresh: Array<{ memory: Memory; embedding: number[] }> = [];
    for (let i = 0; i < memories.length; i++) {
      const memory = memories[i]!;
      const embedding = embeddings[i]!;
      const twin =
        options.dedup === false || this.dedupThreshold === null
          ? undefined
          : await this.nearDuplicate(memory, embedding);
      if (twin) {
        const merged: Memory = {
          ...twin,
          importance: Math.max(twin.importance, memory.importance),
          accessCount: twin.accessCount + 1,
          lastAccessed: this.clock.now(),
          tags: [...new Set([...twin.tags, ...memory.tags])],
          relatedMemoryIds: [...new Set([...twin.relatedMemoryIds, ...memory.relatedMemoryIds])],
        };
        await store.update(this.mindId, [{ id: twin.id, metadata: toVectorMetadata(merged) }]);
        result.push(merged);
      } else {
        fresh.push({ memory, embedding });
        result.push(memory);
      }
    }
    if (fresh.length > 0) {
      await store.add(
        this.mindId,
        fresh.map(({ memory, embedding }) => ({
          id: memory.id,
          embedding,
          document: memory.content,
          metadata: toVectorMetadata(memory),
        })),
      );
      for (const { memory } of fresh) this.onCountChange?.(memory.type, 1);
      this.onMemoriesAdded?.(
        this.mindId,
        fresh.map(({ memory }) => memory),
      );
    }
    return result;
  }

  /**
   * Memories closest in meaning to `query`, best first. Filters are applied inside the vector query;
   * a search for user U sees U's memories, shared ones and ones with no user — never another user's
   * personal memory (a search without a user is the Mind's own and sees everything). Hits count as
   * accesses.
   */
  async searchMemories(input: SearchMemoriesInput): Promise<MemorySearchHit[]> {
    const started = performance.now();
    nonEmptyText(input?.query, 'query');
    const limit = parseLimit(input.limit ?? 5);
    const filter: VectorClause[] = [];
    if (input.memoryType !== undefined)
      filter.push({ field: 'memory_type', op: 'eq', value: oneOf(input.memoryType, MEMORY_TYPES, 'memoryType') });
    if (input.userEmail !== undefined) {
      const email = parseEmail(input.userEmail);
      filter.push({
        op: 'or',
        clauses: [
          { field: 'user_email', op: 'eq', value: email },
          { field: 'user_email', op: 'eq', value: '' },
          { field: 'relationship_context', op: 'eq', value: 'shared' },
        ],
      });
    }
    if (input.environmentId !== undefined)
      filter.push({ field: 'environment_id', op: 'eq', value: input.environmentId });
    if (input.minImportance !== undefined)
      filter.push({ field: 'importance', op: 'gte', value: unitInterval(input.minImportance, 'minImportance') });
    if (input.since !== undefined)
      filter.push({ field: 'timestamp', op: 'gte', value: toEpochMs(input.since, 'since') });
    if (input.until !== undefined)
      filter.push({ field: 'timestamp', op: 'lt', value: toEpochMs(input.until, 'until') });

    const { store, embedder } = await this.ready();
    const [embedding] = await embedder.embed([input.query]);
    const candidates = this.relevanceWeight > 0 ? Math.min(1000, limit * 2) : limit;
    const hits = await store.query(this.mindId, embedding!, candidates, filter);
    const now = this.clock.now();
    const ranked = rankHits(
      hits.map((hit) => ({ ...this.decode(hit), similarity: hit.similarity })),
      this.relevanceWeight,
      now,
      limit,
    );
    if (ranked.length > 0) {
      for (const hit of ranked) {
        hit.accessCount += 1;
        hit.lastAccessed = now;
      }
      await store.update(
        this.mindId,
        ranked.map((m) => ({ id: m.id, metadata: toVectorMetadata(m) })),
      );
      this.working = [...new Set([...ranked.map((m) => m.id), ...this.working])].slice(0, WORKING_MEMORY_SIZE);
    }
    this.onSearch?.(this.mindId, performance.now() - started, ranked.length);
    return ranked;
  }

  /** relevance = importance × 0.99^age_days + min(accessCount × 0.05, 0.3) */
  relevance(memory: Memory, now = this.clock.now()): number {
    return relevance(memory, now);
  }

  async getMemory(id: string): Promise<Memory | null> {
    const { store } = await this.ready();
    const [found] = await store.get(this.mindId, [id]);
    return found ? this.decode(found) : null;
  }

  /** Changes a memory; a new content is embedded again. */
  async updateMemory(
    id: string,
    patch: Partial<Omit<AddMemoryInput, 'memoryType'>> & { memoryType?: MemoryType },
  ): Promise<Memory> {
    const current = await this.getMemory(id);
    if (!current)
      throw new GenesisError('MEMORY_NOT_FOUND', `No memory ${JSON.stringify(id)} in Mind ${this.mindId}`, {
        field: 'id',
      });
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
    return next;
  }

  async deleteMemory(id: string): Promise<boolean> {
    const existing = await this.getMemory(id);
    const existed = existing !== null;
    if (existing) {
      await (await this.ready()).store.delete(this.mindId, [id]);
      this.onCountChange?.(existing.type, -1);
    }
    this.working = this.working.filter((w) => w !== id);
    return existed;
  }

  async countMemories(filter: { memoryType?: MemoryType; userEmail?: string } = {}): Promise<number> {
    const { store } = await this.ready();
    const clauses: VectorClause[] = [];
    if (filter.memoryType !== undefined)
      clauses.push({ field: 'memory_type', op: 'eq', value: oneOf(filter.memoryType, MEMORY_TYPES, 'memoryType') });
    if (filter.userEmail !== undefined)
      clauses.push({ field: 'user_email', op: 'eq', value: parseEmail(filter.userEmail) });
    return store.count(this.mindId, clauses.length ? clauses : undefined);
  }

  /** Newest first by the memory's own timestamp (not insertion order). */
  async getRecentMemories(limit = 10): Promise<Memory[]> {
    return (await this.all()).sort((a, b) => b.timestamp - a.timestamp).slice(0, parseLimit(limit));
  }

  /** Most important first (ties: newest first). */
  async getImportantMemories(limit = 10): Promise<Memory[]> {
    return (await this.all())
      .sort((a, b) => b.importance - a.importance || b.timestamp - a.timestamp)
      .slice(0, parseLimit(limit));
  }

  /** Every memory in storage order, paginated. */
  async listMemories(options: {
    limit: number;
    cursor?: string | null;
  }): Promise<{ items: Memory[]; nextCursor: string | null }> {
    const limit = parseLimit(options.limit);
    const offset = options.cursor ? Number.parseInt(Buffer.from(options.cursor, 'base64url').toString('utf8'), 10) : 0;
    if (!Number.isInteger(offset) || offset < 0) {
      throw new GenesisError(
        'INVALID_CURSOR',
        `Invalid cursor ${JSON.stringify(options.cursor)}: pass the nextCursor of a previous page unchanged.`,
        { field: 'cursor' },
      );
    }
    const { store } = await this.ready();
    const rows = await store.scan(this.mindId, { limit: limit + 1, offset });
    const items = rows.slice(0, limit).map((r) => this.decode(r));
    return {
      items,
      nextCursor: rows.length > limit ? Buffer.from(String(offset + limit)).toString('base64url') : null,
    };
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
    return n;
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
      await store.add(
        this.mindId,
        fresh.map((m, j) => ({ id: m.id, embedding: vectors[j]!, document: m.content, metadata: toVectorMetadata(m) })),
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
    return (await store.get(this.mindId, [...ids])).map((v) => v.id);
  }

  private async all(): Promise<Memory[]> {
    const { store } = await this.ready();
    const out: Memory[] = [];
    for (let offset = 0; ; offset += 5000) {
      const rows = await store.scan(this.mindId, { limit: 5000, offset });
      out.push(...rows.map((r) => this.decode(r)));
      if (rows.length < 5000) return out;
    }
  }

  private ready(): Promise<{ store: MemoryStore; embedder: EmbeddingProvider }> {
    this.opened ??= (async () => {
      const deps = await this.backend.connect();
      await deps.store.open(this.mindId, { provider: deps.embedder.name, dimension: deps.embedder.dimension });
      return deps;
    })().catch((error: unknown) => {
      this.opened = undefined;
      throw error;
    });
    return this.opened;
  }

  private async nearDuplicate(memory: Memory, embedding: number[]): Promise<Memory | undefined> {
    const { store } = await this.ready();
    const [nearest] = await store.query(this.mindId, embedding, 1, [
      { field: 'memory_type', op: 'eq', value: memory.type },
    ]);
    return nearest && nearest.similarity >= (this.dedupThreshold ?? 2) ? this.decode(nearest) : undefined;
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
