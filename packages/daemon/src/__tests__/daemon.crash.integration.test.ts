import { statSync } from 'node:fs';
import { join } from 'node:path';
import { tempHome } from '@genesis/mind-core/testing';
import { SqlDatabase } from '@genesis/storage-sqlite';
import { openGenesis, type Genesis } from '../composition/open-genesis';
import { countLines, crashSeed, readJsonLines, requireBuilt, seededRandom, sleep } from './fixtures/children';
import { allTasks, startChild, until, workerStatus } from './fixtures/children';
import type { Child, CompletionLine, WorkerHeard, WorkerStatus } from './fixtures/children';

/**
 * The daemon survives kill -9: a daemon child process (the BUILT package) runs a backlog while the
 * parent SIGKILLs it at random moments, 20 times, starting a new child each time; a last child
 * finishes. Every handler appends { taskId, attempt, token, pid } to an outside log BEFORE it
 * returns, so the log shows every attempt whose handler finished, whatever the database says.
 *
 * A failing round replays with CRASH_SEED=<seed> (printed).
 */
const KILLS = 20;
const TASKS = 400;
const CONCURRENCY = 4;
const LEASE_MS = 1_500;

interface Ready {
  status: WorkerStatus;
  tookOver: string[];
}

let home: ReturnType<typeof tempHome>;
let genesis: Genesis;
const children: Child[] = [];

beforeAll(() => requireBuilt());
beforeEach(async () => {
  home = tempHome('genesis-daemon-crash-');
  genesis = await openGenesis({ home: home.path, env: { GENESIS_EMBEDDINGS: 'hash' } });
});
afterEach(async () => {
  for (const child of children.splice(0)) await child.kill();
  await genesis.close();
  home.cleanup();
});

test(`SIGKILLed ${KILLS} times at random moments, daemons still finish every task; repeats come only from kills`, async () => {
  const seed = crashSeed();
  const random = seededRandom(seed);
  const began = Date.now();
  const mind = await genesis.createMind({ name: 'Crashing' });
  const log = join(home.path, 'completions.jsonl');
  // Enough attempts that the kills alone can never make a task dead: a dead task here is a bug.
  await mind.tasks.enqueueMany(
    Array.from({ length: TASKS }, (_, n) => ({ type: 'work', payload: { n }, maxAttempts: KILLS + 1 })),
  );
  const args = { home: home.path, log, concurrency: CONCURRENCY, leaseMs: LEASE_MS, pollMs: 25, seed };

  const killed = new Set<number>();
  let takeovers = 0;
  let killedWhileRunning = 0;
  const start = async (round: number): Promise<{ child: Child; ready: Ready }> => {
    const child = startChild('daemon-worker.js', { ...args, seed: seed + round });
    children.push(child);
    const ready = (await child.next('ready', 30_000)) as unknown as Ready;
    return { child, ready };
  };

  for (let round = 0; round < KILLS; round++) {
    const { child, ready } = await start(round);
    // The dead daemon's Mind lease is taken over at once (same host, its pid gone), or had expired.
    expect({ round, held: ready.status.held, refused: ready.status.refused }).toEqual({
      round,
      held: [mind.gmid],
      refused: [],
    });
    takeovers += ready.tookOver.length;
    // A random moment while handlers run: after 1..15 more log lines, then 0..30 ms more.
    const before = countLines(log);
    const wanted = before + 1 + Math.floor(random() * 15);
    await until(() => countLines(log) >= wanted, `round ${round} (seed ${seed}): log lines`, 20_000, 2);
    await sleep(random() * 30);
    await child.kill();
    killed.add(child.pid);
    const counts = await mind.tasks.counts();
    if (counts.running > 0) killedWhileRunning++;
  }

  // A last daemon finishes the backlog (the killed attempts come back once their leases expire).
  const { child: last, ready } = await start(KILLS);
  expect(ready.status.held).toEqual([mind.gmid]);
  takeovers += ready.tookOver.length;
  await until(
    async () => (await mind.tasks.counts()).succeeded === TASKS,
    `all ${TASKS} tasks succeeded (seed ${seed})`,
    60_000,
    100,
  );
  last.send({ type: 'stop', timeoutMs: 5_000 });
  const stopped = (await last.next('stopped', 15_000)) as unknown as { heard: WorkerHeard };
  expect(await last.exited).toEqual({ code: 0, signal: null });
  // The last daemon never lost its Mind or failed a write.
  expect(stopped.heard).toMatchObject({ lost: [], errors: [] });

  // None lost, none dead.
  expect(await mind.tasks.counts()).toEqual({
    pending: 0,
    running: 0,
    succeeded: TASKS,
    failed: 0,
    dead: 0,
    cancelled: 0,
  });
  const tasks = await allTasks(mind);
  expect(tasks).toHaveLength(TASKS);

  // Every task is in the log; its repeats come only from killed daemons, one attempt after another.
  const lines = readJsonLines<CompletionLine>(log);
  const byTask = new Map<string, CompletionLine[]>();
  for (const line of lines) byTask.set(line.taskId, [...(byTask.get(line.taskId) ?? []), line]);
  expect(new Set(byTask.keys())).toEqual(new Set(tasks.map((t) => t.id)));
  const problems: string[] = [];
  for (const task of tasks) {
    const seen = [...byTask.get(task.id)!].sort((a, b) => a.attempt - b.attempt);
    const last = seen[seen.length - 1]!;
    // The line of the attempt that completed is the last one: the task's attempts count it.
    if (last.attempt !== task.attempts)
      problems.push(`${task.id}: last logged attempt ${last.attempt}, task attempts ${task.attempts}`);
    if (new Set(seen.map((l) => l.attempt)).size !== seen.length) problems.push(`${task.id}: an attempt logged twice`);
    if (new Set(seen.map((l) => l.token)).size !== seen.length) problems.push(`${task.id}: a lease token reused`);
    for (let i = 0; i < seen.length - 1; i++) {
      const earlier = seen[i]!;
      const later = seen[i + 1]!;
      // The earlier attempt's worker was killed before its completion committed ...
      if (!killed.has(earlier.pid))
        problems.push(`${task.id}: attempt ${earlier.attempt} logged by pid ${earlier.pid}, which was never killed`);
      // ... and the later one started after it: no two live leases at once.
      if (later.startedAt < earlier.endedAt)
        problems.push(`${task.id}: attempt ${later.attempt} started before attempt ${earlier.attempt} ended`);
    }
  }
  expect(problems).toEqual([]);
  const duplicates = lines.length - TASKS;
  expect(duplicates).toBeLessThanOrEqual(KILLS * CONCURRENCY);
  // The kills landed while handlers ran (the point of the test).
  expect(killedWhileRunning).toBeGreaterThanOrEqual(KILLS / 2);

  console.info(
    `daemon crash: seed ${seed}, ${KILLS} SIGKILLs (${killedWhileRunning} with tasks running), ${TASKS} tasks, ` +
      `${lines.length} log lines, ${duplicates} repeats (≤ ${KILLS * CONCURRENCY}), ` +
      `${takeovers} Mind leases taken over at once, ${((Date.now() - began) / 1000).toFixed(1)} s`,
  );
});

test('a daemon paused past its leases (SIGSTOP) finds, once resumed, its completions refused and its Mind gone', async () => {
  const mind = await genesis.createMind({ name: 'Paused' });
  const log = join(home.path, 'completions.jsonl');
  const TOTAL = 40;
  await mind.tasks.enqueueMany(Array.from({ length: TOTAL }, (_, n) => ({ type: 'work', payload: { n } })));
  const args = {
    home: home.path,
    log,
    concurrency: 4,
    leaseMs: LEASE_MS,
    pollMs: 25,
    sleepMinMs: 200,
    sleepMaxMs: 300,
  };
  const a = startChild('daemon-worker.js', args);
  children.push(a);
  await a.next('ready', 30_000);
  await until(() => countLines(log) >= 4, 'the first daemon ran four tasks', 20_000, 5);

  // Paused in the middle of its handlers: alive (so not taken over at once), renewing nothing. Paused
  // at a quiet moment — no handler ended in the last 40 ms, so no completion or claim is being
  // written: on SQLite a process frozen inside a write transaction would block every other writer.
  // The log cannot see every write (heartbeats, lease renewals, WAL checkpoints): a pause that
  // froze one mid-way is undone (SIGCONT) and tried again at the next quiet moment.
  const probe = await SqlDatabase.open({ url: join(home.path, 'genesis.db'), busyTimeoutMs: 300, busyRetries: 0 });
  try {
    for (let attempt = 0; ; attempt++) {
      await until(() => Date.now() - statSync(log).mtimeMs >= 40, 'a quiet moment to pause', 10_000, 2);
      process.kill(a.pid, 'SIGSTOP');
      const free = await probe.write(async () => true).catch(() => false);
      if (free) break;
      process.kill(a.pid, 'SIGCONT');
      if (attempt >= 20) throw new Error('the first daemon always held a lock when paused');
      await sleep(50);
    }
  } finally {
    await probe.close();
  }
  const pausedLease = (await genesis.runtimeStatus()).leases.find((l) => l.mindId === mind.gmid)!;
  expect(pausedLease.pid).toBe(a.pid);
  const stranded = (await allTasks(mind)).filter((t) => t.status === 'running').map((t) => t.id);
  expect(stranded.length).toBeGreaterThan(0);

  const b = startChild('daemon-worker.js', { ...args, sleepMinMs: 5, sleepMaxMs: 20 });
  children.push(b);
  await b.next('ready', 30_000);
  // B gets the Mind only once A's lease expired, and runs A's stranded tasks once theirs did.
  await until(
    async () => {
      const tasks = await allTasks(mind);
      return stranded.every((id) => tasks.find((t) => t.id === id)?.status === 'succeeded');
    },
    "A's stranded tasks finished by B",
    20_000,
    50,
  );
  const bLease = (await genesis.runtimeStatus()).leases.find((l) => l.mindId === mind.gmid)!;
  expect(bLease.pid).toBe(b.pid);
  expect(bLease.acquiredAt).toBeGreaterThanOrEqual(pausedLease.expiresAt);

  // A resumes: its handlers end and log, but every write of theirs is refused; it drops the Mind.
  process.kill(a.pid, 'SIGCONT');
  await until(async () => (await workerStatus(a)).heard.lost.length > 0, 'A noticed it lost the Mind', 10_000, 50);
  await until(
    () => readJsonLines<CompletionLine>(log).filter((l) => l.pid === a.pid).length >= 4,
    "A's handlers ended",
  );
  const aStatus = await workerStatus(a);
  expect(aStatus.held).toEqual([]);
  expect(aStatus.heard.lost).toEqual([mind.gmid]);
  // Its handlers' completions reached the database and were turned down (the lease token changed).
  await until(async () => (await workerStatus(a)).heard.refused >= 1, "A's completions refused", 10_000, 50);

  await until(async () => (await mind.tasks.counts()).succeeded === TOTAL, `all ${TOTAL} tasks succeeded`, 30_000, 50);
  for (const child of [a, b]) child.send({ type: 'stop', timeoutMs: 5_000 });
  for (const child of [a, b]) expect(await child.exited).toEqual({ code: 0, signal: null });

  // Each task's stored result is that of its last attempt, whose line is the only one of it; A's
  // lines for the tasks B took over are of older attempts, and their completions changed nothing.
  const lines = readJsonLines<CompletionLine>(log);
  const tasks = await allTasks(mind);
  const stale: string[] = [];
  for (const task of tasks) {
    expect(task.status).toBe('succeeded');
    const ofTask = lines.filter((l) => l.taskId === task.id);
    const winning = ofTask.filter((l) => l.attempt === task.attempts);
    expect(winning).toHaveLength(1);
    expect(task.result).toEqual({ pid: winning[0]!.pid, attempt: task.attempts });
    for (const l of ofTask.filter((x) => x.attempt !== task.attempts)) {
      expect(l.pid).toBe(a.pid);
      expect(l.attempt).toBeLessThan(task.attempts);
      stale.push(task.id);
    }
  }
  expect(stale.length).toBeGreaterThan(0);
  expect(new Set(stale)).toEqual(new Set(stale.filter((id) => stranded.includes(id))));
});
