/**
 * Retrieval metrics of the quality benchmark, pure functions over rankings.
 *
 * A query's rank is the 1-based position of the first relevant memory in the ranking (null when
 * none is ranked). recall@k is the share of queries with a relevant memory among the first k (for
 * the set's one-answer queries, the usual recall@k; a query with several answers counts once, as
 * found when any of them is). MRR is the mean of 1/rank, a query with no relevant memory ranked
 * counting 0.
 */

/** Cosine similarity; 0 when either vector is all zeros. */
export function cosine(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) throw new Error(`cosine of vectors of different sizes (${a.length} and ${b.length})`);
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

/**
 * Indices of `documents` from the most to the least similar to `query` (exact, brute force); equal
 * similarities keep the documents' order, so a ranking is deterministic.
 */
export function rankByCosine(query: readonly number[], documents: readonly (readonly number[])[]): number[] {
  const scores = documents.map((d) => cosine(query, d));
  return scores.map((_, i) => i).sort((i, j) => scores[j]! - scores[i]! || i - j);
}

/** 1-based position of the first relevant id in `ranking`, or null when none is there. */
export function firstRelevantRank(ranking: readonly string[], relevant: Iterable<string>): number | null {
  const wanted = new Set(relevant);
  if (wanted.size === 0) throw new Error('a query needs at least one relevant id');
  const index = ranking.findIndex((id) => wanted.has(id));
  return index < 0 ? null : index + 1;
}

/** Share of queries whose first relevant memory is within the first `k` (0 for no queries). */
export function recallAtK(ranks: readonly (number | null)[], k: number): number {
  if (!Number.isInteger(k) || k < 1) throw new Error(`k must be a positive integer, got ${k}`);
  if (ranks.length === 0) return 0;
  return ranks.filter((r) => r !== null && r <= k).length / ranks.length;
}

/** Mean reciprocal rank (a query with no relevant memory ranked counts 0; 0 for no queries). */
export function meanReciprocalRank(ranks: readonly (number | null)[]): number {
  if (ranks.length === 0) return 0;
  return ranks.reduce<number>((sum, r) => sum + (r === null ? 0 : 1 / r), 0) / ranks.length;
}

export interface RetrievalScores {
  queries: number;
  recallAt1: number;
  recallAt5: number;
  mrr: number;
}

/** recall@1, recall@5 and MRR of a set of first-relevant ranks. */
export function scoreRanks(ranks: readonly (number | null)[]): RetrievalScores {
  return {
    queries: ranks.length,
    recallAt1: recallAtK(ranks, 1),
    recallAt5: recallAtK(ranks, 5),
    mrr: meanReciprocalRank(ranks),
  };
}
