/**
 * Benchmark of the durable task queue and the daemon that runs it, on SQLite (a temp home) and on
 * PostgreSQL, each phase on a fresh home and database:
 *
 * - enqueue: one at a time (`mind.tasks.enqueue`, 2,000) and batched (`enqueueMany` of 500, 50,000);
 * - claim + run + complete of no-op tasks through the real daemon: one process (20,000 tasks over
 *   4 Minds, concurrency 32; and 5,000 with the daemon's default limits) and three child
 *   processes, each a daemon on 2 other Minds of the same database (tasks/s from the start until
 *   every task is `succeeded` in the database);
 * - enqueue-to-start latency p50/p99 with an idle daemon in the same process (500 samples, from the
 *   enqueue call to the handler's start), and from another process (woken by the poll, or by a
 *   NOTIFY on PostgreSQL);
 * - an idle daemon's CPU % and RSS over 60 s, in a child process (defaults: all Minds, poll 1 s);
 * - RSS flatness of a daemon (child process) draining a long run (200,000 tasks), with the heap
 *   growth `genesis daemon start` sets and with V8's own.
 *
 *   pnpm bench                                   # SQLite, and PostgreSQL at postgres://postgres@127.0.0.1:5432/test
 *   BENCH_POSTGRES_URL=postgres://… pnpm bench   # (or GENESIS_DATABASE_URL) another PostgreSQL server
 *
 * On PostgreSQL each phase creates a database next to the one in the URL and drops it after; when
 * that is not allowed it uses the URL's database and removes the Minds (and their tasks) it made.
 * On PostgreSQL, the backlog of a drain is ANALYZEd before the daemon starts (as autovacuum would);
 * the "no ANALYZE" run shows the claim without planner statistics.
 *
 * Options: BENCH_DATABASES=sqlite,postgres  BENCH_PHASES=enqueue,drain,processes,latency,idle,long
 * BENCH_CLAIM_TASKS=20000  BENCH_IDLE_SECONDS=60  BENCH_LONG_TASKS=200000 (the 1000000 works
 * too)  BENCH_LONG_HEAP=daemon,v8 (the long run with the program's heap growth, with V8's own)
 * BENCH_CROSS_SAMPLES=20  BENCH_LATENCY_SAMPLES=500
 */
import 'reflect-metadata';
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { MIND_REGISTRY, type Mind, type TaskStatus } from '@genesis/mind-core';
import { composeGenesis, DAEMON_DEFAULTS, DAEMON_HEAP_GROWTH_PERCENT, openGenesis, resolveConfig } from '../src';
import type { Genesis } from '../src';
import { CountingLogger, type ChildArgs, type ChildMessage, type Sample } from './support';
import { pgClient, numberFrom } from './common';

const SINGLE_ENQUEUES = 2_000;
const BATCH = 500;
const BATCHED_ENQUEUES = 50_000;
const CLAIM_TASKS = numberFrom('BENCH_CLAIM_TASKS', 20_000);
const LATENCY_SAMPLES = numberFrom('BENCH_LATENCY_SAMPLES', 500);
const CROSS_SAMPLES = numberFrom('BENCH_CROSS_SAMPLES', 20);
const IDLE_SECONDS = numberFrom('BENCH_IDLE_SECONDS', 60);
const LONG_TASKS = numberFrom('BENCH_LONG_TASKS', 200_000);
/** The long runs: `daemon` (the heap growth `genesis daemon start` sets) and `v8` (V8's own). */
const LONG_HEAP = (process.env.BENCH_LONG_HEAP || 'daemon,v8').split(',').map((h) => h.trim());
const DATABASES = (process.env.BENCH_DATABASES || 'sqlite,postgres').split(',').map((d) => d.trim());
const PHASES = (process.env.BENCH_PHASES || 'enqueue,drain,processes,latency,idle,long')
  .split(',')
  .map((p) => p.trim());
const DEFAULT_POSTGRES = 'postgres://postgres@127.0.0.1:5432/test';
/** The drain runs: global limit, and per Mind as high (a few Minds share it). */
const DRAIN = { concurrency: 32, perMindConcurrency: 32 } as const;
const PROCESSES = 3;
const CHILD = join(__dirname, 'tasks-child.js');

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const pct = (sorted: number[], p: number) =>
  +sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!.toFixed(2);
const perSecond = (n: number, ms: number) => Math.round(n / (ms / 1000));
const mb = (bytes: number) => +(bytes / 1024 / 1024).toFixed(1);
const progress = (line: string) => process.stderr.write(`[tasks bench] ${line}\n`);

// ---------------------------------------------------------------------------------------------
// Databases

interface Database {
  /** undefined: the SQLite file of the phase's home. */
  url: string | undefined;
  /** The phase's rows live in a database others use: remove its Minds at the end. */
  shared: boolean;
  drop(): Promise<void>;
}

interface Backend {
  name: 'SQLite' | 'PostgreSQL';
  /** A database for one phase. */
  fresh(): Promise<Database>;
}

const sqlite: Backend = {
  name: 'SQLite',
  fresh: async () => ({ url: undefined, shared: false, drop: async () => undefined }),
};

/** PostgreSQL at the URL, or why it was skipped (it did not answer). */
async function postgres(): Promise<Backend | { skipped: string }> {
  const fromGenesis = process.env.GENESIS_DATABASE_URL;
  const url =
    process.env.BENCH_POSTGRES_URL || (fromGenesis && /^postgres/.test(fromGenesis) ? fromGenesis : DEFAULT_POSTGRES);
  const shown = url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
  const admin = pgClient(url);
  try {
    await admin.connect();
  } catch (error) {
    return { skipped: `PostgreSQL skipped: ${shown} did not answer (${(error as Error).message})` };
  }
  let canCreate = true;
  const probe = `genesis_bench_${process.pid}_probe`;
  try {
    await admin.query(`CREATE DATABASE ${probe}`);
    await admin.query(`DROP DATABASE ${probe}`);
  } catch {
    canCreate = false;
  } finally {
    await admin.end();
  }
  progress(
    `PostgreSQL at ${shown}: ${canCreate ? 'a fresh database per phase' : 'its own database (not allowed to create one)'}`,
  );
  let n = 0;
  return {
    name: 'PostgreSQL',
    async fresh() {
      if (!canCreate) return { url, shared: true, drop: async () => undefined };
      const name = `genesis_bench_${process.pid}_${++n}_${randomBytes(3).toString('hex')}`;
      const client = pgClient(url);
      await client.connect();
      await client.query(`CREATE DATABASE ${name}`);
      await client.end();
      const parsed = new URL(url);
      parsed.pathname = `/${name}`;
      return {
        url: parsed.toString(),
        shared: false,
        async drop() {
          const c = pgClient(url);
          await c.connect();
          await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
          await c.end();
        },
      };
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Phases: a fresh home (and database), its Minds, its child processes; all removed after.

interface Phase {
  home: string;
  databaseUrl: string | undefined;
  genesis: Genesis;
  logger: CountingLogger;
  createMinds(n: number): Promise<Mind[]>;
  /**
   * PostgreSQL: ANALYZE background_tasks, as autovacuum does once a table changed enough (this
   * project's test server runs with autovacuum off). Without statistics the planner sorts every
   * pending task on each claim: see the "not yet ANALYZEd" row.
   */
  analyze(): Promise<void>;
  child(args: Omit<ChildArgs, 'home' | 'databaseUrl'>): Promise<Child>;
}

async function phase<T>(backend: Backend, name: string, run: (p: Phase) => Promise<T>): Promise<T> {
  progress(`${backend.name}: ${name}…`);
  const home = mkdtempSync(join(tmpdir(), 'genesis-taskbench-'));
  const database = await backend.fresh();
  const logger = new CountingLogger(`${backend.name} ${name}`);
  const genesis = await openGenesis({
    home,
    ...(database.url ? { databaseUrl: database.url } : {}),
    env: { GENESIS_EMBEDDINGS: 'hash' },
    logger,
  });
  const made: string[] = [];
  const children: Child[] = [];
  try {
    const result = await run({
      home,
      databaseUrl: database.url,
      genesis,
      logger,
      async createMinds(n) {
        const minds: Mind[] = [];
        for (let i = 0; i < n; i++) {
          const mind = await genesis.createMind({ name: `Bench ${made.length + 1}` });
          made.push(mind.gmid);
          minds.push(mind);
        }
        return minds;
      },
      async analyze() {
        if (!database.url) return;
        const client = pgClient(database.url);
        await client.connect();
        await client.query('ANALYZE background_tasks');
        await client.end();
      },
      async child(args) {
        const child = forkChild({ ...args, home, ...(database.url ? { databaseUrl: database.url } : {}) });
        children.push(child);
        await child.next('ready', 60_000);
        return child;
      },
    });
    progress(`${backend.name} ${name}: ${JSON.stringify(result)}`);
    return result;
  } finally {
    for (const child of children) await child.kill();
    await genesis.close();
    if (database.shared) {
      const composed = await composeGenesis(
        resolveConfig({ overrides: { home, databaseUrl: database.url }, env: { GENESIS_EMBEDDINGS: 'hash' } }),
      );
      const registry = composed.container.resolve(MIND_REGISTRY);
      for (const gmid of made) await registry.remove(gmid);
      await composed.close();
    }
    await database.drop();
    rmSync(home, { recursive: true, force: true });
    if (logger.warnings || logger.errors)
      progress(`${backend.name} ${name}: ${logger.warnings} warnings, ${logger.errors} errors in this process`);
  }
}

interface Child {
  pid: number;
  next<K extends ChildMessage['type']>(type: K, timeoutMs?: number): Promise<Extract<ChildMessage, { type: K }>>;
  on(type: 'ran', listener: (message: Extract<ChildMessage, { type: 'ran' }>) => void): void;
  send(type: 'start' | 'stop'): void;
  /** SIGKILL to this child's own pid (when it is still running), then wait until it is gone. */
  kill(): Promise<void>;
}

function forkChild(args: ChildArgs): Child {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('GENESIS_')) env[k] = v;
  const proc: ChildProcess = fork(CHILD, [JSON.stringify(args)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env,
    execArgv: [],
  });
  const inbox: ChildMessage[] = [];
  const waiters: Array<{ type: string; resolve(m: ChildMessage): void; reject(e: Error): void }> = [];
  const listeners: Array<(m: Extract<ChildMessage, { type: 'ran' }>) => void> = [];
  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exited = new Promise<void>((resolve) =>
    proc.once('exit', (code, signal) => {
      exit = { code, signal };
      for (const w of waiters.splice(0))
        w.reject(new Error(`bench child ${proc.pid} exited (${code ?? signal}) before "${w.type}"`));
      resolve();
    }),
  );
  proc.on('message', (m: ChildMessage) => {
    if (m.type === 'failed') {
      for (const w of waiters.splice(0)) w.reject(new Error(`bench child ${proc.pid} failed: ${m.error}`));
      return;
    }
    if (m.type === 'ran') {
      for (const l of listeners) l(m);
      return;
    }
    const i = waiters.findIndex((w) => w.type === m.type);
    if (i >= 0) waiters.splice(i, 1)[0]!.resolve(m);
    else inbox.push(m);
  });
  return {
    pid: proc.pid!,
    next(type, timeoutMs) {
      const i = inbox.findIndex((m) => m.type === type);
      if (i >= 0) return Promise.resolve(inbox.splice(i, 1)[0] as never);
      if (exit) return Promise.reject(new Error(`bench child ${proc.pid} already exited`));
      return new Promise((resolve, reject) => {
        const timer =
          timeoutMs === undefined
            ? undefined
            : setTimeout(
                () => reject(new Error(`bench child ${proc.pid}: no "${type}" in ${timeoutMs} ms`)),
                timeoutMs,
              );
        waiters.push({
          type,
          resolve: (m) => {
            clearTimeout(timer);
            resolve(m as never);
          },
          reject: (e) => {
            clearTimeout(timer);
            reject(e);
          },
        });
      });
    },
    on: (_type, listener) => listeners.push(listener),
    send: (type) => proc.send({ type }),
    async kill() {
      if (!exit) proc.kill('SIGKILL');
      await exited;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Helpers

/** Enqueues `total` no-op tasks spread evenly over the Minds, `enqueueMany` batches of at most 500. */
async function backlog(minds: Mind[], total: number): Promise<void> {
  const left = minds.map((_, i) => Math.floor(total / minds.length) + (i < total % minds.length ? 1 : 0));
  while (left.some((n) => n > 0)) {
    for (const [i, mind] of minds.entries()) {
      const n = Math.min(BATCH, left[i]!);
      if (n === 0) continue;
      await mind.tasks.enqueueMany(Array.from({ length: n }, () => ({ type: 'noop' })));
      left[i]! -= n;
    }
  }
}

async function countAll(minds: Mind[]): Promise<Record<TaskStatus, number>> {
  const all = await Promise.all(minds.map((m) => m.tasks.counts()));
  return all.reduce((sum, c) => {
    for (const [k, v] of Object.entries(c)) sum[k as TaskStatus] = (sum[k as TaskStatus] ?? 0) + v;
    return sum;
  });
}

/** Polls until `total` tasks are succeeded in the database; fails when nothing moves for 60 s. */
async function untilSucceeded(minds: Mind[], total: number, everyMs: number): Promise<Record<TaskStatus, number>> {
  let last = -1;
  let movedAt = Date.now();
  for (;;) {
    const counts = await countAll(minds);
    if (counts.succeeded >= total) return counts;
    if (counts.succeeded !== last) {
      last = counts.succeeded;
      movedAt = Date.now();
    } else if (Date.now() - movedAt > 60_000) {
      throw new Error(`stuck at ${counts.succeeded}/${total} succeeded: ${JSON.stringify(counts)}`);
    }
    await sleep(everyMs);
  }
}

function checkAllSucceeded(counts: Record<TaskStatus, number>, total: number): void {
  const others = Object.entries(counts).filter(([k, v]) => k !== 'succeeded' && v > 0);
  if (counts.succeeded !== total || others.length > 0)
    throw new Error(`expected ${total} succeeded tasks and nothing else, got ${JSON.stringify(counts)}`);
}

/**
 * RSS over a run: the first sample (the daemon started, no task run yet), the last, the max, and
 * the same after the first tenth of the run (caches, pools and the JIT have warmed up by then) —
 * growth after that is what a leak would show. Plus RSS and heap at each tenth of the run.
 */
function memoryOf(samples: Sample[]) {
  const rss = samples.map((s) => s.rss);
  const first = rss[0]!;
  const last = rss[rss.length - 1]!;
  const steady = rss.slice(Math.floor(rss.length / 10));
  const warm = steady[0]!;
  const tenths = Array.from(
    { length: 11 },
    (_, i) => samples[Math.min(samples.length - 1, Math.round((i / 10) * (samples.length - 1)))]!,
  );
  const percent = (a: number, b: number) => +(((a - b) / b) * 100).toFixed(1);
  // The trend after warm-up: least-squares slope of RSS over tasks done (garbage collection makes
  // RSS saw up and down; a leak shows as a slope).
  const points = samples.slice(Math.floor(samples.length / 10)).map((s) => [s.handled ?? 0, s.rss] as const);
  const meanX = points.reduce((a, [x]) => a + x, 0) / points.length;
  const meanY = points.reduce((a, [, y]) => a + y, 0) / points.length;
  const sxx = points.reduce((a, [x]) => a + (x - meanX) ** 2, 0);
  const slope = sxx === 0 ? 0 : points.reduce((a, [x, y]) => a + (x - meanX) * (y - meanY), 0) / sxx;
  const spanX = points[points.length - 1]![0] - points[0]![0];
  return {
    samples: samples.length,
    rssFirstMb: mb(first),
    rssLastMb: mb(last),
    rssMaxMb: mb(Math.max(...rss)),
    rssChangePercent: percent(last, first),
    rssWarmMb: mb(warm),
    rssChangeAfterWarmUpPercent: percent(last, warm),
    rssSteadyMinMb: mb(Math.min(...steady)),
    rssSteadyMaxMb: mb(Math.max(...steady)),
    rssSteadyMeanMb: mb(meanY),
    /** MB per 100,000 tasks after warm-up, and what that slope adds over the steady part, in % of the mean. */
    rssTrendMbPer100kTasks: +((slope * 100_000) / 1024 / 1024).toFixed(2),
    rssTrendOverRunPercent: +(((slope * spanX) / meanY) * 100).toFixed(1),
    rssMbByTenth: tenths.map((s) => mb(s.rss)),
    heapUsedMbByTenth: tenths.map((s) => mb(s.heapUsed)),
    handledByTenth: tenths.map((s) => s.handled ?? 0),
  };
}

// ---------------------------------------------------------------------------------------------
// The measurements

async function enqueueRates(backend: Backend) {
  return phase(backend, 'enqueue', async ({ createMinds }) => {
    const [mind] = await createMinds(1);
    for (let i = 0; i < 50; i++) await mind!.tasks.enqueue({ type: 'noop' }); // warm-up
    let t = performance.now();
    for (let i = 0; i < SINGLE_ENQUEUES; i++) await mind!.tasks.enqueue({ type: 'noop', payload: { i } });
    const singleMs = performance.now() - t;
    t = performance.now();
    for (let i = 0; i < BATCHED_ENQUEUES; i += BATCH)
      await mind!.tasks.enqueueMany(Array.from({ length: BATCH }, (_, j) => ({ type: 'noop', payload: { i: i + j } })));
    const batchedMs = performance.now() - t;
    return {
      singleTasksPerSecond: perSecond(SINGLE_ENQUEUES, singleMs),
      batchedTasksPerSecond: perSecond(BATCHED_ENQUEUES, batchedMs),
    };
  });
}

/**
 * Drains a backlog of no-op tasks over 4 Minds with a daemon in this process: with concurrency 32
 * (32 per Mind too), or with the daemon's defaults (8, and 2 per Mind) on a quarter of the tasks.
 */
async function drainOneProcess(backend: Backend, { statistics = true, defaults = false } = {}) {
  const tasks = defaults ? Math.ceil(CLAIM_TASKS / 4) : CLAIM_TASKS;
  const name = `drain ${tasks} in one process${defaults ? ', daemon defaults' : ''}${statistics ? '' : ', no ANALYZE'}`;
  const limits = defaults ? {} : DRAIN;
  return phase(backend, name, async ({ genesis, createMinds, analyze }) => {
    const minds = await createMinds(4);
    await backlog(minds, tasks);
    if (statistics) await analyze();
    let handled = 0;
    let allRan!: () => void;
    const ran = new Promise<void>((resolve) => (allRan = resolve));
    const t = performance.now();
    const daemon = await genesis.startDaemon({
      minds: minds.map((m) => m.gmid),
      handlers: {
        noop: async () => {
          if (++handled === tasks) allRan();
          return null;
        },
      },
      ...limits,
    });
    await ran;
    const handlersMs = performance.now() - t;
    const counts = await untilSucceeded(minds, tasks, 5);
    const ms = performance.now() - t;
    await daemon.stop({ timeoutMs: 10_000 });
    checkAllSucceeded(counts, tasks);
    return {
      tasks,
      minds: minds.length,
      ...(defaults
        ? { concurrency: DAEMON_DEFAULTS.concurrency, perMindConcurrency: DAEMON_DEFAULTS.perMindConcurrency }
        : DRAIN),
      tasksPerSecond: perSecond(tasks, ms),
      handlersStartedPerSecond: perSecond(tasks, handlersMs),
    };
  });
}

async function drainProcesses(backend: Backend) {
  return phase(backend, `drain ${CLAIM_TASKS} in ${PROCESSES} processes`, async ({ createMinds, child, analyze }) => {
    const minds = await createMinds(PROCESSES * 2);
    await backlog(minds, CLAIM_TASKS);
    await analyze();
    const mine = (i: number) => minds.filter((_, j) => j % PROCESSES === i);
    const expected = await Promise.all(
      Array.from({ length: PROCESSES }, async (_, i) => (await countAll(mine(i))).pending),
    );
    const children = await Promise.all(
      expected.map((expect, i) => child({ minds: mine(i).map((m) => m.gmid), expect, ...DRAIN })),
    );
    const t = performance.now();
    for (const c of children) c.send('start');
    await Promise.all(children.map((c) => c.next('done')));
    const counts = await untilSucceeded(minds, CLAIM_TASKS, 5);
    const ms = performance.now() - t;
    for (const c of children) c.send('stop');
    const stopped = await Promise.all(children.map((c) => c.next('stopped', 60_000)));
    checkAllSucceeded(counts, CLAIM_TASKS);
    return {
      tasks: CLAIM_TASKS,
      processes: PROCESSES,
      mindsPerProcess: 2,
      tasksPerProcess: expected,
      ...DRAIN,
      tasksPerSecond: perSecond(CLAIM_TASKS, ms),
      childWarnings: stopped.reduce((n, s) => n + s.warnings, 0),
      childErrors: stopped.reduce((n, s) => n + s.errors, 0),
    };
  });
}

async function latencyInProcess(backend: Backend) {
  return phase(backend, 'enqueue-to-start latency, same process', async ({ genesis, createMinds }) => {
    const [mind] = await createMinds(1);
    let started: ((at: number) => void) | undefined;
    const daemon = await genesis.startDaemon({
      minds: [mind!.gmid],
      handlers: {
        noop: async () => {
          started?.(performance.now());
          return null;
        },
      },
    });
    const fromCall: number[] = [];
    const fromCommit: number[] = [];
    for (let i = 0; i < LATENCY_SAMPLES + 20; i++) {
      const start = new Promise<number>((resolve) => (started = resolve));
      const t0 = performance.now();
      await mind!.tasks.enqueue({ type: 'noop' });
      const t1 = performance.now();
      const at = await start;
      if (i >= 20) {
        fromCall.push(at - t0);
        fromCommit.push(Math.max(0, at - t1));
      }
      await sleep(10); // the completion is written and the daemon idle again
    }
    await daemon.stop({ timeoutMs: 10_000 });
    fromCall.sort((a, b) => a - b);
    fromCommit.sort((a, b) => a - b);
    return {
      samples: LATENCY_SAMPLES,
      fromEnqueueCall: { p50Ms: pct(fromCall, 50), p99Ms: pct(fromCall, 99), maxMs: pct(fromCall, 100) },
      fromEnqueueCommitted: { p50Ms: pct(fromCommit, 50), p99Ms: pct(fromCommit, 99) },
    };
  });
}

async function latencyOtherProcess(backend: Backend) {
  return phase(backend, 'enqueue-to-start latency, daemon in another process', async ({ createMinds, child }) => {
    const [mind] = await createMinds(1);
    const daemon = await child({ minds: [mind!.gmid], reportStarts: true });
    const starts = new Map<string, number>();
    let waiting: { id: string; resolve(at: number): void } | undefined;
    daemon.on('ran', (m) => {
      if (waiting?.id === m.id) waiting.resolve(m.at);
      else starts.set(m.id, m.at);
    });
    daemon.send('start');
    await daemon.next('started', 60_000);
    const latencies: number[] = [];
    for (let i = 0; i < CROSS_SAMPLES; i++) {
      const t0 = Date.now();
      const { task } = await mind!.tasks.enqueue({ type: 'noop' });
      const at = starts.get(task.id) ?? (await new Promise<number>((resolve) => (waiting = { id: task.id, resolve })));
      waiting = undefined;
      latencies.push(at - t0);
      await sleep(137 * (i % 7)); // enqueue at different points of the daemon's poll cycle
    }
    daemon.send('stop');
    await daemon.next('stopped', 60_000);
    latencies.sort((a, b) => a - b);
    return {
      samples: CROSS_SAMPLES,
      pollMs: 1000,
      p50Ms: pct(latencies, 50),
      maxMs: pct(latencies, 100),
    };
  });
}

async function idle(backend: Backend) {
  return phase(backend, `idle daemon for ${IDLE_SECONDS} s`, async ({ createMinds, child }) => {
    const minds = await createMinds(4);
    for (const mind of minds) await mind.tasks.enqueue({ type: 'noop', runAt: Date.now() + 3_600_000 }); // due later
    const daemon = await child({ minds: 'all' }); // the defaults: poll 1 s, lease 30 s
    daemon.send('start');
    await daemon.next('started', 60_000);
    await sleep(IDLE_SECONDS * 1000);
    daemon.send('stop');
    const { samples, warnings, errors } = await daemon.next('stopped', 60_000);
    const first = samples[0]!;
    const last = samples[samples.length - 1]!;
    const memory = memoryOf(samples);
    return {
      seconds: +((last.t - first.t) / 1000).toFixed(1),
      minds: minds.length,
      cpuPercent: +(((last.cpuUs - first.cpuUs) / ((last.t - first.t) * 1000)) * 100).toFixed(2),
      rssFirstMb: memory.rssFirstMb,
      rssLastMb: memory.rssLastMb,
      rssMaxMb: memory.rssMaxMb,
      childWarnings: warnings,
      childErrors: errors,
    };
  });
}

/** The long run as `genesis daemon start` runs it (heap growth DAEMON_HEAP_GROWTH_PERCENT), or with V8's own heap growth (0). */
async function longRun(backend: Backend, heapGrowthPercent: number) {
  const how = heapGrowthPercent ? `heap growth ${heapGrowthPercent} %` : "V8's own heap growth";
  return phase(backend, `long run of ${LONG_TASKS} tasks, ${how}`, async ({ createMinds, child, analyze }) => {
    const minds = await createMinds(4);
    const t0 = performance.now();
    await backlog(minds, LONG_TASKS);
    await analyze();
    progress(`${backend.name}: ${LONG_TASKS} tasks enqueued in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const daemon = await child({
      minds: minds.map((m) => m.gmid),
      expect: LONG_TASKS,
      ...DRAIN,
      ...(heapGrowthPercent ? { heapGrowthPercent } : {}),
    });
    const t = performance.now();
    daemon.send('start');
    await daemon.next('done');
    const counts = await untilSucceeded(minds, LONG_TASKS, 50);
    const ms = performance.now() - t;
    daemon.send('stop');
    const { samples, warnings, errors } = await daemon.next('stopped', 60_000);
    checkAllSucceeded(counts, LONG_TASKS);
    return {
      tasks: LONG_TASKS,
      seconds: +(ms / 1000).toFixed(1),
      tasksPerSecond: perSecond(LONG_TASKS, ms),
      ...memoryOf(samples),
      childWarnings: warnings,
      childErrors: errors,
    };
  });
}

async function run(backend: Backend) {
  const on = (name: string) => PHASES.includes(name);
  const pg = backend.name === 'PostgreSQL';
  const result = {
    database: backend.name,
    enqueue: on('enqueue') ? await enqueueRates(backend) : undefined,
    drainOneProcess: on('drain') ? await drainOneProcess(backend) : undefined,
    drainOneProcessWithoutStatistics:
      on('drain') && pg ? await drainOneProcess(backend, { statistics: false }) : undefined,
    drainOneProcessDefaults: on('drain') ? await drainOneProcess(backend, { defaults: true }) : undefined,
    drainProcesses: on('processes') ? await drainProcesses(backend) : undefined,
    latencySameProcess: on('latency') ? await latencyInProcess(backend) : undefined,
    latencyOtherProcess: on('latency') ? await latencyOtherProcess(backend) : undefined,
    idle: on('idle') ? await idle(backend) : undefined,
    longRun:
      on('long') && LONG_HEAP.includes('daemon') ? await longRun(backend, DAEMON_HEAP_GROWTH_PERCENT) : undefined,
    longRunV8Heap: on('long') && LONG_HEAP.includes('v8') ? await longRun(backend, 0) : undefined,
  };
  console.log(JSON.stringify(result, null, 2));
  return result;
}

type Result = Awaited<ReturnType<typeof run>>;

type LongRun = NonNullable<Result['longRun']>;

const num = (n: number) => n.toLocaleString('en-US');

/** The rows of one long run: RSS over the whole run, after its first tenth, its trend, its speed. */
function longRunRows(
  how: string,
  of: (r: Result) => LongRun | undefined,
): Array<[string, (r: Result) => string | false | undefined]> {
  const signed = (n: number) => (n >= 0 ? `+${n}` : `${n}`);
  const cell = (format: (l: LongRun) => string) => (r: Result) => {
    const l = of(r);
    return l && format(l);
  };
  return [
    [
      `RSS draining ${num(LONG_TASKS)} tasks ${how} (first / last / max)`,
      cell((l) => `${l.rssFirstMb} / ${l.rssLastMb} / ${l.rssMaxMb} MB (${signed(l.rssChangePercent)} %)`),
    ],
    [
      `  after the first tenth of the run (warm → last, steady min–max around the mean)`,
      cell(
        (l) =>
          `${l.rssWarmMb} → ${l.rssLastMb} MB (${signed(l.rssChangeAfterWarmUpPercent)} %), ${l.rssSteadyMinMb}–${l.rssSteadyMaxMb} MB around ${l.rssSteadyMeanMb} MB`,
      ),
    ],
    [
      `  RSS trend after the first tenth (least squares over tasks done)`,
      cell(
        (l) =>
          `${signed(l.rssTrendMbPer100kTasks)} MB per 100k tasks (${signed(l.rssTrendOverRunPercent)} % over the run)`,
      ),
    ],
    [`  that run's throughput`, cell((l) => `${num(l.tasksPerSecond)} tasks/s`)],
  ];
}

/** The figures side by side, as the README's table has them. */
function table(results: Partial<Record<Backend['name'], Result>>): string {
  const rows: Array<[string, (r: Result) => string | false | undefined]> = [
    [
      `enqueue one at a time (${num(SINGLE_ENQUEUES)})`,
      (r) => r.enqueue && `${num(r.enqueue.singleTasksPerSecond)} tasks/s`,
    ],
    [
      `enqueueMany, batches of ${BATCH} (${num(BATCHED_ENQUEUES)})`,
      (r) => r.enqueue && `${num(r.enqueue.batchedTasksPerSecond)} tasks/s`,
    ],
    [
      `claim+run+complete, 1 process (${num(CLAIM_TASKS)} no-op, 4 Minds, concurrency 32)`,
      (r) => r.drainOneProcess && `${num(r.drainOneProcess.tasksPerSecond)} tasks/s`,
    ],
    [
      `  the same on a table not yet ANALYZEd (no planner statistics)`,
      (r) => r.drainOneProcessWithoutStatistics && `${num(r.drainOneProcessWithoutStatistics.tasksPerSecond)} tasks/s`,
    ],
    [
      `  the same with the daemon's defaults (concurrency ${DAEMON_DEFAULTS.concurrency}, ${DAEMON_DEFAULTS.perMindConcurrency} per Mind; ${num(Math.ceil(CLAIM_TASKS / 4))} tasks)`,
      (r) => r.drainOneProcessDefaults && `${num(r.drainOneProcessDefaults.tasksPerSecond)} tasks/s`,
    ],
    [
      `claim+run+complete, ${PROCESSES} processes (2 Minds each)`,
      (r) => r.drainProcesses && `${num(r.drainProcesses.tasksPerSecond)} tasks/s`,
    ],
    [
      `enqueue-to-start, same process (${LATENCY_SAMPLES} samples)`,
      (r) =>
        r.latencySameProcess &&
        `p50 ${r.latencySameProcess.fromEnqueueCall.p50Ms} ms, p99 ${r.latencySameProcess.fromEnqueueCall.p99Ms} ms`,
    ],
    [
      `enqueue-to-start, daemon in another process (pollMs 1 s)`,
      (r) => r.latencyOtherProcess && `p50 ${r.latencyOtherProcess.p50Ms} ms, max ${r.latencyOtherProcess.maxMs} ms`,
    ],
    [`idle daemon CPU over ${IDLE_SECONDS} s`, (r) => r.idle && `${r.idle.cpuPercent} %`],
    [`idle daemon RSS (first → last)`, (r) => r.idle && `${r.idle.rssFirstMb} → ${r.idle.rssLastMb} MB`],
    ...longRunRows(`as genesis daemon start runs (heap growth ${DAEMON_HEAP_GROWTH_PERCENT} %)`, (r) => r.longRun),
    ...longRunRows("with V8's own heap growth", (r) => r.longRunV8Heap),
  ];
  const names = Object.keys(results) as Array<Backend['name']>;
  if (names.length === 0) return '(no database was measured)';
  const lines = [`| what | ${names.join(' | ')} |`, `| --- | ${names.map(() => '---').join(' | ')} |`];
  for (const [what, cell] of rows)
    lines.push(`| ${what} | ${names.map((n) => cell(results[n]!) || 'n/a').join(' | ')} |`);
  return lines.join('\n');
}

(async () => {
  const results: Partial<Record<Backend['name'], Result>> = {};
  const notes: string[] = [];
  if (DATABASES.includes('sqlite')) results.SQLite = await run(sqlite);
  if (DATABASES.includes('postgres')) {
    const pg = await postgres();
    if ('skipped' in pg) notes.push(pg.skipped);
    else results.PostgreSQL = await run(pg);
  }
  console.log(`\nTask queue (${cpus().length} cores, Node ${process.versions.node}):\n`);
  console.log(table(results));
  for (const note of notes) console.log(note);
})().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
