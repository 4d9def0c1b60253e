import type { Memory } from './memory-input';

const DAY = 86_400_000;

/** What ranking reads of a memory. */
export type Rankable = Pick<Memory, 'importance' | 'timestamp' | 'accessCount'>;

/** relevance = importance × 0.99^age_days + min(accessCount × 0.05, 0.3) */
export function relevance(memory: Rankable, now: number): number {
  const ageDays = Math.max(0, now - memory.timestamp) / DAY;
  return memory.importance * 0.99 ** ageDays + Math.min(memory.accessCount * 0.05, 0.3);
}

/** score = (1 − w) × similarity + w × relevance; best first, at most `limit`. */
export function rankHits<T extends Rankable & { similarity: number }>(
  hits: T[],
  weight: number,
  now: number,
  limit: number,
): Array<T & { score: number }> {
  return hits
    .map((hit) => ({ ...hit, score: (1 - weight) * hit.similarity + weight * relevance(hit, now) }))
    .sort((a, b) => b.score - a.score)
    .slice(0, limit);
}

/** Cosine similarity; 0 when either vector is all zeros. */
export function cosineSimilarity(a: readonly number[], b: readonly number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i] ?? 0;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}
