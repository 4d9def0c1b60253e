import { createHash } from 'node:crypto';
import type { EmbeddingProvider } from '@genesis/mind-core';

/**
 * Deterministic, model-free embeddings: feature hashing of lower-cased words and character
 * trigrams into `dimension` buckets (signed), L2-normalised. Offline and always available; texts
 * that share words and fragments end up close, which is what near-duplicate detection and tests need.
 */
export class HashEmbeddingProvider implements EmbeddingProvider {
  readonly name = 'hash';

  constructor(readonly dimension = 384) {}

  async embed(texts: string[]): Promise<number[][]> {
    return texts.map((t) => this.vector(t));
  }

  private vector(text: string): number[] {
    const v = new Float64Array(this.dimension);
    const words =
      text
        .toLowerCase()
        .normalize('NFKC')
        .match(/[\p{L}\p{N}]+/gu) ?? [];
    const add = (feature: string, weight: number) => {
      const h = createHash('md5').update(feature).digest();
      const bucket = h.readUInt32LE(0) % this.dimension;
      v[bucket]! += (h[4]! & 1 ? 1 : -1) * weight;
    };
    for (const word of words) {
      add(`w:${word}`, 1);
      const padded = `^${word}$`;
      for (let i = 0; i + 3 <= padded.length; i++) add(`c:${padded.slice(i, i + 3)}`, 0.5);
    }
    let norm = 0;
    for (const x of v) norm += x * x;
    norm = Math.sqrt(norm) || 1;
    return Array.from(v, (x) => x / norm);
  }
}
