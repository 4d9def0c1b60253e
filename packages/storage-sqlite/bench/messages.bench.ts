/**
 * Benchmark: insert 100,000 messages (10 minds, batches of 1,000), then read the newest 10 messages
 * of one mind 2,000 times. Prints rows/s for inserts and p50/p99 for reads.
 *
 *   pnpm bench                               # SQLite in a temp dir
 *   GENESIS_DATABASE_URL=postgres://… pnpm bench   # the same against PostgreSQL (tables must be empty)
 */
import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqlStorage } from '../src';

const TOTAL = Number(process.env.BENCH_MESSAGES ?? 100_000);
const BATCH = 1000;
const MINDS = 10;
const READS = 2000;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'genesis-bench-'));
  const url = process.env.GENESIS_DATABASE_URL || join(dir, 'genesis.db');
  const storage = await openSqlStorage({ url });
  try {
    const mindOf = (i: number) => `GMD-2026-BE00-${String(i % MINDS).padStart(4, '0')}`;
    const t0 = Date.now() - TOTAL;
    const startInsert = process.hrtime.bigint();
    for (let i = 0; i < TOTAL; i += BATCH) {
      await storage.messages.appendMany(
        Array.from({ length: Math.min(BATCH, TOTAL - i) }, (_, j) => ({
          mindId: mindOf(i + j),
          role: (i + j) % 2 ? ('assistant' as const) : ('user' as const),
          content: `message ${i + j}: ${'lorem ipsum '.repeat(8)}`,
          userEmail: `user${(i + j) % 50}@example.com`,
          createdAt: t0 + i + j,
        })),
      );
    }
    const insertSeconds = Number(process.hrtime.bigint() - startInsert) / 1e9;

    const singles = 1000;
    const startSingle = process.hrtime.bigint();
    for (let i = 0; i < singles; i++) {
      await storage.messages.append({ mindId: mindOf(i), role: 'user', content: `single ${i}` });
    }
    const singleSeconds = Number(process.hrtime.bigint() - startSingle) / 1e9;

    const mind = mindOf(3);
    for (let i = 0; i < 100; i++) await storage.messages.list({ mindId: mind, limit: 10 }); // warm-up
    const timings: number[] = [];
    let newest: string[] = [];
    for (let i = 0; i < READS; i++) {
      const start = process.hrtime.bigint();
      const page = await storage.messages.list({ mindId: mind, limit: 10 });
      timings.push(Number(process.hrtime.bigint() - start) / 1e6);
      newest = page.items.map((m) => m.content);
    }
    timings.sort((a, b) => a - b);
    if (newest.length !== 10) throw new Error(`expected 10 messages, got ${newest.length}`);

    const result = {
      database: storage.db.dialect,
      messages: TOTAL,
      batchedInsertRowsPerSecond: Math.round(TOTAL / insertSeconds),
      singleInsertRowsPerSecond: Math.round(singles / singleSeconds),
      readNewest10: {
        runs: READS,
        p50Ms: +percentile(timings, 50).toFixed(3),
        p99Ms: +percentile(timings, 99).toFixed(3),
        maxMs: +timings[timings.length - 1]!.toFixed(3),
      },
    };
    console.log(JSON.stringify(result, null, 2));
  } finally {
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
