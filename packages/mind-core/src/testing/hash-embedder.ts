import type { EmbeddingProvider } from '../ports/memory-store';
import { integer } from '../shared/validation';

/** FNV-1a, 32 bits. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * A test EmbeddingProvider: each lower-cased word adds ±1 to a hashed bucket, L2-normalised.
 * Deterministic and instant; texts with the same words are identical vectors, texts sharing most
 * words are close, texts sharing none are (nearly) orthogonal.
 */
export class HashEmbedder implements EmbeddingProvider {
  readonly name = 'test-hash';
  readonly dimension: number;

  constructor(dimension = 128) {
    this.dimension = integer(dimension, 'dimension');
  }

  async embed(texts: string[]): Promise<number[][]> {
    return texts.map((text) => this.vector(text));
  }

  private vector(text: string): number[] {
    const v = new Array<number>(this.dimension).fill(0);
    for (const word of text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []) {
      const h = fnv1a(word);
      v[h % this.dimension]! += h & 0x80000000 ? -1 : 1;
    }
    const norm = Math.hypot(...v) || 1;
    return v.map((x) => x / norm);
  }
}
