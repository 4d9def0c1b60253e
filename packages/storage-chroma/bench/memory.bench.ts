/**
 * Benchmark of the memory tier with the `hash` provider, for 10,000 and 100,000 memories of one
 * Mind (BENCH_SIZES=10000,100000 to change): batched add throughput, embedding time shown apart,
 * and search latency p50/p99 for top-5 with a metadata filter — at the store, and through
 * MemoryManager.searchMemories (ranking + access tracking included).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryManager, type VectorFilter } from '@genesis/mind-core';
import { InMemoryMemoryCatalog } from '@genesis/mind-core/testing';
import { chromaDataDir, ChromaMemoryStore, HashEmbeddingProvider, startEmbeddedChroma } from '../src';

const SIZES = (process.env.BENCH_SIZES ?? '10000,100000').split(',').map(Number);
const BATCH = 1000;
const QUERIES = 300;
const WORDS =
  'coffee garden river music family work travel health dream friend book morning evening rain sun city ocean mountain dog cat train meeting birthday recipe project doctor school movie song letter'.split(
    ' ',
  );
const TYPES = ['episodic', 'semantic', 'procedural', 'prospective', 'working'];

/** Types and users are assigned independently of the text (a multiplicative hash of the index). */
const spread = (i: number, salt: number, n: number) => (Math.imul(i + salt, 2654435761) >>> 0) % n;

function text(i: number): string {
  const pick = (k: number) => WORDS[(i * 7 + k * 13 + (i >> k)) % WORDS.length]!;
  return `memory ${i}: ${pick(1)} ${pick(2)} with ${pick(3)} and ${pick(4)} near the ${pick(5)} ${i % 97}`;
}

const pct = (sorted: number[], p: number) =>
  +sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!.toFixed(2);
const ms = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e6;

async function run(size: number) {
  const home = mkdtempSync(join(tmpdir(), 'genesis-membench-'));
  const server = await startEmbeddedChroma({ dataDir: chromaDataDir(home) });
  try {
    const store = new ChromaMemoryStore({ url: server.url });
    const embedder = new HashEmbeddingProvider();
    const owner = 'GMD-2026-BE00-0001';
    await store.open(owner, { provider: embedder.name, dimension: embedder.dimension });
    let embedMs = 0;
    let addMs = 0;
    for (let i = 0; i < size; i += BATCH) {
      const docs = Array.from({ length: Math.min(BATCH, size - i) }, (_, j) => text(i + j));
      let t = process.hrtime.bigint();
      const vectors = await embedder.embed(docs);
      embedMs += ms(t);
      t = process.hrtime.bigint();
      await store.add(
        owner,
        docs.map((d, j) => ({
          id: `m${i + j}`,
          embedding: vectors[j]!,
          document: d,
          metadata: {
            memory_type: TYPES[spread(i + j, 1, 5)]!,
            user_email: spread(i + j, 2, 3) ? `user${spread(i + j, 3, 10)}@x.io` : '',
            relationship_context: spread(i + j, 4, 4) ? 'personal' : 'shared',
            importance: spread(i + j, 5, 10) / 10,
            timestamp: i + j,
          },
        })),
      );
      addMs += ms(t);
    }

    const filter: VectorFilter = [
      { field: 'memory_type', op: 'eq', value: 'semantic' },
      {
        op: 'or',
        clauses: [
          { field: 'user_email', op: 'eq', value: 'user1@x.io' },
          { field: 'user_email', op: 'eq', value: '' },
          { field: 'relationship_context', op: 'eq', value: 'shared' },
        ],
      },
    ];
    const queryVectors = await embedder.embed(
      Array.from(
        { length: QUERIES },
        (_, i) => `${WORDS[i % WORDS.length]} ${WORDS[(i * 3) % WORDS.length]} near the river`,
      ),
    );
    for (let i = 0; i < 20; i++) await store.query(owner, queryVectors[i]!, 5, filter); // warm-up
    const storeTimes: number[] = [];
    const unfilteredTimes: number[] = [];
    const insideChromaTimes: number[] = [];
    const where = {
      $and: [
        { memory_type: 'semantic' },
        { $or: [{ user_email: 'user1@x.io' }, { user_email: '' }, { relationship_context: 'shared' }] },
      ],
    };
    const collection = await store.client.getCollection({
      name: `genesis-${owner.toLowerCase()}`,
      embeddingFunction: null as never,
    });
    for (const [i, v] of queryVectors.entries()) {
      let t = process.hrtime.bigint();
      const hits = await store.query(owner, v, 5, filter);
      storeTimes.push(ms(t));
      if (hits.length !== 5) throw new Error(`expected 5 hits, got ${hits.length}`);
      t = process.hrtime.bigint();
      await store.query(owner, v, 5);
      unfilteredTimes.push(ms(t));
      if (i < 60) {
        t = process.hrtime.bigint();
        await collection.query({ queryEmbeddings: [v], nResults: 5, where: where as never });
        insideChromaTimes.push(ms(t));
      }
    }

    const manager = new MemoryManager(
      owner,
      { connect: async () => ({ store, embedder }), drop: async () => false },
      new InMemoryMemoryCatalog(),
      { now: () => Date.now() },
    );
    // The vectors were stored without the manager: its first use catalogues them (not timed).
    await manager.repair();
    const managerTimes: number[] = [];
    for (let i = 0; i < 100; i++) {
      const t = process.hrtime.bigint();
      await manager.searchMemories({
        query: `${WORDS[i % WORDS.length]} by the river`,
        limit: 5,
        memoryType: 'semantic',
        userEmail: 'user1@x.io',
      });
      managerTimes.push(ms(t));
    }
    for (const a of [storeTimes, unfilteredTimes, insideChromaTimes, managerTimes]) a.sort((x, y) => x - y);
    return {
      memories: size,
      addMemoriesPerSecond: Math.round(size / (addMs / 1000)),
      embedMemoriesPerSecond: Math.round(size / (embedMs / 1000)),
      addWithEmbeddingPerSecond: Math.round(size / ((addMs + embedMs) / 1000)),
      searchTop5Filtered: { p50Ms: pct(storeTimes, 50), p99Ms: pct(storeTimes, 99) },
      searchTop5Unfiltered: { p50Ms: pct(unfilteredTimes, 50), p99Ms: pct(unfilteredTimes, 99) },
      searchTop5FilterOnlyInsideChroma: { p50Ms: pct(insideChromaTimes, 50), p99Ms: pct(insideChromaTimes, 99) },
      searchMemoriesWithRankingAndAccessTracking: { p50Ms: pct(managerTimes, 50), p99Ms: pct(managerTimes, 99) },
    };
  } finally {
    await server.close();
    rmSync(home, { recursive: true, force: true });
  }
}

(async () => {
  const results = [];
  for (const size of SIZES) {
    const r = await run(size);
    console.log(JSON.stringify(r, null, 2));
    results.push(r);
  }
})().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
