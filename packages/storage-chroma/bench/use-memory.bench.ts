/**
 * Memory and speed of the default `use` provider (Universal Sentence Encoder lite + glove-sif),
 * each run in a fresh child process (`node --expose-gc`) with the glove cache already built:
 *
 * - warm load: time of `UseEmbeddingProvider.create` (first in the process, cache on disk);
 * - added RSS: process RSS minus the RSS before the provider's modules were loaded, after a
 *   garbage collection, right after loading and again after embedding the retrieval set and
 *   1,000 varied texts (1 to ≈ 300 words, so some are over the model's 128 tokens), with the
 *   V8 heap, external and ArrayBuffer memory and the wasm heap beside it;
 * - latency: ms per short text (one at a time) and per batch of 32 texts of mixed length.
 *
 * BENCH_USE_RUNS (default 5) sets the number of children. BENCH_USE_CACHE_DIR moves the glove
 * cache (default: the retrieval benchmark's). BENCH_USE_VECTORS=<file> makes the first child
 * write the vectors of the embedded texts to <file> (binary float64), and BENCH_USE_COMPARE=<file>
 * compares them with such a file (minimum cosine, largest difference).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seededRandom } from '@genesis/mind-core/testing';
import { RETRIEVAL_SET } from './retrieval-set';

const RUNS = Number(process.env.BENCH_USE_RUNS ?? 5);
const cacheDir = process.env.BENCH_USE_CACHE_DIR || join(tmpdir(), 'genesis-retrieval-bench-cache');
const MB = 1024 * 1024;

/** 1,000 texts of 1 to ≈ 300 words from the set's vocabulary, with codes, numbers and other scripts. */
function variedTexts(count = 1000): string[] {
  const next = seededRandom(4471);
  const words = [...new Set(RETRIEVAL_SET.memories.flatMap((m) => m.text.split(/\s+/)))];
  const extras = [
    'INC-4471',
    'PR-20931',
    '2024-03-17',
    '東京で会議',
    'Zoë',
    'naïve',
    'don’t',
    '😀',
    'x86_64',
    'O’Brien',
  ];
  const texts: string[] = [];
  for (let i = 0; i < count; i++) {
    const r = next();
    const length =
      r < 0.4 ? 1 + Math.floor(next() * 8) : r < 0.85 ? 8 + Math.floor(next() * 40) : 100 + Math.floor(next() * 200);
    const parts: string[] = [];
    for (let w = 0; w < length; w++) {
      parts.push(
        next() < 0.05 ? extras[Math.floor(next() * extras.length)]! : words[Math.floor(next() * words.length)]!,
      );
    }
    texts.push(`${parts.join(' ')} ${i}`);
  }
  return texts;
}

interface Memory {
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  wasmHeap: number;
}

interface ChildResult {
  loadMs: number;
  simd: boolean;
  before: Memory;
  afterLoad: Memory;
  afterUse: Memory;
  peakRss: number;
  texts: number;
  embedMs: number;
  shortTextMs: { p50: number; p90: number };
  batch32Ms: { p50: number; p90: number };
}

const gc = () => {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (!collect) throw new Error('run the child with --expose-gc');
  for (let i = 0; i < 3; i++) collect();
};

async function settle(): Promise<void> {
  gc();
  await new Promise((resolve) => setTimeout(resolve, 50));
  gc();
}

function wasmHeap(): number {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const tf = require('@tensorflow/tfjs-core') as typeof import('@tensorflow/tfjs-core');
    const backend = tf.findBackend('wasm') as unknown as { wasm?: { HEAPU8?: Uint8Array } } | null;
    return backend?.wasm?.HEAPU8?.buffer.byteLength ?? 0;
  } catch {
    return 0;
  }
}

function memory(): Memory {
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers, wasmHeap: wasmHeap() };
}

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return +s[Math.min(s.length - 1, Math.floor(q * s.length))]!.toFixed(2);
};

async function child(): Promise<void> {
  // What a daemon has anyway (mind-core) is loaded before the baseline; the provider's modules after.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require('@genesis/mind-core');
  const setTexts = [...RETRIEVAL_SET.memories.map((m) => m.text), ...RETRIEVAL_SET.queries.map((q) => q.text)];
  const varied = variedTexts();
  await settle();
  const before = memory();
  let peakRss = before.rss;
  const sample = () => (peakRss = Math.max(peakRss, process.memoryUsage().rss));

  const start = process.hrtime.bigint();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { UseEmbeddingProvider } = require('../src/embeddings/use') as typeof import('../src/embeddings/use');
  const provider = await UseEmbeddingProvider.create({ cacheDir });
  const loadMs = Number(process.hrtime.bigint() - start) / 1e6;
  sample();
  await settle();
  const afterLoad = memory();

  const vectorsOut = process.env.BENCH_USE_VECTORS_CHILD;
  const all: number[][] = [];
  const texts = [...setTexts, ...varied];
  const embedStart = process.hrtime.bigint();
  for (let i = 0; i < texts.length; i += 64) {
    const vectors = await provider.embed(texts.slice(i, i + 64));
    if (vectorsOut) all.push(...vectors);
    sample();
  }
  const embedMs = Number(process.hrtime.bigint() - embedStart) / 1e6;

  // Latency: short texts one at a time, batches of 32 mixed texts.
  const shorts = RETRIEVAL_SET.queries.map((q) => q.text);
  const shortTimes: number[] = [];
  for (let i = 0; i < 300; i++) {
    const t = process.hrtime.bigint();
    await provider.embed([shorts[i % shorts.length]!]);
    shortTimes.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  const batchTimes: number[] = [];
  for (let i = 0; i < 20; i++) {
    const batch = varied.slice((i * 32) % 960, ((i * 32) % 960) + 32);
    const t = process.hrtime.bigint();
    await provider.embed(batch);
    batchTimes.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  sample();
  if (vectorsOut) {
    const flat = new Float64Array(all.length * provider.dimension);
    all.forEach((v, i) => flat.set(v, i * provider.dimension));
    writeFileSync(vectorsOut, Buffer.from(flat.buffer));
    all.length = 0;
  }
  await settle();
  const afterUse = memory();
  const result: ChildResult = {
    loadMs: +loadMs.toFixed(1),
    simd: provider.simd,
    before,
    afterLoad,
    afterUse,
    peakRss,
    texts: texts.length,
    embedMs: +embedMs.toFixed(0),
    shortTextMs: { p50: quantile(shortTimes.slice(20), 0.5), p90: quantile(shortTimes.slice(20), 0.9) },
    batch32Ms: { p50: quantile(batchTimes.slice(2), 0.5), p90: quantile(batchTimes.slice(2), 0.9) },
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

function compare(a: Float64Array, b: Float64Array, dimension: number) {
  if (a.length !== b.length) throw new Error(`vector files differ in size: ${a.length} vs ${b.length}`);
  let minCos = Infinity;
  let maxDiff = 0;
  let identical = 0;
  for (let i = 0; i < a.length / dimension; i++) {
    let dot = 0;
    let same = true;
    for (let j = i * dimension; j < (i + 1) * dimension; j++) {
      dot += a[j]! * b[j]!;
      maxDiff = Math.max(maxDiff, Math.abs(a[j]! - b[j]!));
      if (a[j] !== b[j]) same = false;
    }
    minCos = Math.min(minCos, dot);
    if (same) identical++;
  }
  return { texts: a.length / dimension, identical, minCosine: minCos, maxAbsDifference: maxDiff };
}

function parent(): void {
  const self = __filename;
  const runChild = (env: Record<string, string> = {}): ChildResult => {
    const out = execFileSync(process.execPath, ['--expose-gc', self, '--child'], {
      env: { ...process.env, ...env },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      maxBuffer: 64 * MB,
    });
    return JSON.parse(out.trim().split('\n').at(-1)!) as ChildResult;
  };
  // A first child builds the glove cache if needed (not counted).
  runChild();
  const vectorsFile = process.env.BENCH_USE_VECTORS;
  const results: ChildResult[] = [];
  for (let i = 0; i < RUNS; i++) {
    results.push(runChild(i === 0 && vectorsFile ? { BENCH_USE_VECTORS_CHILD: vectorsFile } : {}));
  }
  const range = (f: (r: ChildResult) => number, digits = 1) => {
    const xs = results.map(f).sort((a, b) => a - b);
    return `${xs[0]!.toFixed(digits)}–${xs.at(-1)!.toFixed(digits)} (median ${xs[Math.floor(xs.length / 2)]!.toFixed(digits)})`;
  };
  const added = (key: 'afterLoad' | 'afterUse', field: keyof Memory) => (r: ChildResult) =>
    (r[key][field] - r.before[field]) / MB;
  const summary = {
    benchmark: 'use-provider-memory',
    runs: RUNS,
    texts: results[0]!.texts,
    simd: results[0]!.simd,
    warmLoadMs: range((r) => r.loadMs, 0),
    addedRssAfterLoadMb: range(added('afterLoad', 'rss')),
    addedRssAfterUseMb: range(added('afterUse', 'rss')),
    addedPeakRssMb: range((r) => (r.peakRss - r.before.rss) / MB),
    afterUse: {
      addedHeapUsedMb: range(added('afterUse', 'heapUsed')),
      addedExternalMb: range(added('afterUse', 'external')),
      addedArrayBuffersMb: range(added('afterUse', 'arrayBuffers')),
      wasmHeapMb: range((r) => r.afterUse.wasmHeap / MB),
    },
    afterLoad: {
      addedHeapUsedMb: range(added('afterLoad', 'heapUsed')),
      addedExternalMb: range(added('afterLoad', 'external')),
      addedArrayBuffersMb: range(added('afterLoad', 'arrayBuffers')),
      wasmHeapMb: range((r) => r.afterLoad.wasmHeap / MB),
    },
    rssBeforeLoadMb: range((r) => r.before.rss / MB),
    embedAllMs: range((r) => r.embedMs, 0),
    shortTextP50Ms: range((r) => r.shortTextMs.p50, 2),
    shortTextP90Ms: range((r) => r.shortTextMs.p90, 2),
    batch32P50Ms: range((r) => r.batch32Ms.p50, 1),
    batch32P90Ms: range((r) => r.batch32Ms.p90, 1),
  };
  const worst = (f: (r: ChildResult) => number) => Math.max(...results.map(f));
  const targets = {
    // The acceptance: warm load < 1 s, added RSS < 150 MB (after use too).
    warmLoadUnder1s: worst((r) => r.loadMs) < 1000,
    addedRssUnder150MbAfterLoad: worst((r) => r.afterLoad.rss - r.before.rss) < 150 * MB,
    addedRssUnder150MbAfterUse: worst((r) => r.afterUse.rss - r.before.rss) < 150 * MB,
  };
  console.log(JSON.stringify({ ...summary, targets }, null, 2));
  const reference = process.env.BENCH_USE_COMPARE;
  if (reference && vectorsFile) {
    const read = (f: string) => {
      const b = readFileSync(f);
      return new Float64Array(b.buffer, b.byteOffset, b.length / 8);
    };
    console.log(JSON.stringify({ comparedWith: reference, ...compare(read(vectorsFile), read(reference), 868) }));
  }
}

if (process.argv.includes('--child')) {
  child().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
} else {
  parent();
}
