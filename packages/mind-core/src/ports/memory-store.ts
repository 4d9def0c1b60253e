/**
 * The vector side of the memory tier. One collection per owner (a Mind), so no query of one owner
 * can return another's records. Embeddings come from an EmbeddingProvider.
 */
export type VectorScalar = string | number | boolean;

export interface VectorRecord {
  id: string;
  embedding: number[];
  document: string;
  metadata: Record<string, VectorScalar>;
}

export interface StoredVector {
  id: string;
  document: string;
  metadata: Record<string, VectorScalar>;
}

export interface VectorHit extends StoredVector {
  /** Cosine similarity, 1 = same direction. */
  similarity: number;
}

/** A filter applied inside the vector query: every clause must hold. */
export type VectorFilter = VectorClause[];
export type VectorClause =
  | { field: string; op: 'eq' | 'ne'; value: VectorScalar }
  | { field: string; op: 'gte' | 'lte' | 'gt' | 'lt'; value: number }
  | { field: string; op: 'in'; value: VectorScalar[] }
  | { op: 'or'; clauses: VectorClause[] };

export interface EmbeddingInfo {
  provider: string;
  dimension: number;
}

export interface MemoryStore {
  /**
   * Opens (creating if needed) the owner's collection for this embedding provider. A collection
   * built with another dimension fails with EMBEDDING_MISMATCH unless `allowMismatch`.
   */
  open(ownerId: string, embedding: EmbeddingInfo, options?: { allowMismatch?: boolean }): Promise<EmbeddingInfo>;
  add(ownerId: string, records: VectorRecord[]): Promise<void>;
  update(
    ownerId: string,
    records: Array<{ id: string; embedding?: number[]; document?: string; metadata?: Record<string, VectorScalar> }>,
  ): Promise<void>;
  query(ownerId: string, embedding: number[], limit: number, filter?: VectorFilter): Promise<VectorHit[]>;
  /** `query` (no filter) for several embeddings in one call: the hits of each, in their order. */
  queryMany(ownerId: string, embeddings: number[][], limit: number): Promise<VectorHit[][]>;
  /**
   * The ids of the `limit` records nearest to `embedding`, best first, with their similarity — no
   * documents or metadata (a wide candidate list costs little; filtering is the caller's).
   */
  nearest(ownerId: string, embedding: number[], limit: number): Promise<Array<{ id: string; similarity: number }>>;
  get(ownerId: string, ids: string[]): Promise<StoredVector[]>;
  /** Records in storage order, `offset`-paged (documents and metadata, no embeddings). */
  scan(ownerId: string, options: { limit: number; offset: number; filter?: VectorFilter }): Promise<StoredVector[]>;
  count(ownerId: string, filter?: VectorFilter): Promise<number>;
  delete(ownerId: string, ids: string[]): Promise<void>;
  /** Deletes the owner's whole collection. */
  drop(ownerId: string): Promise<boolean>;
  /**
   * Re-embeds every record into a new collection for `embedding` and swaps it in, in batches.
   * `embed` turns documents into vectors; `onProgress(done, total)` reports progress.
   */
  reindex(ownerId: string, options: ReindexOptions): Promise<number>;
}

/** How to re-embed a collection: the new provider, how to embed a batch, and progress reports. */
export interface ReindexOptions {
  embedding: EmbeddingInfo;
  /** Turns documents into vectors of `embedding.dimension`. */
  embed: (documents: string[]) => Promise<number[][]>;
  /** Told `(done, total)` as batches complete. */
  onProgress?: (done: number, total: number) => void;
}

export interface EmbeddingProvider {
  readonly name: string;
  readonly dimension: number;
  embed(texts: string[]): Promise<number[][]>;
}

/** How a Mind reaches the memory tier: connected on first use, so opening a Mind starts nothing. */
export interface MemoryBackend {
  connect(): Promise<{ store: MemoryStore; embedder: EmbeddingProvider }>;
  /** Deletes an owner's memories (without starting anything when there can be none). */
  drop(ownerId: string): Promise<boolean>;
  /**
   * The provider that made a collection's vectors (`stored`), when it is not the configured one:
   * an existing Mind keeps its provider until it is reindexed. Null when it cannot be made here.
   */
  embedderFor?(stored: EmbeddingInfo): Promise<EmbeddingProvider | null>;
}
