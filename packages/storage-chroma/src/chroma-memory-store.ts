import { ChromaClient, type Collection, type Metadata, type Where } from 'chromadb';
import { matchesVectorFilter, silentLogger } from '@genesis/mind-core';
import type { EmbeddingInfo, ReindexOptions, Logger, MemoryStore, StoredVector } from '@genesis/mind-core';
import type { VectorClause, VectorFilter, VectorHit, VectorScalar } from '@genesis/mind-core';
import { MemoryTierError } from './errors';

/** Reads of a collection whose first records are being written: tried this often (see `call`). */
const SEGMENT_RETRIES = 8;

/** `GMD-2026-4A7F-9B23` → `genesis-gmd-2026-4a7f-9b23` (Chroma names: 3+ characters, [a-z0-9._-]). */
export function collectionName(ownerId: string): string {
  const safe = ownerId.toLowerCase().replace(/[^a-z0-9._-]/g, '-');
  return `genesis-${safe}`;
}

function toWhere(filter: VectorFilter | undefined): Where | undefined {
  if (!filter || filter.length === 0) return undefined;
  const one = (c: VectorClause): Where => {
    switch (c.op) {
      case 'or':
        return c.clauses.length === 1 ? one(c.clauses[0]!) : ({ $or: c.clauses.map(one) } as Where);
      case 'in':
        return { [c.field]: { $in: c.value } } as Where;
      default:
        return { [c.field]: { [`$${c.op}`]: c.value } } as Where;
    }
  };
  return filter.length === 1 ? one(filter[0]!) : ({ $and: filter.map(one) } as Where);
}

export interface ChromaStoreOptions {
  /** `http://host:port` of the Chroma server. */
  url: string;
  /** Sent as `X-Chroma-Token` to a server that requires one. */
  token?: string;
  logger?: Logger;
}

/**
 * The memory tier on Chroma: one collection per owner, cosine distance, the embedding provider's
 * name and dimension kept in the collection's metadata.
 */
export class ChromaMemoryStore implements MemoryStore {
  readonly client: ChromaClient;
  private readonly collections = new Map<string, Collection>();

  private readonly log: Logger;

  constructor(private readonly options: ChromaStoreOptions) {
    this.log = options.logger ?? silentLogger;
    const url = new URL(options.url);
    this.client = new ChromaClient({
      host: url.hostname,
      port: Number(url.port || (url.protocol === 'https:' ? 443 : 80)),
      ssl: url.protocol === 'https:',
      ...(options.token ? { headers: { 'X-Chroma-Token': options.token } } : {}),
    });
  }

  async open(
    ownerId: string,
    embedding: EmbeddingInfo,
    options: { allowMismatch?: boolean } = {},
  ): Promise<EmbeddingInfo> {
    const collection = await this.call(`open the memory collection of ${ownerId}`, () =>
      this.client.getOrCreateCollection({
        name: collectionName(ownerId),
        metadata: {
          'hnsw:space': 'cosine',
          embedding_provider: embedding.provider,
          embedding_dimension: embedding.dimension,
        },
        embeddingFunction: null,
      }),
    );
    const stored: EmbeddingInfo = {
      provider: String(collection.metadata?.embedding_provider ?? embedding.provider),
      dimension: Number(collection.metadata?.embedding_dimension ?? embedding.dimension),
    };
    if (stored.dimension !== embedding.dimension && !options.allowMismatch) {
      throw new MemoryTierError(
        'EMBEDDING_MISMATCH',
        `The memories of ${ownerId} were embedded by "${stored.provider}" (${stored.dimension} dimensions), but the configured provider ` +
          `"${embedding.provider}" makes ${embedding.dimension}. Run "genesis memory reindex ${ownerId}" to re-embed them, or configure "${stored.provider}" again.`,
      );
    }
    this.collections.set(ownerId, collection);
    return stored;
  }

  async add(ownerId: string, records: Parameters<MemoryStore['add']>[1]): Promise<void> {
    if (records.length === 0) return;
    const c = this.collection(ownerId);
    await this.call('add memories', () =>
      c.add({
        ids: records.map((r) => r.id),
        embeddings: records.map((r) => r.embedding),
        documents: records.map((r) => r.document),
        metadatas: records.map((r) => r.metadata as Metadata),
      }),
    );
  }

  async update(ownerId: string, records: Parameters<MemoryStore['update']>[1]): Promise<void> {
    const c = this.collection(ownerId);
    // Chroma updates a batch only when every record carries the same fields.
    const groups = new Map<string, typeof records>();
    for (const r of records) {
      const key = [r.embedding ? 'e' : '', r.document !== undefined ? 'd' : '', r.metadata ? 'm' : ''].join('');
      groups.set(key, [...(groups.get(key) ?? []), r]);
    }
    for (const group of groups.values()) {
      await this.call('update memories', () =>
        c.update({
          ids: group.map((r) => r.id),
          ...(group[0]!.embedding ? { embeddings: group.map((r) => r.embedding!) } : {}),
          ...(group[0]!.document !== undefined ? { documents: group.map((r) => r.document!) } : {}),
          ...(group[0]!.metadata ? { metadatas: group.map((r) => r.metadata as Metadata) } : {}),
        }),
      );
    }
  }

  /**
   * The `limit` records nearest to `embedding` among those matching `filter`. Chroma's `where`
   * filters get slower as a collection grows while unfiltered queries stay fast, so a filtered
   * search first takes a wider unfiltered top-k: when at least `limit` of those match, they are
   * exactly the filtered top `limit` (every record outside is farther). Otherwise the filter runs
   * inside Chroma's query. Either way results are never under-filled.
   */
  async query(ownerId: string, embedding: number[], limit: number, filter?: VectorFilter): Promise<VectorHit[]> {
    const c = this.collection(ownerId);
    if (filter && filter.length > 0) {
      const wide = Math.min(Math.max(limit * 20, 100), 1000);
      const candidates = await this.hits(c, embedding, wide);
      const matching = candidates.filter((h) => matchesVectorFilter(h.metadata, filter));
      if (matching.length >= limit || candidates.length < wide) return matching.slice(0, limit);
    }
    return this.hits(c, embedding, limit, toWhere(filter));
  }

  async queryMany(ownerId: string, embeddings: number[][], limit: number): Promise<VectorHit[][]> {
    if (embeddings.length === 0) return [];
    return this.hitsOf(this.collection(ownerId), embeddings, limit);
  }

  private async hits(c: Collection, embedding: number[], limit: number, where?: Where): Promise<VectorHit[]> {
    return (await this.hitsOf(c, [embedding], limit, where))[0] ?? [];
  }

  /** One request, one list of hits per embedding. */
  private async hitsOf(c: Collection, embeddings: number[][], limit: number, where?: Where): Promise<VectorHit[][]> {
    const result = await this.call('search memories', () =>
      c.query({
        queryEmbeddings: embeddings,
        nResults: limit,
        ...(where ? { where } : {}),
        include: ['documents', 'metadatas', 'distances'] as never,
      }),
    );
    return embeddings.map((_, q) =>
      (result.ids[q] ?? []).map((id, i) => ({
        id,
        document: result.documents[q]?.[i] ?? '',
        metadata: (result.metadatas[q]?.[i] ?? {}) as Record<string, VectorScalar>,
        similarity: 1 - (result.distances?.[q]?.[i] ?? 1),
      })),
    );
  }

  async nearest(
    ownerId: string,
    embedding: number[],
    limit: number,
  ): Promise<Array<{ id: string; similarity: number }>> {
    const c = this.collection(ownerId);
    // Ids and distances only: documents and metadata cost ~0.1 ms per hit to ship.
    const result = await this.call('search memories', () =>
      c.query({ queryEmbeddings: [embedding], nResults: limit, include: ['distances'] as never }),
    );
    return (result.ids[0] ?? []).map((id, i) => ({ id, similarity: 1 - (result.distances?.[0]?.[i] ?? 1) }));
  }

  async get(ownerId: string, ids: string[]): Promise<StoredVector[]> {
    if (ids.length === 0) return [];
    const c = this.collection(ownerId);
    const result = await this.call('read memories', () => c.get({ ids, include: ['documents', 'metadatas'] as never }));
    return this.rows(result);
  }

  async scan(
    ownerId: string,
    options: { limit: number; offset: number; filter?: VectorFilter },
  ): Promise<StoredVector[]> {
    const c = this.collection(ownerId);
    const where = toWhere(options.filter);
    const result = await this.call('list memories', () =>
      c.get({
        limit: options.limit,
        offset: options.offset,
        ...(where ? { where } : {}),
        include: ['documents', 'metadatas'] as never,
      }),
    );
    return this.rows(result);
  }

  async count(ownerId: string, filter?: VectorFilter): Promise<number> {
    const c = this.collection(ownerId);
    const where = toWhere(filter);
    if (!where) return this.call('count memories', () => c.count());
    const result = await this.call('count memories', () => c.get({ where, include: [] as never }));
    return result.ids.length;
  }

  async delete(ownerId: string, ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    const c = this.collection(ownerId);
    await this.call('delete memories', () => c.delete({ ids }));
  }

  async drop(ownerId: string): Promise<boolean> {
    this.collections.delete(ownerId);
    try {
      await this.client.deleteCollection({ name: collectionName(ownerId) });
      return true;
    } catch (error) {
      if (/not (be )?found|does not exist/i.test((error as Error).message)) return false;
      throw new MemoryTierError(
        'MEMORY_QUERY_FAILED',
        `Cannot delete the memory collection of ${ownerId}: ${(error as Error).message}`,
        { cause: error },
      );
    }
  }

  async reindex(ownerId: string, { embedding, embed, onProgress }: ReindexOptions): Promise<number> {
    const source = this.collection(ownerId);
    const total = await source.count();
    const stagingName = `${collectionName(ownerId)}-reindex`;
    // A staging collection left by an interrupted re-index, if any (none is the usual case).
    await this.client
      .deleteCollection({ name: stagingName })
      .catch((error: unknown) => this.log.debug({ stagingName, err: error }, 'no staging collection to remove'));
    const staging = await this.call('create the re-index collection', () =>
      this.client.createCollection({
        name: stagingName,
        metadata: {
          'hnsw:space': 'cosine',
          embedding_provider: embedding.provider,
          embedding_dimension: embedding.dimension,
        },
        embeddingFunction: null,
      }),
    );
    const batch = 256;
    let done = 0;
    onProgress?.(0, total);
    for (let offset = 0; offset < total; offset += batch) {
      const rows = this.rows(await source.get({ limit: batch, offset, include: ['documents', 'metadatas'] as never }));
      if (rows.length === 0) break;
      const vectors = await embed(rows.map((r) => r.document));
      await staging.add({
        ids: rows.map((r) => r.id),
        embeddings: vectors,
        documents: rows.map((r) => r.document),
        metadatas: rows.map((r) => r.metadata as Metadata),
      });
      done += rows.length;
      onProgress?.(done, total);
    }
    await this.client.deleteCollection({ name: collectionName(ownerId) });
    await staging.modify({ name: collectionName(ownerId) });
    this.collections.delete(ownerId);
    return done;
  }

  private rows(result: {
    ids: string[];
    documents: Array<string | null>;
    metadatas: Array<Metadata | null>;
  }): StoredVector[] {
    return result.ids.map((id, i) => ({
      id,
      document: result.documents[i] ?? '',
      metadata: (result.metadatas[i] ?? {}) as Record<string, VectorScalar>,
    }));
  }

  private collection(ownerId: string): Collection {
    const c = this.collections.get(ownerId);
    if (!c)
      throw new MemoryTierError(
        'MEMORY_QUERY_FAILED',
        `The memory collection of ${ownerId} is not open: call open() first`,
      );
    return c;
  }

  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (error) {
        // Chroma 1.0.5 fails a read of a collection whose first records are being written ("Error
        // creating hnsw segment reader: Nothing found on disk") for a few milliseconds: read again.
        if (attempt < SEGMENT_RETRIES && /Nothing found on disk/.test((error as Error).message)) {
          await new Promise((resolve) => setTimeout(resolve, 5 * attempt));
          continue;
        }
        throw this.failure(what, error);
      }
    }
  }

  private failure(what: string, error: unknown): Error {
    if (error instanceof MemoryTierError) return error;
    const message = (error as Error).message;
    const unreachable = /fetch failed|ECONNREFUSED|connect/i.test(message);
    return new MemoryTierError(
      unreachable ? 'CHROMA_UNAVAILABLE' : 'MEMORY_QUERY_FAILED',
      `Cannot ${what} on Chroma at ${this.options.url}: ${message}${unreachable ? ' (is the server running? check GENESIS_CHROMA_URL)' : ''}`,
      { cause: error },
    );
  }
}
