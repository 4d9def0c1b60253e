import { HashEmbeddingProvider } from '../embeddings/hash';
import { collectionName } from '../chroma-memory-store';

const cos = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i]!, 0);

describe('hash embeddings', () => {
  const provider = new HashEmbeddingProvider();

  test('are deterministic, L2-normalised vectors of the configured size', async () => {
    const [a, b] = await provider.embed(['The cat sat on the mat', 'The cat sat on the mat']);
    expect(a).toHaveLength(384);
    expect(a).toEqual(b);
    expect(cos(a!, a!)).toBeCloseTo(1, 6);
    expect((await new HashEmbeddingProvider(64).embed(['x']))[0]).toHaveLength(64);
  });

  test('put texts that share words closer than unrelated texts', async () => {
    const [cat, cats, physics] = await provider.embed([
      'the cat sat on the mat',
      'a cat sat on a mat today',
      'quantum chromodynamics lecture notes',
    ]);
    expect(cos(cat!, cats!)).toBeGreaterThan(0.4);
    expect(cos(cat!, physics!)).toBeLessThan(0.2);
  });

  test('collection names are per Mind and valid for Chroma', () => {
    expect(collectionName('GMD-2026-4A7F-9B23')).toBe('genesis-gmd-2026-4a7f-9b23');
    expect(collectionName('GMID-12345678')).toBe('genesis-gmid-12345678');
  });
});
