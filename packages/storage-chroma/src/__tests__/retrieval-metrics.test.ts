import {
  cosine,
  firstRelevantRank,
  meanReciprocalRank,
  rankByCosine,
  recallAtK,
  scoreRanks,
} from '../../bench/retrieval-metrics';
import { RETRIEVAL_SET } from '../../bench/retrieval-set';

describe('retrieval metrics', () => {
  test('firstRelevantRank is the 1-based position of the first relevant id', () => {
    const ranking = ['a', 'b', 'c', 'd', 'e', 'f'];
    expect(firstRelevantRank(ranking, ['a'])).toBe(1);
    expect(firstRelevantRank(ranking, ['c'])).toBe(3);
    expect(firstRelevantRank(ranking, ['f', 'd'])).toBe(4);
    expect(firstRelevantRank(ranking, ['z'])).toBeNull();
    expect(() => firstRelevantRank(ranking, [])).toThrow('at least one relevant id');
  });

  test('recall@k and MRR on hand-made ranks', () => {
    // Five queries: answer ranked 1st, 2nd, 5th, 6th, and not at all.
    const ranks = [1, 2, 5, 6, null];
    expect(recallAtK(ranks, 1)).toBeCloseTo(1 / 5);
    expect(recallAtK(ranks, 2)).toBeCloseTo(2 / 5);
    expect(recallAtK(ranks, 5)).toBeCloseTo(3 / 5);
    expect(recallAtK(ranks, 10)).toBeCloseTo(4 / 5);
    expect(meanReciprocalRank(ranks)).toBeCloseTo((1 + 1 / 2 + 1 / 5 + 1 / 6 + 0) / 5);
    expect(scoreRanks(ranks)).toEqual({
      queries: 5,
      recallAt1: recallAtK(ranks, 1),
      recallAt5: recallAtK(ranks, 5),
      mrr: meanReciprocalRank(ranks),
    });
  });

  test('perfect and empty rankings', () => {
    expect(scoreRanks([1, 1, 1])).toEqual({ queries: 3, recallAt1: 1, recallAt5: 1, mrr: 1 });
    expect(scoreRanks([null, null])).toEqual({ queries: 2, recallAt1: 0, recallAt5: 0, mrr: 0 });
    expect(scoreRanks([])).toEqual({ queries: 0, recallAt1: 0, recallAt5: 0, mrr: 0 });
    expect(() => recallAtK([1], 0)).toThrow('positive integer');
  });

  test('cosine ignores length and handles zero vectors', () => {
    expect(cosine([1, 0], [5, 0])).toBeCloseTo(1);
    expect(cosine([1, 0], [0, 3])).toBeCloseTo(0);
    expect(cosine([1, 1], [-1, -1])).toBeCloseTo(-1);
    expect(cosine([0, 0], [1, 2])).toBe(0);
    expect(() => cosine([1], [1, 2])).toThrow('different sizes');
  });

  test('rankByCosine orders by similarity, ties in document order', () => {
    const docs = [
      [0, 1], // orthogonal
      [1, 0], // same direction
      [2, 0], // same direction, longer: ties with [1, 0]
      [1, 1], // 45°
      [-1, 0], // opposite
    ];
    expect(rankByCosine([3, 0], docs)).toEqual([1, 2, 3, 0, 4]);
  });
});

describe('retrieval set', () => {
  const ids = new Set(RETRIEVAL_SET.memories.map((m) => m.id));

  test('has unique ids, the sizes promised, and every answer exists', () => {
    expect(ids.size).toBe(RETRIEVAL_SET.memories.length);
    expect(new Set(RETRIEVAL_SET.queries.map((q) => q.id)).size).toBe(RETRIEVAL_SET.queries.length);
    expect(RETRIEVAL_SET.memories.length).toBeGreaterThanOrEqual(220);
    expect(RETRIEVAL_SET.queries.filter((q) => q.kind === 'paraphrase').length).toBeGreaterThanOrEqual(90);
    expect(RETRIEVAL_SET.queries.filter((q) => q.kind === 'exact').length).toBeGreaterThanOrEqual(20);
    for (const type of ['episodic', 'semantic', 'procedural', 'prospective', 'working']) {
      expect(RETRIEVAL_SET.memories.some((m) => m.type === type)).toBe(true);
    }
    for (const q of RETRIEVAL_SET.queries) {
      expect(q.relevant.length).toBeGreaterThan(0);
      for (const id of q.relevant) expect(ids.has(id)).toBe(true);
    }
  });

  test('an exact-name query names something found in its answers and in no other memory', () => {
    for (const q of RETRIEVAL_SET.queries.filter((x) => x.kind === 'exact')) {
      const holders = RETRIEVAL_SET.memories
        .filter((m) => m.text.toLowerCase().includes(q.text.toLowerCase()))
        .map((m) => m.id)
        .sort();
      expect({ query: q.text, holders }).toEqual({ query: q.text, holders: [...q.relevant].sort() });
    }
  });
});
