/**
 * Benchmark of the SDK's `mind.conversation.addMessage`, one message per call, from 1 caller and
 * from 32 concurrent callers (each awaiting its call before the next), on SQLite (a temp home) and
 * on PostgreSQL. Two kinds of message: a plain one (an assistant reply: one INSERT) and one from a
 * user (`userEmail`: the message and the user's interaction in one unit of work). Reports
 * messages/s and each call's latency (p50 / p99 / max), then reads every message back: each one
 * must be there exactly once. On SQLite the SQL tier's group commit gathers the writes of
 * concurrent callers into shared transactions (the target: ≥ 10,000 messages/s from 32 callers).
 *
 *   pnpm bench
 *   BENCH_DATABASES=sqlite node dist-bench/bench/messages.bench.js
 *
 * Options: BENCH_DATABASES=sqlite,postgres  BENCH_POSTGRES_URL=postgres://…
 * BENCH_MESSAGES_ONE=3000 (messages from the lone caller)  BENCH_MESSAGES_MANY=32000 (from the
 * concurrent callers, in all)  BENCH_CALLERS=32  BENCH_KINDS=plain,user
 */
import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { AddMessageInput, Mind } from '@genesis/mind-core';
import { openGenesis, type Genesis } from '../src';
import { CountingLogger } from './support';
import { DEFAULT_POSTGRES, freshPostgresDatabase, percentile } from './common';

const numberFrom = (name: string, fallback: number) => {
  const value = Number(process.env[name] || fallback);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer`);
  return value;
};
const ONE = numberFrom('BENCH_MESSAGES_ONE', 3000);
const MANY = numberFrom('BENCH_MESSAGES_MANY', 32_000);
const CALLERS = numberFrom('BENCH_CALLERS', 32);
const WARMUP = 500;
const KINDS = (process.env.BENCH_KINDS || 'plain,user').split(',').map((k) => k.trim()) as Kind[];
const DATABASES = (process.env.BENCH_DATABASES || 'sqlite,postgres').split(',').map((d) => d.trim());

type Kind = 'plain' | 'user';

const progress = (line: string) => process.stderr.write(`${line}\n`);
const fmt = (n: number, digits = 1) => n.toLocaleString('en-US', { maximumFractionDigits: digits });

/** A fresh PostgreSQL database next to the one in the URL (dropped after), or why not. */
function postgresDatabase(): ReturnType<typeof freshPostgresDatabase> {
  return freshPostgresDatabase('messages', process.env.BENCH_POSTGRES_URL || DEFAULT_POSTGRES);
}

const message = (kind: Kind, content: string): AddMessageInput =>
  kind === 'user'
    ? { role: 'user', content, userEmail: `user${content.length % 7}@example.com` }
    : { role: 'assistant', content };

/** `total` messages from `callers` loops, each awaiting its call; every call's latency (ms). */
async function addFrom(mind: Mind, kind: Kind, callers: number, total: number, tag: string) {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: callers }, async () => {
      for (let i = next++; i < total; i = next++) {
        const t = performance.now();
        await mind.conversation.addMessage(message(kind, `${tag} ${i}`));
        latencies.push(performance.now() - t);
      }
    }),
  );
  return { seconds: (performance.now() - started) / 1000, latencies };
}

/** Every message of the Mind, read back page by page: how many carry `tag`, and how many of those twice or more. */
async function readBack(mind: Mind, tag: string): Promise<{ found: number; duplicated: number }> {
  const seen = new Map<string, number>();
  let cursor: string | null = null;
  do {
    const page = await mind.conversation.listMessages({ limit: 1000, cursor });
    for (const m of page.items)
      if (m.content.startsWith(`${tag} `)) seen.set(m.content, (seen.get(m.content) ?? 0) + 1);
    cursor = page.nextCursor;
  } while (cursor);
  let duplicated = 0;
  for (const n of seen.values()) if (n > 1) duplicated++;
  return { found: seen.size, duplicated };
}

async function run(backend: 'SQLite' | 'PostgreSQL', databaseUrl: string | undefined) {
  const home = mkdtempSync(join(tmpdir(), 'genesis-bench-messages-'));
  const logger = new CountingLogger(backend);
  const genesis: Genesis = await openGenesis({
    home,
    env: { GENESIS_EMBEDDINGS: 'hash' },
    logger,
    ...(databaseUrl ? { databaseUrl } : {}),
  });
  const rows: Array<Record<string, string>> = [];
  const problems: string[] = [];
  try {
    for (const kind of KINDS) {
      for (const callers of [1, CALLERS]) {
        const mind = await genesis.createMind({ name: `Chatty ${kind} ${callers}` });
        await addFrom(mind, kind, callers, WARMUP, 'warmup');
        const total = callers === 1 ? ONE : MANY;
        const tag = `${kind}-${callers}`;
        const { seconds, latencies } = await addFrom(mind, kind, callers, total, tag);
        const back = await readBack(mind, tag);
        if (back.found !== total || back.duplicated > 0)
          problems.push(
            `${backend} ${tag}: ${back.found} of ${total} messages found, ${back.duplicated} of them more than once`,
          );
        const sorted = latencies.sort((a, b) => a - b);
        rows.push({
          backend,
          message: kind === 'user' ? 'from a user (unit of work)' : 'plain',
          callers: String(callers),
          messages: fmt(total, 0),
          'msg/s': fmt(total / seconds, 0),
          'p50 ms': fmt(percentile(sorted, 50), 2),
          'p99 ms': fmt(percentile(sorted, 99), 2),
          'max ms': fmt(sorted[sorted.length - 1] ?? 0, 2),
          'each once': back.found === total && back.duplicated === 0 ? 'yes' : 'NO',
        });
        progress(`[${backend}] ${tag}: ${fmt(total / seconds, 0)} msg/s`);
      }
    }
    console.table(rows);
    for (const p of problems) progress(`WARNING: ${p}`);
    if (logger.warnings + logger.errors > 0)
      progress(`[${backend}] ${logger.warnings} warnings, ${logger.errors} errors`);
  } finally {
    await genesis.close();
    rmSync(home, { recursive: true, force: true });
  }
  return problems.length;
}

async function main() {
  progress(
    `addMessage benchmark: ${fmt(ONE, 0)} messages from 1 caller, ${fmt(MANY, 0)} from ${CALLERS} concurrent callers (${KINDS.join(', ')})`,
  );
  let problems = 0;
  if (DATABASES.includes('sqlite')) problems += await run('SQLite', undefined);
  if (DATABASES.includes('postgres')) {
    const pg = await postgresDatabase();
    if ('skipped' in pg) progress(pg.skipped);
    else
      try {
        problems += await run('PostgreSQL', pg.url);
      } finally {
        await pg.drop();
      }
  }
  if (problems > 0) process.exitCode = 1;
}

main().catch((error: unknown) => {
  process.stderr.write(`messages bench failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
