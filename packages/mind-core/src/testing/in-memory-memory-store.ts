import type { EmbeddingInfo, ReindexOptions, EmbeddingProvider, MemoryBackend } from '../ports/memory-store';
import type { MemoryStore, StoredVector, VectorFilter, VectorHit, VectorRecord } from '../ports/memory-store';
import type { VectorScalar } from '../ports/memory-store';
import { GenesisError } from '../shared/errors';
import { count, parseLimit } from '../shared/validation';
import { matchesVectorFilter } from '../memory/vector-filter';
import { cosineSimilarity } from '../memory/ranking';

export { cosineSimilarity };
import { HashEmbedder } from './hash-embedder';

interface Entry {
  embedding: number[];
  document: string;
  metadata: Record<string, VectorScalar>;
}

interface Collection {
  info: EmbeddingInfo;
  /** In insertion order (the storage order `scan` pages through). */
  entries: Map<string, Entry>;
}

const REINDEX_BATCH = 256;

const stored = (id: string, e: Entry): StoredVector => ({ id, document: e.document, metadata: { ...e.metadata } });

/**
 * The MemoryStore port in memory: one collection per owner, cosine similarity by brute force,
 * the embedding provider and dimension kept per collection (like Chroma's collection metadata).
 */
export class InMemoryMemoryStore implements MemoryStore {
  private readonly collections = new Map<string, Collection>();

  async open(
    ownerId: string,
    embedding: EmbeddingInfo,
    options: { allowMismatch?: boolean } = {},
  ): Promise<EmbeddingInfo> {
    let collection = this.collections.get(ownerId);
    if (!collection) {
      collection = {
        info: { provider: embedding.provider, dimension: count(embedding.dimension, 'dimension') },
        entries: new Map(),
      };
      this.collections.set(ownerId, collection);
    }
    const info = { ...collection.info };
    if (info.dimension !== embedding.dimension && !options.allowMismatch) {
      throw new GenesisError(
        'EMBEDDING_MISMATCH',
        `The memories of ${ownerId} were embedded by "${info.provider}" (${info.dimension} dimensions), but the configured provider ` +
          `"${embedding.provider}" makes ${embedding.dimension}. Run "genesis memory reindex ${ownerId}" to re-embed them, or configure "${info.provider}" again.`,
      );
    }
    return info;
  }

  async add(ownerId: string, records: VectorRecord[]): Promise<void> {
    const c = this.collection(ownerId);
    for (const r of records) this.checkDimension(ownerId, c, r.embedding);
    for (const r of records) {
      if (!c.entries.has(r.id))
        c.entries.set(r.id, { embedding: [...r.embedding], document: r.document, metadata: { ...r.metadata } });
    }
  }

  async update(ownerId: string, records: Parameters<MemoryStore['update']>[1]): Promise<void> {
    const c = this.collection(ownerId);
    for (const r of records) if (r.embedding) this.checkDimension(ownerId, c, r.embedding);
    for (const r of records) {
      const e = c.entries.get(r.id);
      if (!e) continue;
      if (r.embedding) e.embedding = [...r.embedding];
      if (r.document !== undefined) e.document = r.document;
      // As Chroma: the given metadata keys are merged into the record's.
      if (r.metadata) e.metadata = { ...e.metadata, ...r.metadata };
    }
  }

  async query(ownerId: string, embedding: number[], limit: number, filter?: VectorFilter): Promise<VectorHit[]> {
    const c = this.collection(ownerId);
    return this.nearestOf(c, embedding, limit, filter).map(({ id, similarity }) => ({
      ...stored(id, c.entries.get(id)!),
      similarity,
    }));
  }

  async queryMany(ownerId: string, embeddings: number[][], limit: number): Promise<VectorHit[][]> {
    return Promise.all(embeddings.map((e) => this.query(ownerId, e, limit)));
  }

  async nearest(
    ownerId: string,
    embedding: number[],
    limit: number,
  ): Promise<Array<{ id: string; similarity: number }>> {
    return this.nearestOf(this.collection(ownerId), embedding, limit);
  }

  /** Brute force: every record passing `filter`, by cosine similarity, best first. */
  private nearestOf(c: Collection, embedding: number[], limit: number, filter?: VectorFilter) {
    return [...c.entries]
      .filter(([, e]) => matchesVectorFilter(e.metadata, filter))
      .map(([id, e]) => ({ id, similarity: cosineSimilarity(embedding, e.embedding) }))
      .sort((a, b) => b.similarity - a.similarity)
      .slice(0, parseLimit(limit, 'limit', Number.MAX_SAFE_INTEGER));
  }

  async get(ownerId: string, ids: string[]): Promise<StoredVector[]> {
    const c = this.collection(ownerId);
    return [...new Set(ids)].flatMap((id) => {
      const e = c.entries.get(id);
      return e ? [stored(id, e)] : [];
    });
  }

  async scan(
    ownerId: string,
    options: { limit: number; offset: number; filter?: VectorFilter },
  ): Promise<StoredVector[]> {
    const c = this.collection(ownerId);
    const offset = count(options.offset, 'offset');
    const limit = parseLimit(options.limit, 'limit', Number.MAX_SAFE_INTEGER);
    return [...c.entries]
      .filter(([, e]) => matchesVectorFilter(e.metadata, options.filter))
      .slice(offset, offset + limit)
      .map(([id, e]) => stored(id, e));
  }

  async count(ownerId: string, filter?: VectorFilter): Promise<number> {
    return [...this.collection(ownerId).entries.values()].filter((e) => matchesVectorFilter(e.metadata, filter)).length;
  }

  async delete(ownerId: string, ids: string[]): Promise<void> {
    const c = this.collection(ownerId);
    for (const id of ids) c.entries.delete(id);
  }

  async drop(ownerId: string): Promise<boolean> {
    return this.collections.delete(ownerId);
  }

  async reindex(ownerId: string, { embedding, embed, onProgress }: ReindexOptions): Promise<number> {
    const source = this.collection(ownerId);
    const rows = [...source.entries];
    const staging: Collection = {
      info: { provider: embedding.provider, dimension: count(embedding.dimension, 'dimension') },
      entries: new Map(),
    };
    let done = 0;
    onProgress?.(0, rows.length);
    for (let i = 0; i < rows.length; i += REINDEX_BATCH) {
      const batch = rows.slice(i, i + REINDEX_BATCH);
      const vectors = await embed(batch.map(([, e]) => e.document));
      batch.forEach(([id, e], j) => {
        const vector = vectors[j];
        if (!vector)
          throw new GenesisError(
            'EMBEDDING_UNAVAILABLE',
            `The embedder returned ${vectors.length} vectors for ${batch.length} documents`,
          );
        this.checkDimension(ownerId, staging, vector);
        staging.entries.set(id, { embedding: [...vector], document: e.document, metadata: { ...e.metadata } });
      });
      done += batch.length;
      onProgress?.(done, rows.length);
    }
    // Swapped in only once every record is re-embedded: a failure leaves the old collection.
    this.collections.set(ownerId, staging);
    return done;
  }

  private collection(ownerId: string): Collection {
    const c = this.collections.get(ownerId);
    if (!c)
      throw new GenesisError(
        'MEMORY_QUERY_FAILED',
        `The memory collection of ${ownerId} is not open: call open() first`,
      );
    return c;
  }

  private checkDimension(ownerId: string, c: Collection, embedding: readonly number[]): void {
    if (embedding.length !== c.info.dimension) {
      throw new GenesisError(
        'EMBEDDING_MISMATCH',
        `The memory collection of ${ownerId} holds ${c.info.dimension}-dimension embeddings ("${c.info.provider}"), got one of ${embedding.length}`,
      );
    }
  }
}

/** A MemoryBackend over an InMemoryMemoryStore (and a HashEmbedder unless another is given). */
export function createInMemoryMemoryBackend(
  embedder: EmbeddingProvider = new HashEmbedder(),
  store: InMemoryMemoryStore = new InMemoryMemoryStore(),
): MemoryBackend & { readonly store: InMemoryMemoryStore; readonly embedder: EmbeddingProvider } {
  return {
    store,
    embedder,
    connect: async () => ({ store, embedder }),
    drop: (ownerId) => store.drop(ownerId),
  };
}
