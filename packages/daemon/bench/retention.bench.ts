/**
 * Benchmark of retention: one Mind with 1,000,000 messages (bulk-inserted through
 * `mind.conversation.addMessages`, i.e. the message store's multi-row INSERTs), then
 * `genesis.retention.apply` with the default policy (365 days, newest 100,000 kept, archived to
 * gzip JSONL first) while a concurrent loop adds a message through `mind.conversation.addMessage`
 * every few ms. Reports the retention throughput and the addMessage latency during the run
 * (p50 / p99 / max; the target is never blocked over 50 ms), against two idle baselines (the same
 * writer alone): a short one just before, and one as long as the run just after it, so a stall of
 * the machine (a slow fsync, another program's burst) shows there too. On PostgreSQL also the WAL
 * written during each phase (MB, average and peak MB/s, full-page images, checkpoints started).
 *
 *   pnpm bench                                    # SQLite, and PostgreSQL at postgres://postgres@127.0.0.1:5432/test
 *   BENCH_RETENTION_MESSAGES=100000 BENCH_RETENTION_KEEP=10000 node dist-bench/bench/retention.bench.js
 *
 * Options: BENCH_DATABASES=sqlite,postgres  BENCH_POSTGRES_URL=postgres://…
 * BENCH_RETENTION_MESSAGES=1000000  BENCH_RETENTION_KEEP=100000  BENCH_RETENTION_BATCH=250
 * BENCH_ADD_EVERY_MS=5  BENCH_BASELINE_MS=3000
 * BENCH_PG_WAL_MBPS=4 (or off): the WAL budget of PostgreSQL's deletes for the run; unset: Genesis's default.
 * BENCH_PG_CHECKPOINT_AT_MS=10000: an immediate CHECKPOINT that long into the run.
 * BENCH_PG_LOG_MS=20: the server logs the bench database's statements slower than that, and the bench
 * lists its event-loop stalls, so each slow addMessage (listed with its start) can be told apart as
 * the server's (a slow statement at that time, e.g. a COMMIT waiting for its WAL flush) or this
 * process's (the event loop not running).
 */
import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance, PerformanceObserver } from 'node:perf_hooks';
import type { Mind } from '@genesis/mind-core';
import { openGenesis, type Genesis } from '../src';
import { CountingLogger } from './support';
import { DEFAULT_POSTGRES, freshPostgresDatabase, percentile, pgClient, numberFrom } from './common';

const MESSAGES = numberFrom('BENCH_RETENTION_MESSAGES', 1_000_000);
const KEEP = numberFrom('BENCH_RETENTION_KEEP', 100_000);
const BATCH = numberFrom('BENCH_RETENTION_BATCH', 250);
const ADD_EVERY_MS = numberFrom('BENCH_ADD_EVERY_MS', 5);
const BASELINE_MS = numberFrom('BENCH_BASELINE_MS', 3000);
const INSERT_CHUNK = 10_000;
const DATABASES = (process.env.BENCH_DATABASES || 'sqlite,postgres').split(',').map((d) => d.trim());
const DAY = 86_400_000;
const PG_LOG_MS = process.env.BENCH_PG_LOG_MS ? numberFrom('BENCH_PG_LOG_MS', 20) : null;
/** PostgreSQL's WAL budget of the deletes, MB/s ('off': unpaced); unset: Genesis's default. */
const PG_WAL_MBPS = process.env.BENCH_PG_WAL_MBPS;
/**
 * PostgreSQL: a CHECKPOINT this many ms into the run (unset: none). In use a checkpoint may fall in
 * any run (every checkpoint_timeout, or each max_wal_size / 2 of WAL); this one is immediate, so
 * harsher than the spread ones the server starts itself.
 */
const PG_CHECKPOINT_AT_MS = process.env.BENCH_PG_CHECKPOINT_AT_MS
  ? numberFrom('BENCH_PG_CHECKPOINT_AT_MS', 10_000)
  : null;

const progress = (line: string) => process.stderr.write(`${line}\n`);
const fmt = (n: number, digits = 1) => n.toLocaleString('en-US', { maximumFractionDigits: digits });

/** A fresh PostgreSQL database next to the one in the URL (dropped after), or why not. */
function postgresDatabase(): ReturnType<typeof freshPostgresDatabase> {
  return freshPostgresDatabase('retention', process.env.BENCH_POSTGRES_URL || DEFAULT_POSTGRES);
}

/** Calls slower than this are listed with their wall-clock start, to match against the server's log. */
const SLOW_MS = 40;

/**
 * What held this process up, for telling a slow addMessage's cause: the event loop's lateness (a
 * 5 ms timer firing late, each late tick with its time) and the garbage collector's pauses.
 */
function holdUps() {
  const late: Array<{ t: number; ms: number }> = [];
  const gc: Array<{ t: number; ms: number }> = [];
  let tick = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    if (now - tick - 5 > 2) late.push({ t: now, ms: now - tick - 5 });
    tick = now;
  }, 5);
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gc.push({ t: e.startTime, ms: e.duration });
  });
  observer.observe({ entryTypes: ['gc'] });
  return {
    stop() {
      clearInterval(timer);
      observer.disconnect();
    },
    /** The event-loop lateness and the GC time inside [from, to] (performance.now() times). */
    within(from: number, to: number): string {
      const lag = late.filter((l) => l.t - l.ms >= from - 1 && l.t <= to + 1).reduce((sum, l) => sum + l.ms, 0);
      const paused = gc.filter((g) => g.t >= from && g.t <= to).reduce((sum, g) => sum + g.ms, 0);
      return `event loop late ${Math.round(lag)} ms, GC ${Math.round(paused)} ms within it`;
    },
  };
}

/** Adds a message every ADD_EVERY_MS until stopped; returns each call's latency (ms) and the slow ones. */
function writerLoop(mind: Mind): {
  stop(): Promise<number[]>;
  slow: Array<{ at: string; ms: number; from: number; to: number }>;
} {
  const latencies: number[] = [];
  const slow: Array<{ at: string; ms: number; from: number; to: number }> = [];
  let running = true;
  const done = (async () => {
    let n = 0;
    while (running) {
      const at = new Date();
      const started = performance.now();
      await mind.conversation.addMessage({ role: 'user', content: `live ${n++}`, userEmail: 'ann@example.com' });
      const ms = performance.now() - started;
      latencies.push(ms);
      if (ms > SLOW_MS) slow.push({ at: at.toISOString(), ms: Math.round(ms), from: started, to: started + ms });
      await new Promise((r) => setTimeout(r, ADD_EVERY_MS));
    }
  })();
  return {
    slow,
    async stop() {
      running = false;
      await done;
      return latencies;
    },
  };
}

function latencyLine(label: string, latencies: number[]): Record<string, string> {
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    phase: label,
    calls: fmt(sorted.length, 0),
    'p50 ms': fmt(percentile(sorted, 50), 2),
    'p99 ms': fmt(percentile(sorted, 99), 2),
    'max ms': fmt(sorted[sorted.length - 1] ?? 0, 2),
    'over 50 ms': fmt(sorted.filter((l) => l > 50).length, 0),
  };
}

/** PostgreSQL's WAL counters (pg_stat_wal, pg_stat_bgwriter) at one moment. */
interface WalSnapshot {
  lsn: bigint;
  records: number;
  fpi: number;
  bytes: number;
  checkpointsTimed: number;
  checkpointsRequested: number;
}

type QueryClient = ReturnType<typeof pgClient>;
const rowsOf = async (client: QueryClient, sql: string) =>
  ((await client.query(sql)) as { rows: Array<Record<string, unknown>> }).rows;

/** Parses an LSN ('16/B374D848') as a byte position. */
const lsnBytes = (lsn: unknown): bigint => {
  const [hi, lo] = String(lsn).split('/');
  return (BigInt(`0x${hi}`) << 32n) + BigInt(`0x${lo}`);
};

async function walSnapshot(client: QueryClient): Promise<WalSnapshot> {
  const rows = await rowsOf(
    client,
    'SELECT pg_current_wal_lsn() AS lsn, w.wal_records, w.wal_fpi, w.wal_bytes, b.checkpoints_timed, b.checkpoints_req ' +
      'FROM pg_stat_wal w, pg_stat_bgwriter b',
  );
  const r = rows[0]!;
  return {
    lsn: lsnBytes(r.lsn),
    records: Number(r.wal_records),
    fpi: Number(r.wal_fpi),
    bytes: Number(r.wal_bytes),
    checkpointsTimed: Number(r.checkpoints_timed),
    checkpointsRequested: Number(r.checkpoints_req),
  };
}

/**
 * Samples the server's WAL position every 250 ms during a phase: the WAL it wrote, its peak rate
 * over any one second, the full-page images among it and the checkpoints that started.
 */
async function walWatch(databaseUrl: string) {
  const client = pgClient(databaseUrl);
  await client.connect();
  const first = await walSnapshot(client);
  const samples: Array<{ t: number; lsn: bigint }> = [{ t: performance.now(), lsn: first.lsn }];
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    rowsOf(client, 'SELECT pg_current_wal_lsn() AS lsn')
      .then((rows) => samples.push({ t: performance.now(), lsn: lsnBytes(rows[0]!.lsn) }))
      .catch(() => undefined)
      .finally(() => (busy = false));
  }, 250);
  return {
    async stop(): Promise<Record<string, string>> {
      clearInterval(timer);
      while (busy) await new Promise((r) => setTimeout(r, 5));
      const last = await walSnapshot(client);
      await client.end();
      samples.push({ t: performance.now(), lsn: last.lsn });
      let peak = 0;
      for (let i = 0, j = 0; i < samples.length; i++) {
        while (samples[i]!.t - samples[j]!.t > 1000) j++;
        const span = samples[i]!.t - samples[j]!.t;
        if (span >= 900) peak = Math.max(peak, Number(samples[i]!.lsn - samples[j]!.lsn) / span / 1000);
      }
      const seconds = (samples[samples.length - 1]!.t - samples[0]!.t) / 1000;
      const mb = Number(last.lsn - first.lsn) / 1e6;
      return {
        'WAL MB': fmt(mb),
        'WAL MB/s': fmt(mb / seconds),
        'peak MB/s (1 s)': fmt(peak),
        'full pages': fmt(last.fpi - first.fpi, 0),
        'WAL records': fmt(last.records - first.records, 0),
        'checkpoints (time/req)': `${last.checkpointsTimed - first.checkpointsTimed}/${last.checkpointsRequested - first.checkpointsRequested}`,
      };
    },
  };
}

/** CHECKPOINT (needs superuser or pg_checkpoint): what was written so far is on disk, its WAL recyclable. */
async function checkpoint(databaseUrl: string, backend: string, sync = true): Promise<void> {
  const client = pgClient(databaseUrl);
  await client.connect();
  try {
    await client.query('CHECKPOINT');
  } catch (error) {
    progress(
      `[${backend}] CHECKPOINT refused (${(error as Error).message}): earlier writes may be written out meanwhile`,
    );
  } finally {
    await client.end();
  }
  if (!sync) return;
  // And the kernel's dirty pages (the load's table files, written by the checkpoint but maybe not
  // yet on the disk): their writeback would otherwise compete with every COMMIT's WAL flush.
  const started = performance.now();
  try {
    execFileSync('sync');
  } catch {
    // not there (not Linux, say): the run may then share the disk with that writeback
  }
  progress(`[${backend}] CHECKPOINT and sync done (sync ${fmt(performance.now() - started, 0)} ms)`);
}

async function run(backend: 'SQLite' | 'PostgreSQL', databaseUrl: string | undefined) {
  const home = mkdtempSync(join(tmpdir(), 'genesis-bench-retention-'));
  const logger = new CountingLogger(backend);
  if (databaseUrl && PG_LOG_MS !== null) {
    // Before any connection is opened: the setting applies to the sessions that start after it.
    const client = pgClient(databaseUrl);
    await client.connect();
    const name = new URL(databaseUrl).pathname.slice(1);
    await client.query(`ALTER DATABASE ${name} SET log_min_duration_statement = ${Math.round(PG_LOG_MS)}`);
    await client.end();
  }
  const genesis: Genesis = await openGenesis({
    home,
    env: { GENESIS_EMBEDDINGS: 'hash' },
    logger,
    ...(databaseUrl ? { databaseUrl } : {}),
    retention: { messages: { maxAgeDays: 365, maxPerMind: KEEP, archive: true }, batchSize: BATCH },
  });
  try {
    const mind = await genesis.createMind({ name: 'Chatty' });
    // Messages over two years, oldest first: retention removes all but the newest KEEP.
    const now = Date.now();
    const step = Math.max(1, Math.floor((730 * DAY) / MESSAGES));
    let started = performance.now();
    for (let i = 0; i < MESSAGES; i += INSERT_CHUNK) {
      const n = Math.min(INSERT_CHUNK, MESSAGES - i);
      await mind.conversation.addMessages(
        Array.from({ length: n }, (_, j) => ({
          role: (j % 2 ? 'assistant' : 'user') as 'user' | 'assistant',
          content: `message ${i + j}: the quick brown fox jumps over the lazy dog`,
          userEmail: 'ann@example.com',
          createdAt: now - (MESSAGES - (i + j)) * step - 60_000,
        })),
      );
      if ((i / INSERT_CHUNK) % 20 === 0) progress(`[${backend}] inserted ${fmt(i + n, 0)} / ${fmt(MESSAGES, 0)}`);
    }
    const insertSeconds = (performance.now() - started) / 1000;
    progress(`[${backend}] inserted ${fmt(MESSAGES, 0)} messages in ${fmt(insertSeconds)} s`);
    if (databaseUrl) {
      // As autovacuum would after a bulk load (the test server runs without it): without planner
      // statistics PostgreSQL sorts the whole range for each batch instead of walking the index.
      const client = pgClient(databaseUrl);
      await client.connect();
      await client.query('ANALYZE conversation_messages');
      // Retention deletes messages written long ago, already on disk. Here they were written just
      // now: the load's ≈ 500 MB of WAL starts a spread checkpoint that would still be running
      // during the run, its WAL segments not yet recycled, so a COMMIT (the concurrent addMessage's
      // too) could have to wait for a new 16 MB segment to be zero-filled, or behind the load's
      // writeback. Measured: without this, runs created up to 13 new segments each (the densest
      // stalls); with it, none in 5 runs.
      await client.end();
      await checkpoint(databaseUrl, backend);
    }

    // Baseline: the same writer loop with nothing else running.
    const baselineWriter = writerLoop(mind);
    await new Promise((r) => setTimeout(r, BASELINE_MS));
    const baseline = await baselineWriter.stop();

    const dry = await genesis.retention.apply({ gmid: mind.gmid, dryRun: true });
    const runWal = databaseUrl ? await walWatch(databaseUrl) : null;
    const held = holdUps();
    const writer = writerLoop(mind);
    // Event-loop stalls with their time (a 10 ms timer firing over SLOW_MS late).
    const stalls: string[] = [];
    let tick = performance.now();
    const ticker = setInterval(() => {
      const now = performance.now();
      if (now - tick - 10 > SLOW_MS)
        stalls.push(`${Math.round(now - tick - 10)} ms, ending at ${new Date().toISOString()}`);
      tick = now;
    }, 10);
    const loop = monitorEventLoopDelay({ resolution: 5 });
    loop.enable();
    started = performance.now();
    const runFrom = new Date().toISOString();
    const midRunCheckpoint =
      databaseUrl && PG_CHECKPOINT_AT_MS !== null
        ? setTimeout(() => {
            progress(`[${backend}] CHECKPOINT during the run, at ${new Date().toISOString()}`);
            void checkpoint(databaseUrl, backend, false);
          }, PG_CHECKPOINT_AT_MS)
        : null;
    const result = await genesis.retention.apply({
      gmid: mind.gmid,
      ...(PG_WAL_MBPS
        ? { walBytesPerSecond: PG_WAL_MBPS === 'off' ? null : numberFrom('BENCH_PG_WAL_MBPS', 4) * 1024 * 1024 }
        : {}),
    });
    const runSeconds = (performance.now() - started) / 1000;
    if (midRunCheckpoint) clearTimeout(midRunCheckpoint);
    progress(`[${backend}] retention ran from ${runFrom} to ${new Date().toISOString()}`);
    loop.disable();
    clearInterval(ticker);
    if (PG_LOG_MS !== null) for (const s of stalls) progress(`[${backend}] event loop stalled ${s}`);
    const during = await writer.stop();
    held.stop();
    const runWalLine = await runWal?.stop();

    // The idle baseline again, as long as the run took: a stall of the machine (a slow fsync of
    // its disk) shows here too, and then is not retention's. After a CHECKPOINT on PostgreSQL, as
    // before the run, so the run's dirty pages are not written out during it.
    if (databaseUrl) await checkpoint(databaseUrl, backend);
    const idleWal = databaseUrl ? await walWatch(databaseUrl) : null;
    const idleHeld = holdUps();
    const idleWriter = writerLoop(mind);
    const idleFrom = new Date().toISOString();
    await new Promise((r) => setTimeout(r, runSeconds * 1000));
    const idle = await idleWriter.stop();
    idleHeld.stop();
    const idleWalLine = await idleWal?.stop();
    progress(`[${backend}] idle baseline ran from ${idleFrom} to ${new Date().toISOString()}`);

    const report = result.minds[0]!;
    if ('error' in report) throw new Error(report.error.message);
    const left = await mind.conversation.countMessages();
    const archiveDir = join(home, 'archive', mind.gmid);
    const files = readdirSync(archiveDir).filter((n) => n.endsWith('.jsonl.gz'));
    const archiveBytes = files.reduce((sum, n) => sum + statSync(join(archiveDir, n)).size, 0);
    const wouldRemove = 'error' in dry.minds[0]! ? -1 : dry.minds[0]!.messages.removed;

    progress(
      `\n[${backend}] retention over ${fmt(MESSAGES, 0)} messages (keep ${fmt(KEEP, 0)}, batch ${BATCH}${
        databaseUrl
          ? `, WAL budget ${PG_WAL_MBPS ?? 'default'}${PG_WAL_MBPS && PG_WAL_MBPS !== 'off' ? ' MiB/s' : ''}`
          : ''
      })`,
    );
    console.table([
      {
        backend,
        messages: fmt(MESSAGES, 0),
        'insert msg/s': fmt(MESSAGES / insertSeconds, 0),
        'dry run said': fmt(wouldRemove, 0),
        removed: fmt(report.messages.removed, 0),
        archived: fmt(report.messages.archived, 0),
        files: files.length,
        'archive MB': fmt(archiveBytes / 1e6),
        'run s': fmt(runSeconds),
        'removed msg/s': fmt(report.messages.removed / runSeconds, 0),
        left: fmt(left, 0),
      },
    ]);
    console.table([
      latencyLine(`addMessage, idle ${fmt(BASELINE_MS / 1000)} s before`, baseline),
      latencyLine('addMessage, during retention', during),
      latencyLine(`addMessage, idle ${fmt(runSeconds)} s after`, idle),
    ]);
    if (runWalLine && idleWalLine)
      console.table([
        { phase: 'during retention', ...runWalLine },
        { phase: 'idle after', ...idleWalLine },
      ]);
    for (const s of writer.slow)
      progress(`[${backend}] addMessage took ${s.ms} ms, started at ${s.at} (${held.within(s.from, s.to)})`);
    for (const s of idleWriter.slow)
      progress(`[${backend}] idle: addMessage took ${s.ms} ms, started at ${s.at} (${idleHeld.within(s.from, s.to)})`);
    progress(
      `[${backend}] event-loop delay during the run: p99 ${fmt(loop.percentile(99) / 1e6, 2)} ms, max ${fmt(loop.max / 1e6, 2)} ms`,
    );
    // Every message is either still there or in the archive, once.
    const total = MESSAGES + baseline.length + during.length + idle.length;
    if (left + report.messages.archived !== total)
      progress(
        `[${backend}] WARNING: ${fmt(left, 0)} left + ${fmt(report.messages.archived, 0)} archived != ${fmt(total, 0)}`,
      );
    if (logger.warnings + logger.errors > 0)
      progress(`[${backend}] ${logger.warnings} warnings, ${logger.errors} errors`);
  } finally {
    await genesis.close();
    rmSync(home, { recursive: true, force: true });
  }
}

async function main() {
  progress(
    `Retention benchmark: ${fmt(MESSAGES, 0)} messages, keep ${fmt(KEEP, 0)}, batch ${BATCH}, addMessage every ${ADD_EVERY_MS} ms`,
  );
  if (DATABASES.includes('sqlite')) await run('SQLite', undefined);
  if (DATABASES.includes('postgres')) {
    const pg = await postgresDatabase();
    if ('skipped' in pg) progress(pg.skipped);
    else
      try {
        await run('PostgreSQL', pg.url);
      } finally {
        await pg.drop();
      }
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`retention bench failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
