/**
 * Benchmark of the memory tier through the SDK (issue 13): `openGenesis` on a temp home (default
 * SQLite, the home's own embedded Chroma server), one Mind, N memories bulk-loaded with
 * `mind.memory.addMemories` in batches of 1,000 (near-duplicate check off for the load), spread
 * over the five memory types, four users plus shared and no-user memories, generated texts (word
 * lists and templates from a seeded generator: the same memories every run), timestamps over two
 * years and varied importance. Then, each after a warm-up, latency p50 / p99 of:
 *
 * - a single `addMemory` as a user calls it (near-duplicate check on) — target p50 ≤ 8 ms — 300
 *   back to back; it returns before its embedding and near-duplicate check (write-behind), so also
 *   how long after the last one all were checked and searchable, and the rate that sustains;
 * - `searchMemories({ query, limit: 5, userEmail })`, ranking and access tracking included —
 *   target p50 ≤ 15 ms, p99 ≤ 40 ms;
 * - `getRecentMemories(20)` and `countMemories({ memoryType })` — target p50 ≤ 2 ms;
 * - `getImportantMemories(20)`, and `listMemories({ limit: 50 })` walking 10 pages (per page and
 *   per walk);
 *
 * plus the bulk-load rate and the RSS of this process and of the Chroma server after the load. The
 * targets are issue 13's at 100,000 memories; they are shown (PASS/FAIL) at every size. Last, a
 * split of where the time goes, measured beside the SDK on the same home (its own clients): one
 * embedding, the Chroma calls the SDK makes (and variants: nearest-k by k, without metadata), and the
 * SQL catalogue's statements.
 *
 *   pnpm bench
 *   BENCH_SIZES=10000 node dist-bench/bench/memories.bench.js
 *
 * Options: BENCH_SIZES=10000,100000  BENCH_EMBEDDINGS=hash|glove|use|… (default: the
 * configuration's default provider; GENESIS_* variables are not read)  BENCH_SAMPLES=300 (per
 * operation; searches get 500)  BENCH_SPLIT=0 (skip the split)
 *
 * The bulk load embeds every memory with the provider: `use` (a sentence encoder on TensorFlow.js)
 * embeds about 90 memories/s on 2 cores, so 100,000 take some 20 minutes to load; `glove` and
 * `hash` load at the memory tier's own pace (about 1,000–1,700/s).
 */
import 'reflect-metadata';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { AddMemoryInput, EmbeddingProvider, Mind, MemoryType, VectorFilter } from '@genesis/mind-core';
import { ChromaMemoryStore, createEmbeddingProvider, type EmbeddingConfig } from '@genesis/storage-chroma';
import { MemoryCatalogRepository, SqlDatabase } from '@genesis/storage-sqlite';
import { openGenesis, type Genesis, type GenesisConfig } from '../src';
import { seededRandom } from '@genesis/mind-core/testing';
import { CountingLogger } from './support';
import { numberFrom, percentile } from './common';

const SIZES = (process.env.BENCH_SIZES || '10000,100000').split(',').map((s) => {
  const n = Number(s.trim());
  if (!Number.isInteger(n) || n < 1000) throw new Error('BENCH_SIZES must be integers ≥ 1000, e.g. 10000,100000');
  return n;
});
const PROVIDER = process.env.BENCH_EMBEDDINGS?.trim() || undefined;
const SAMPLES = Math.round(numberFrom('BENCH_SAMPLES', 300));
const SEARCHES = Math.max(SAMPLES, 500);
const SPLIT = process.env.BENCH_SPLIT !== '0';
const BATCH = 1000;
const WARMUP = 30;
const LIST_PAGES = 10;
const LIST_LIMIT = 50;

/** Issue 13's targets (ms), at 100,000 memories. */
const TARGETS = {
  addMemory: { p50: 8 },
  searchMemories: { p50: 15, p99: 40 },
  getRecentMemories: { p50: 2 },
  countMemories: { p50: 2 },
} as const;

const progress = (line: string) => process.stderr.write(`[memories bench] ${line}\n`);
const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits });
const round = (n: number) => Math.round(n * 100) / 100;
const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);

// ---------------------------------------------------------------------------------------------
// The memories: deterministic, from word lists and templates

/** A seeded generator, so every run loads the same memories. */
const generator = seededRandom;

const USERS = ['alice@example.com', 'bruno@example.com', 'chen@example.com', 'dana@example.com'] as const;
const TYPES: readonly MemoryType[] = ['episodic', 'semantic', 'procedural', 'prospective', 'working'];

const W = {
  person:
    'Alice Bruno Chen Dana Eva Farid Greta Hugo Ines Jonas Keiko Liam Maya Nora Omar Priya Quinn Rosa Sven Tara Umar Vera Wen Xavier Yara Zoe her-sister his-brother the-neighbour their-mother the-landlord a-colleague the-coach the-doctor'.split(
      ' ',
    ),
  place:
    'park bakery station library office beach harbour market gym museum garden cafe kitchen airport hospital school theatre river bridge hotel cinema stadium bookshop balcony village lake forest campsite laundrette pharmacy'.split(
      ' ',
    ),
  food: 'lasagne ramen tacos sushi curry pancakes falafel risotto dumplings paella goulash porridge croissants lentil-soup apple-pie cheesecake pho bibimbap couscous gnocchi'.split(
    ' ',
  ),
  activity:
    'running swimming painting chess gardening climbing knitting cycling baking photography yoga birdwatching sailing pottery guitar piano dancing hiking fishing skating reading poetry calligraphy woodwork'.split(
      ' ',
    ),
  feeling:
    'happy anxious relieved proud tired excited nervous grateful frustrated calm lonely hopeful worried amused curious overwhelmed content restless'.split(
      ' ',
    ),
  event:
    'birthday party|job interview|wedding|exam|concert|first day at work|dentist appointment|flight delay|house move|family dinner|football match|book club|marathon|power cut|team offsite|graduation|hospital visit'.split(
      '|',
    ),
  topic:
    'the budget spreadsheet|the garden plan|a trip to Lisbon|the new laptop|tax returns|the thesis draft|the recipe book|the car repair|the quarterly report|the kitchen renovation|the wedding speech|the job offer|a piano recital|the moving boxes|the insurance claim'.split(
      '|',
    ),
  task: 'water the plants|call the bank|renew the passport|book the train tickets|send the invoice|pick up the parcel|pay the rent|back up the photos|buy a birthday present|take the medicine|feed the cat|update the CV|return the library books|fix the bike tyre'.split(
    '|',
  ),
  step: 'open the settings menu|preheat the oven|unplug the router|rinse with cold water|sign in with the family account|check the fuse box|write down the reference number|press and hold the reset button|soak it overnight|ask at the front desk'.split(
    '|',
  ),
  day: 'Monday Tuesday Wednesday Thursday Friday Saturday Sunday'.split(' '),
  job: 'nurse teacher carpenter software-developer pharmacist architect chef journalist bus-driver accountant translator electrician'.split(
    ' ',
  ),
  month: 'January February March April May June July August September October November December'.split(' '),
  time: '6:45|7:40|8:15|9:30|noon|13:20|half past two|16:05|17:50|19:00|20:30|late evening'.split('|'),
  city: 'Lisbon Oslo Nairobi Osaka Montreal Krakow Lima Dublin Porto Hanoi Tbilisi Valencia'.split(' '),
};

const said = (s: string) => s.replace(/-/g, ' ');

/** One memory's text for its type, from `r` (each call consumes a few numbers). */
function textFor(type: MemoryType, r: () => number): string {
  const pick = <K extends keyof typeof W>(k: K) => said(W[k][Math.floor(r() * W[k].length)]!);
  const n = Math.floor(r() * 5);
  switch (type) {
    case 'episodic':
      return [
        `${pick('person')} and I went to the ${pick('place')} on ${pick('day')}; I felt ${pick('feeling')} after the ${pick('event')}.`,
        `Had ${pick('food')} with ${pick('person')} at the ${pick('place')}, talked about ${pick('topic')} for hours.`,
        `The ${pick('event')} went better than expected, ${pick('person')} was there and I was ${pick('feeling')}.`,
        `Missed the ${pick('event')} because of ${pick('topic')}; felt ${pick('feeling')} all ${pick('day')}.`,
        `Tried ${pick('activity')} for the first time near the ${pick('place')} with ${pick('person')}.`,
      ][n]!;
    case 'semantic':
      return [
        `${pick('person')}'s favourite food is ${pick('food')}, and they love ${pick('activity')}.`,
        `${pick('person')} works as a ${pick('job')} in ${pick('city')}.`,
        `${pick('person')} is allergic to ${pick('food')} and prefers the ${pick('place')} to the ${pick('place')}.`,
        `${pick('person')} grew up in ${pick('city')} and took up ${pick('activity')} as a teenager.`,
        `The nearest ${pick('place')} closes early on ${pick('day')}s.`,
      ][n]!;
    case 'procedural':
      return [
        `To ${pick('task')}: first ${pick('step')}, then ${pick('step')}.`,
        `When the ${pick('topic')} gets stuck, ${pick('step')} and ${pick('step')}.`,
        `How ${pick('person')} likes the ${pick('food')} made: ${pick('step')}, then serve it warm.`,
        `Before ${pick('activity')}, ${pick('step')}; afterwards ${pick('step')}.`,
        `Steps to ${pick('task')} without calling ${pick('person')}: ${pick('step')}, ${pick('step')}.`,
      ][n]!;
    case 'prospective':
      return [
        `Remind ${pick('person')} to ${pick('task')} on ${pick('day')} morning.`,
        `Need to ${pick('task')} before the ${pick('event')}.`,
        `Ask ${pick('person')} how the ${pick('event')} went, next ${pick('day')}.`,
        `Plan ${pick('activity')} with ${pick('person')} at the ${pick('place')} on ${pick('day')}.`,
        `Follow up on ${pick('topic')} with ${pick('person')} after ${pick('day')}.`,
      ][n]!;
    case 'working':
      return [
        `Currently helping with ${pick('topic')}; next: ${pick('step')}.`,
        `${pick('person')} is ${pick('feeling')} about ${pick('topic')} right now.`,
        `In the middle of comparing ${pick('food')} recipes for the ${pick('event')}.`,
        `Waiting for ${pick('person')} to answer about ${pick('topic')}.`,
        `Open question from ${pick('person')}: where to go ${pick('activity')} near ${pick('city')}.`,
      ][n]!;
  }
}

/** A second sentence for most memories, so that few of them say exactly the same thing. */
function detailFor(r: () => number): string {
  const pick = <K extends keyof typeof W>(k: K) => said(W[k][Math.floor(r() * W[k].length)]!);
  return [
    `It was back in ${pick('month')}.`,
    `${pick('person')} brought ${pick('food')}.`,
    `We met around ${pick('time')}.`,
    `It cost about ${5 + Math.floor(r() * 200)} euros.`,
    `${pick('person')} said it reminded them of ${pick('city')}.`,
    `Afterwards we went ${pick('activity')} near the ${pick('place')}.`,
    `The weather in ${pick('city')} was awful that week.`,
    `Mentioned it again on ${pick('day')}, still ${pick('feeling')}.`,
  ][Math.floor(r() * 8)]!;
}

/** Two years up to 1 November 2026: timestamps are spread over them. */
const END = Date.UTC(2026, 10, 1);
const SPAN = 730 * 86_400_000;

/**
 * Memory `i` of a run: type by i (even spread), owner: 70 % personal of one of the four users, 10 %
 * shared (with a user), 20 % no user (generic).
 */
function memoryInput(r: () => number, i: number, withTimestamp = true): AddMemoryInput {
  const type = TYPES[i % TYPES.length]!;
  const who = r();
  const user = USERS[Math.floor(r() * USERS.length)]!;
  const owner: Pick<AddMemoryInput, 'userEmail' | 'relationshipContext'> =
    who < 0.7
      ? { userEmail: user, relationshipContext: 'personal' }
      : who < 0.8
        ? { userEmail: user, relationshipContext: 'shared' }
        : { relationshipContext: 'generic' };
  const content = r() < 0.6 ? `${textFor(type, r)} ${detailFor(r)}` : textFor(type, r);
  const importance = Math.round((0.1 + 0.9 * r() ** 1.5) * 100) / 100;
  const emotional = r() < 0.3;
  return {
    content,
    memoryType: type,
    importance,
    ...owner,
    ...(withTimestamp ? { timestamp: END - Math.floor(r() * SPAN) } : {}),
    ...(emotional
      ? { emotion: said(W.feeling[Math.floor(r() * W.feeling.length)]!), emotionIntensity: round(r()) }
      : {}),
    tags: [type, said(W.activity[i % W.activity.length]!)],
  };
}

/** A question a user might ask, in other words than the memories. */
function queryFor(r: () => number): string {
  const pick = <K extends keyof typeof W>(k: K) => said(W[k][Math.floor(r() * W[k].length)]!);
  return [
    `what does ${pick('person')} like to eat`,
    `when did we go to the ${pick('place')}`,
    `how was the ${pick('event')}`,
    `what do I need to do before ${pick('day')}`,
    `how do I ${pick('task')}`,
    `who enjoys ${pick('activity')}`,
    `where does ${pick('person')} work`,
    `anything about ${pick('topic')}`,
  ][Math.floor(r() * 8)]!;
}

// ---------------------------------------------------------------------------------------------
// Measuring

interface Latency {
  samples: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

function latency(values: number[]): Latency {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    samples: sorted.length,
    p50Ms: round(percentile(sorted, 50)),
    p99Ms: round(percentile(sorted, 99)),
    maxMs: round(sorted[sorted.length - 1] ?? 0),
  };
}

/** `count` timed calls of `call(i)` (i ≥ 0) after `warmup` untimed ones (i < 0). */
async function timed(count: number, call: (i: number) => Promise<unknown>, warmup = WARMUP): Promise<Latency> {
  for (let i = 0; i < warmup; i++) await call(-1 - i);
  const values: number[] = [];
  for (let i = 0; i < count; i++) {
    const t = performance.now();
    await call(i);
    values.push(performance.now() - t);
  }
  return latency(values);
}

/** Resident memory of a process (bytes), from /proc; null elsewhere or when it is gone. */
function rssOf(pid: number): number | null {
  try {
    const line = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+) kB/m);
    return line ? Number(line[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** The pid of the home's embedded Chroma server (from `<home>/data/chroma.server.json`), if known. */
function chromaPid(home: string): number | null {
  try {
    const info = JSON.parse(readFileSync(join(home, 'data', 'chroma.server.json'), 'utf8')) as { pid?: unknown };
    return typeof info.pid === 'number' ? info.pid : null;
  } catch {
    return null;
  }
}

/** The Chroma collection of a Mind (as the memory tier names it). */
const collectionName = (gmid: string) => `genesis-${gmid.toLowerCase().replace(/[^a-z0-9._-]/g, '-')}`;

/** The filter the SDK's search sends for a user: theirs, shared, and no-user memories. */
const userFilter = (email: string): VectorFilter => [
  {
    op: 'or',
    clauses: [
      { field: 'user_email', op: 'eq', value: email },
      { field: 'user_email', op: 'eq', value: '' },
      { field: 'relationship_context', op: 'eq', value: 'shared' },
    ],
  },
];

/**
 * Where the SDK's time goes, measured beside it on the same home, server and database: one query
 * embedding (a provider made from the same settings), the Chroma calls the SDK makes (a search's
 * candidates, the near-duplicate check's top 3, reading memories by id, adding), each on a client of
 * its own, and the SQL catalogue's statements on a connection of its own.
 */
async function split(genesis: Genesis, mind: Mind, queries: string[], recentIds: string[]) {
  const embedder: EmbeddingProvider = await createEmbeddingProvider({
    modelDir: join(genesis.home, 'models'),
    ...(genesis.config.embeddings as EmbeddingConfig),
  });
  const url = await genesis.memoryServerUrl();
  if (!url) throw new Error('the memory tier has no server');
  const store = new ChromaMemoryStore({ url });
  await store.open(mind.gmid, { provider: embedder.name, dimension: embedder.dimension }, { allowMismatch: true });
  const vectors = await embedder.embed(queries.slice(0, 200));
  const vector = (i: number) => vectors[Math.abs(i) % vectors.length]!;
  const query = (i: number) => queries[Math.abs(i) % queries.length]!;
  const n = Math.min(SAMPLES, 200);

  const embedOne = await timed(n, (i) => embedder.embed([query(i)]));
  const batch = Array.from({ length: BATCH }, (_, i) => `${query(i)} ${i}`);
  const embedBatch = await timed(5, () => embedder.embed(batch), 1);

  const chromaQueryFiltered = await timed(n, (i) =>
    store.query(mind.gmid, vector(i), 10, userFilter(USERS[Math.abs(i) % USERS.length]!)),
  );
  // What the filtered top 10 is made of: the store first fetches a wide unfiltered top-k (200 for
  // 10) with documents and metadata, and filters it here; the filter inside Chroma is the fallback.
  const chromaQueryTop10 = await timed(n, (i) => store.query(mind.gmid, vector(i), 10));
  const chromaQueryTop200 = await timed(n, (i) => store.query(mind.gmid, vector(i), 200));
  const collection = await store.client.getCollection({
    name: collectionName(mind.gmid),
    embeddingFunction: null as never,
  });
  const chromaTop200NoDocuments = await timed(n, (i) =>
    collection.query({ queryEmbeddings: [vector(i)], nResults: 200, include: ['metadatas', 'distances'] as never }),
  );
  const chromaTop200IdsOnly = await timed(n, (i) =>
    collection.query({ queryEmbeddings: [vector(i)], nResults: 200, include: ['distances'] as never }),
  );
  const chromaWhereInside = await timed(n, (i) =>
    collection.query({
      queryEmbeddings: [vector(i)],
      nResults: 10,
      where: {
        $or: [
          { user_email: USERS[Math.abs(i) % USERS.length]! },
          { user_email: '' },
          { relationship_context: 'shared' },
        ],
      } as never,
      include: ['documents', 'metadatas', 'distances'] as never,
    }),
  );
  // How the nearest-k query grows with k (unfiltered, with documents and metadata, as the store asks).
  const chromaTopK: Record<string, Latency> = {};
  for (const k of [25, 50, 100])
    chromaTopK[`top${k}`] = await timed(Math.min(n, 100), (i) => store.query(mind.gmid, vector(i), k), 10);
  const chromaQueryTop3 = await timed(n, (i) => store.query(mind.gmid, vector(i), 3));
  // The near-duplicate check's second query, when the 3 nearest are close but of other types.
  const chromaQueryTyped = await timed(n, (i) =>
    store.query(mind.gmid, vector(i), 1, [
      { field: 'memory_type', op: 'eq', value: TYPES[Math.abs(i) % TYPES.length]! },
    ]),
  );
  const chromaGet20 = await timed(n, () => store.get(mind.gmid, recentIds));
  const added: string[] = [];
  const record = (id: string, i: number) => ({
    id,
    embedding: vector(i),
    document: query(i),
    metadata: {
      memory_type: 'working',
      user_email: '',
      relationship_context: 'generic',
      importance: 0.5,
      timestamp: END,
    },
  });
  const chromaAddOne = await timed(n, async (i) => {
    const id = `bench-split-${i}`;
    added.push(id);
    await store.add(mind.gmid, [record(id, i)]);
  });
  const chromaAddBatch = await timed(
    3,
    async (b) => {
      const ids = Array.from({ length: BATCH }, (_, j) => `bench-split-batch-${b}-${j}`);
      added.push(...ids);
      await store.add(
        mind.gmid,
        ids.map((id, j) => record(id, j)),
      );
    },
    1,
  );
  // A merge into a near-duplicate updates the stored memory's metadata.
  const chromaUpdateOne = await timed(n, (i) =>
    store.update(mind.gmid, [
      { id: added[Math.abs(i) % added.length]!, metadata: { ...record('', i).metadata, importance: 0.9 } },
    ]),
  );
  for (let i = 0; i < added.length; i += 500) await store.delete(mind.gmid, added.slice(i, i + 500));

  // The SQL catalogue, on a connection of its own to the same database.
  const db = await SqlDatabase.open({ url: genesis.config.databaseUrl });
  let sql: Record<string, Latency>;
  let catalogFiltered: Latency;
  try {
    const catalog = new MemoryCatalogRepository(db);
    const [entry] = await catalog.get(mind.gmid, [recentIds[0]!]);
    if (!entry) throw new Error('the newest memory has no catalogue row');
    const thousand = await catalog.recent(mind.gmid, { limit: 1000 });
    sql = {
      recent21: await timed(n, () => catalog.recent(mind.gmid, { limit: 21 })),
      countByType: await timed(n, (i) => catalog.count(mind.gmid, { memoryType: TYPES[Math.abs(i) % TYPES.length]! })),
      important20: await timed(n, () => catalog.important(mind.gmid, 20)),
      get10: await timed(n, () => catalog.get(mind.gmid, recentIds.slice(0, 10))),
      recordAccess5: await timed(n, (i) => catalog.recordAccess(mind.gmid, recentIds.slice(0, 5), END + Math.abs(i))),
      putOne: await timed(n, () => catalog.put([entry], { replace: true })),
      put1000: await timed(5, () => catalog.put(thousand, { replace: true }), 1),
    };
    // Another way to the same top 10 for a user: the 200 nearest as ids and distances only, the user
    // filter applied on their catalogue rows, then the 10 best read from Chroma by id.
    const sqlGet200: number[] = [];
    catalogFiltered = await timed(n, async (i) => {
      const email = USERS[Math.abs(i) % USERS.length]!;
      const found = await collection.query({
        queryEmbeddings: [vector(i)],
        nResults: 200,
        include: ['distances'] as never,
      });
      const t0 = performance.now();
      const rows = new Map((await catalog.get(mind.gmid, found.ids[0]!)).map((e) => [e.id, e]));
      if (i >= 0) sqlGet200.push(performance.now() - t0);
      const best = found.ids[0]!.filter((id) => {
        const row = rows.get(id);
        return (
          row?.state === 'stored' &&
          (row.userEmail === email || row.userEmail === null || row.relationshipContext === 'shared')
        );
      });
      await store.get(mind.gmid, best.slice(0, 10));
    });
    sql.get200 = latency(sqlGet200);
  } finally {
    await db.close();
  }
  return {
    embedOneQuery: embedOne,
    embedBatchOf1000: { ...embedBatch, memoriesPerSecond: Math.round(BATCH / (embedBatch.p50Ms / 1000)) },
    chromaQueryTop10WithUserFilter: chromaQueryFiltered,
    chromaQueryTop10Unfiltered: chromaQueryTop10,
    chromaQueryTop200Unfiltered: chromaQueryTop200,
    chromaQueryTop200WithoutDocuments: chromaTop200NoDocuments,
    chromaQueryTop200IdsAndDistancesOnly: chromaTop200IdsOnly,
    chromaQueryTop10WhereInsideChroma: chromaWhereInside,
    chromaQueryTopKUnfiltered: chromaTopK,
    chromaQueryTop3Unfiltered: chromaQueryTop3,
    chromaQueryTop1OfType: chromaQueryTyped,
    chromaUpdateOne,
    chromaGet20ById: chromaGet20,
    top10ForUserByIdsThenCatalogueThenGet: catalogFiltered,
    chromaAddOne,
    chromaAddBatchOf1000: chromaAddBatch,
    sql,
  };
}

// ---------------------------------------------------------------------------------------------
// One size

async function run(size: number) {
  const home = mkdtempSync(join(tmpdir(), 'genesis-bench-memories-'));
  const logger = new CountingLogger(`memories ${size}`);
  const genesis = await openGenesis({
    home,
    env: {},
    logger,
    ...(PROVIDER ? { embeddings: { provider: PROVIDER as GenesisConfig['embeddings']['provider'] } } : {}),
  });
  try {
    const provider = genesis.config.embeddings.provider;
    const mind = await genesis.createMind({ name: `Memories ${size}` });

    // First use: the provider (and its cache, if it has one) and the embedded Chroma server.
    const t = performance.now();
    await mind.memory.searchMemories({ query: 'first use', limit: 5 });
    const firstUseMs = Math.round(performance.now() - t);
    progress(`${fmt(size)} memories, provider ${provider}: first use (provider + Chroma start) ${fmt(firstUseMs)} ms`);

    // Bulk load.
    const r = generator(13);
    const started = performance.now();
    let nextReport = started + 10_000;
    for (let i = 0; i < size; i += BATCH) {
      const batch = Array.from({ length: Math.min(BATCH, size - i) }, (_, j) => memoryInput(r, i + j));
      await mind.memory.addMemories(batch, { dedup: false });
      if (performance.now() > nextReport) {
        nextReport += 10_000;
        const rate = (i + batch.length) / ((performance.now() - started) / 1000);
        progress(`  loaded ${fmt(i + batch.length)} / ${fmt(size)} (${fmt(rate)} memories/s)`);
      }
    }
    const loadSeconds = (performance.now() - started) / 1000;
    const rssNode = process.memoryUsage().rss;
    const pid = chromaPid(home);
    const rssChroma = pid === null ? null : rssOf(pid);
    const counted = await mind.memory.countMemories();
    if (counted !== size) throw new Error(`after the load, countMemories() = ${counted}, expected ${size}`);
    progress(`  loaded ${fmt(size)} in ${fmt(loadSeconds, 1)} s (${fmt(size / loadSeconds)} memories/s)`);

    // addMemory as a user calls it: near-duplicate check on, its own timestamp (now).
    const ra = generator(1313);
    const fresh: number[] = [];
    const mergedTimes: number[] = [];
    const timedAdds: Array<{ id: string; ms: number }> = [];
    let addsStarted = 0;
    const addMemory = await timed(SAMPLES, async (i) => {
      const input = memoryInput(ra, size + Math.abs(i), false);
      if (i === 0) addsStarted = performance.now();
      const t0 = performance.now();
      const memory = await mind.memory.addMemory(input);
      if (i >= 0) timedAdds.push({ id: memory.id, ms: performance.now() - t0 });
    });
    // The adds return before their embedding and near-duplicate check (write-behind): how long until
    // all of them are checked and searchable, and so the rate a Mind can keep up.
    const settleStarted = performance.now();
    await mind.memory.settle();
    const settleMs = performance.now() - settleStarted;
    const sustainedPerSecond = SAMPLES / ((performance.now() - addsStarted) / 1000);
    // A near-duplicate's id names the memory it was merged into once checked.
    for (const { id, ms } of timedAdds) ((await mind.memory.getMemory(id))?.id === id ? fresh : mergedTimes).push(ms);
    const merged = mergedTimes.length;
    progress(
      `  addMemory p50 ${addMemory.p50Ms} ms (${merged} of ${SAMPLES} merged into a near-duplicate); ` +
        `all checked and searchable ${fmt(settleMs)} ms after the last returned (${fmt(sustainedPerSecond)} adds/s sustained)`,
    );

    const rq = generator(7);
    const queries = Array.from({ length: SEARCHES + WARMUP }, () => queryFor(rq));
    let hits = 0;
    const searchMemories = await timed(SEARCHES, async (i) => {
      const found = await mind.memory.searchMemories({
        query: queries[i < 0 ? -1 - i : WARMUP + i]!,
        limit: 5,
        userEmail: USERS[Math.abs(i) % USERS.length]!,
      });
      if (i >= 0) hits += found.length;
    });
    progress(`  searchMemories p50 ${searchMemories.p50Ms} ms, p99 ${searchMemories.p99Ms} ms`);

    let recentIds: string[] = [];
    const getRecentMemories = await timed(SAMPLES, async () => {
      const recent = await mind.memory.getRecentMemories(20);
      if (recent.length !== 20) throw new Error(`getRecentMemories(20) returned ${recent.length}`);
      recentIds = recent.map((m) => m.id);
    });
    const countMemories = await timed(SAMPLES, (i) =>
      mind.memory.countMemories({ memoryType: TYPES[Math.abs(i) % TYPES.length]! }),
    );
    const getImportantMemories = await timed(SAMPLES, () => mind.memory.getImportantMemories(20));
    const pages: number[] = [];
    const walks = Math.max(1, Math.round(SAMPLES / LIST_PAGES));
    const listWalk = await timed(walks, async (w) => {
      let cursor: string | null = null;
      for (let p = 0; p < LIST_PAGES; p++) {
        const t0 = performance.now();
        const page: { items: unknown[]; nextCursor: string | null } = await mind.memory.listMemories({
          limit: LIST_LIMIT,
          cursor,
        });
        if (w >= 0) pages.push(performance.now() - t0);
        if (page.items.length !== LIST_LIMIT) throw new Error(`listMemories page ${p} had ${page.items.length} items`);
        cursor = page.nextCursor;
      }
    });
    progress(
      `  recent p50 ${getRecentMemories.p50Ms} ms, count p50 ${countMemories.p50Ms} ms, important p50 ${getImportantMemories.p50Ms} ms, list page p50 ${latency(pages).p50Ms} ms`,
    );

    const timeSplit = SPLIT ? await split(genesis, mind, queries, recentIds) : undefined;

    return {
      memories: size,
      embeddings: provider,
      database: 'SQLite',
      firstUseMs,
      bulkLoad: {
        batch: BATCH,
        seconds: round(loadSeconds),
        memoriesPerSecond: Math.round(size / loadSeconds),
        rssAfterLoadMB: { node: mb(rssNode), chroma: rssChroma === null ? null : mb(rssChroma) },
      },
      addMemory: {
        ...addMemory,
        added: latency(fresh),
        mergedIntoNearDuplicate: latency(mergedTimes),
        settleAfterLastMs: round(settleMs),
        sustainedPerSecond: Math.round(sustainedPerSecond),
      },
      searchMemories: { ...searchMemories, limit: 5, averageHits: round(hits / SEARCHES) },
      getRecentMemories,
      countMemories,
      getImportantMemories,
      listMemories: { limit: LIST_LIMIT, page: latency(pages), walkOf10Pages: listWalk },
      ...(timeSplit ? { split: timeSplit } : {}),
      warnings: logger.warnings,
      errors: logger.errors,
    };
  } finally {
    await genesis.close();
    rmSync(home, { recursive: true, force: true });
  }
}

type Result = Awaited<ReturnType<typeof run>>;

const verdict = (value: number, target: number | undefined) =>
  target === undefined ? '' : value <= target ? 'PASS' : 'FAIL';

function table(results: Result[]) {
  const rows: Array<Record<string, string>> = [];
  for (const r of results) {
    const line = (operation: string, l: Latency, target?: { p50: number; p99?: number }) =>
      rows.push({
        memories: fmt(r.memories),
        operation,
        samples: String(l.samples),
        'p50 ms': `${l.p50Ms}${target ? ` (≤ ${target.p50} ${verdict(l.p50Ms, target.p50)})` : ''}`,
        'p99 ms': `${l.p99Ms}${target?.p99 ? ` (≤ ${target.p99} ${verdict(l.p99Ms, target.p99)})` : ''}`,
      });
    rows.push({
      memories: fmt(r.memories),
      operation: `bulk load (${r.embeddings})`,
      samples: '',
      'p50 ms': `${fmt(r.bulkLoad.memoriesPerSecond)} memories/s`,
      'p99 ms': `RSS node ${r.bulkLoad.rssAfterLoadMB.node} MB, chroma ${r.bulkLoad.rssAfterLoadMB.chroma ?? '?'} MB`,
    });
    line('addMemory (dedup on)', r.addMemory, TARGETS.addMemory);
    line('  of which added', r.addMemory.added);
    line('  of which merged (near-dup)', r.addMemory.mergedIntoNearDuplicate);
    rows.push({
      memories: fmt(r.memories),
      operation: '  then all checked, searchable',
      samples: '',
      'p50 ms': `${fmt(r.addMemory.settleAfterLastMs)} ms after the last add`,
      'p99 ms': `${fmt(r.addMemory.sustainedPerSecond)} adds/s sustained`,
    });
    line('searchMemories top 5, user', r.searchMemories, TARGETS.searchMemories);
    line('getRecentMemories(20)', r.getRecentMemories, TARGETS.getRecentMemories);
    line('countMemories({ memoryType })', r.countMemories, TARGETS.countMemories);
    line('getImportantMemories(20)', r.getImportantMemories);
    line('listMemories(50), per page', r.listMemories.page);
    line('listMemories(50), 10 pages', r.listMemories.walkOf10Pages);
    if (r.split) {
      const x = r.split;
      line('· embed one query', x.embedOneQuery);
      line('· embed 1000 texts', x.embedBatchOf1000);
      line('· chroma top 10, user filter', x.chromaQueryTop10WithUserFilter);
      line('·   chroma top 10', x.chromaQueryTop10Unfiltered);
      line('·   chroma top 200 (wide fetch)', x.chromaQueryTop200Unfiltered);
      line('·   chroma top 200, no documents', x.chromaQueryTop200WithoutDocuments);
      line('·   chroma top 200, ids + distances', x.chromaQueryTop200IdsAndDistancesOnly);
      line('·   chroma top 10, where inside', x.chromaQueryTop10WhereInsideChroma);
      for (const [k, l] of Object.entries(x.chromaQueryTopKUnfiltered)) line(`·   chroma ${k}`, l);
      line('· chroma top 3 (dedup check)', x.chromaQueryTop3Unfiltered);
      line('· chroma top 1 of a type (dedup)', x.chromaQueryTop1OfType);
      line('· chroma get 20 by id', x.chromaGet20ById);
      line('· alt: ids → sql filter → get 10', x.top10ForUserByIdsThenCatalogueThenGet);
      line('· chroma add one', x.chromaAddOne);
      line('· chroma add 1000', x.chromaAddBatchOf1000);
      line('· chroma update one (merge)', x.chromaUpdateOne);
      for (const [name, l] of Object.entries(x.sql)) line(`· sql ${name}`, l);
    }
  }
  console.table(rows);
}

async function main() {
  progress(
    `memory tier through the SDK: sizes ${SIZES.map((s) => fmt(s)).join(', ')}, embeddings ${PROVIDER ?? '(configuration default)'}`,
  );
  const results: Result[] = [];
  for (const size of SIZES) {
    const result = await run(size);
    console.log(JSON.stringify(result, null, 2));
    results.push(result);
  }
  table(results);
}

main().catch((error: unknown) => {
  process.stderr.write(`memories bench failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
