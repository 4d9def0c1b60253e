/**
 * Benchmark of the memory catalogue: loads BENCH_CATALOG_MIND memories of one Mind (default
 * 100,000) plus BENCH_CATALOG_OTHERS of 9 other Minds (default 0; 900,000 makes a million rows), then
 * times the hot paths one call after the other: recent(20) (first page and a deep page), count by
 * type, count of all, important(20), recordAccess of 5 ids, and a write as the memory tier does it
 * (put 1 pending, then setState stored). Prints p50/p99 per operation.
 *
 *   node dist-bench/bench/memory-catalog.bench.js                       # SQLite in a temp dir
 *   GENESIS_DATABASE_URL=postgres://… node dist-bench/bench/memory-catalog.bench.js   # an empty PG database
 */
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CatalogEntry, CatalogState } from '@genesis/mind-core';
import { MemoryCatalogRepository, SqlDatabase } from '../src';

const MIND_ROWS = Number(process.env.BENCH_CATALOG_MIND ?? 100_000);
const OTHER_ROWS = Number(process.env.BENCH_CATALOG_OTHERS ?? 0);
const RUNS = Number(process.env.BENCH_CATALOG_RUNS ?? 2000);
const BATCH = 5000;
const MIND = 'GMD-2026-BE00-0000';
const TYPES = ['episodic', 'semantic', 'procedural', 'prospective', 'working'];
const T0 = Date.UTC(2024, 0, 1);

/** A deterministic pseudo-random source (the same fields on every run). */
function random(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
}
const rand = random(42);

function memory(mindId: string, i: number, state: CatalogState = 'stored'): CatalogEntry {
  const r = rand();
  return {
    // Random ids, as the memory tier makes them (UUIDv4): the primary key takes them out of order.
    id: randomUUID(),
    mindId,
    memoryType: TYPES[Math.floor(rand() * TYPES.length)]!,
    importance: Math.round(rand() * 100) / 100,
    userEmail: r < 0.2 ? null : `user${Math.floor(r * 4)}@example.com`,
    relationshipContext: r < 0.2 ? 'generic' : 'personal',
    environmentId: rand() < 0.1 ? `env-${Math.floor(rand() * 5)}` : null,
    // Mostly in order, sometimes out of it (imported or back-dated memories), with ties.
    createdAt: T0 + i * 1000 - (rand() < 0.05 ? Math.floor(rand() * 3_600_000) : 0),
    lastAccessedAt: null,
    accessCount: 0,
    state,
  };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function timed(runs: number, fn: (i: number) => Promise<unknown>) {
  for (let i = 0; i < Math.min(100, runs); i++) await fn(i); // warm-up
  const t: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    await fn(i);
    t.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  t.sort((a, b) => a - b);
  return { runs, p50Ms: +percentile(t, 50).toFixed(3), p99Ms: +percentile(t, 99).toFixed(3) };
}

async function load(catalog: MemoryCatalogRepository, mindId: string, rows: number, ids?: string[]) {
  for (let i = 0; i < rows; i += BATCH) {
    const batch = Array.from({ length: Math.min(BATCH, rows - i) }, (_, j) => memory(mindId, i + j));
    await catalog.put(batch);
    if (ids) for (const e of batch) ids.push(e.id);
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'genesis-bench-'));
  const file = join(dir, 'genesis.db');
  const url = process.env.GENESIS_DATABASE_URL || file;
  const { db } = await SqlDatabase.openMigrated({ url });
  const catalog = new MemoryCatalogRepository(db);
  try {
    const ids: string[] = [];
    const loadStart = process.hrtime.bigint();
    // The other Minds' rows interleaved with ours, as a home with many Minds writes them.
    const others = Array.from({ length: 9 }, (_, k) => `GMD-2026-BE00-${String(k + 1).padStart(4, '0')}`);
    await load(catalog, MIND, MIND_ROWS, ids);
    for (const other of others) await load(catalog, other, Math.floor(OTHER_ROWS / others.length));
    const loadSeconds = Number(process.hrtime.bigint() - loadStart) / 1e9;

    const deep = (await catalog.recent(MIND, { limit: 1000 })).at(-1)!;
    const pick = random(7);
    const five = () => Array.from({ length: 5 }, () => ids[Math.floor(pick() * ids.length)]!);
    let n = 0;
    const result = {
      database: db.dialect,
      rowsOfMind: MIND_ROWS,
      rowsTotal: MIND_ROWS + Math.floor(OTHER_ROWS / 9) * 9,
      loadRowsPerSecond: Math.round((MIND_ROWS + OTHER_ROWS) / loadSeconds),
      ...(db.dialect === 'sqlite' ? { fileMB: +(statSync(file).size / 2 ** 20).toFixed(1) } : {}),
      recent20: await timed(RUNS, () => catalog.recent(MIND, { limit: 20 })),
      recent20AfterCursor: await timed(RUNS, () =>
        catalog.recent(MIND, { limit: 20, after: { createdAt: deep.createdAt, id: deep.id } }),
      ),
      recent20OfType: await timed(RUNS, () => catalog.recent(MIND, { limit: 20, filter: { memoryType: 'semantic' } })),
      countOfType: await timed(RUNS, (i) => catalog.count(MIND, { memoryType: TYPES[i % TYPES.length]! })),
      countOfUser: await timed(RUNS, (i) => catalog.count(MIND, { userEmail: `user${i % 4}@example.com` })),
      countAll: await timed(RUNS, () => catalog.count(MIND)),
      important20: await timed(RUNS, () => catalog.important(MIND, 20)),
      recordAccess5: await timed(RUNS, () => catalog.recordAccess(MIND, five(), Date.now())),
      putPendingThenStored: await timed(Math.min(RUNS, 1000), async () => {
        const e = memory(MIND, MIND_ROWS + n++, 'pending');
        await catalog.put([e]);
        await catalog.setState(MIND, [e.id], 'stored');
      }),
    };
    console.log(JSON.stringify(result, null, 2));
  } finally {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
