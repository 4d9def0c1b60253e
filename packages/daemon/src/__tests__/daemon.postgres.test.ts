import { join } from 'node:path';
import type { Mind } from '@genesis/mind-core';
import { tempHome } from '@genesis/mind-core/testing';
import { openGenesis, type Genesis } from '../composition/open-genesis';
import { readJsonLines, requireBuilt, startChild, until, workerStatus } from './fixtures/children';
import type { Child, CompletionLine, WorkerHeard, WorkerStatus } from './fixtures/children';
import { createDatabase, dropDatabase, withPostgres } from './support/postgres';

/**
 * Three daemon processes (the BUILT package) on ONE PostgreSQL database share six Minds of 100
 * tasks each: each Mind has exactly one driver at a time (also when one daemon stops and another
 * takes its Minds over), every task runs exactly once, and the work spreads over the three.
 */
const MINDS = 6;
const PER_MIND = 100;
const TASKS = MINDS * PER_MIND;

withPostgres('daemon on PostgreSQL', () => {
  let home: ReturnType<typeof tempHome>;
  let genesis: Genesis | undefined;
  let database: string | undefined;
  const children: Child[] = [];

  beforeAll(() => requireBuilt());
  afterEach(async () => {
    for (const child of children.splice(0)) await child.kill();
    await genesis?.close();
    genesis = undefined;
    if (database) dropDatabase(database);
    database = undefined;
    home?.cleanup();
  });

  test(`three daemon processes share ${MINDS} Minds: one driver per Mind, ${TASKS} tasks each run once`, async () => {
    const began = Date.now();
    const created = createDatabase('genesis_daemon');
    database = created.name;
    const databaseUrl = created.url;
    home = tempHome('genesis-daemon-pg-');
    genesis = await openGenesis({ home: home.path, databaseUrl, env: { GENESIS_EMBEDDINGS: 'hash' } });
    const minds: Mind[] = [];
    for (let i = 0; i < MINDS; i++) minds.push(await genesis.createMind({ name: `Shared ${i}` }));
    const gmids = minds.map((m) => m.gmid);
    const log = join(home.path, 'completions.jsonl');

    // A and B drive two Minds each; C drives every Mind it can get (it keeps asking for the others).
    const common = {
      home: home.path,
      databaseUrl,
      log,
      concurrency: 4,
      perMindConcurrency: 2,
      leaseMs: 1_500,
      pollMs: 1_000,
    };
    const slow = { sleepMinMs: 5, sleepMaxMs: 25 };
    const spawn = (minds: 'all' | string[]) => {
      const child = startChild('daemon-worker.js', { ...common, ...slow, minds });
      children.push(child);
      return child;
    };
    const a = spawn(gmids.slice(0, 2));
    const b = spawn(gmids.slice(2, 4));
    const readyOf = async (child: Child) =>
      ((await child.next('ready', 30_000)) as unknown as { status: WorkerStatus }).status;
    const [aReady, bReady] = await Promise.all([readyOf(a), readyOf(b)]);
    const c = spawn('all');
    const cReady = await readyOf(c);
    expect(aReady.held.sort()).toEqual(gmids.slice(0, 2).sort());
    expect(bReady.held.sort()).toEqual(gmids.slice(2, 4).sort());
    expect(cReady.held.sort()).toEqual(gmids.slice(4).sort());
    // C was refused the four others, told who holds them.
    expect(
      cReady.refused.map((r) => [r.mindId, r.holder.pid]).sort((x, y) => String(x[0]).localeCompare(String(y[0]))),
    ).toEqual(
      [
        [gmids[0], a.pid],
        [gmids[1], a.pid],
        [gmids[2], b.pid],
        [gmids[3], b.pid],
      ].sort((x, y) => String(x[0]).localeCompare(String(y[0]))),
    );

    // What each says it holds never overlaps.
    const disjoint = (statuses: WorkerStatus[]) => {
      const all = statuses.flatMap((s) => s.held);
      expect(new Set(all).size).toBe(all.length);
    };
    const fromA = () => readJsonLines<CompletionLine>(log).filter((l) => l.pid === a.pid).length;
    disjoint(await Promise.all([a, b, c].map(workerStatus)));

    // The work arrives once all three run (their pollMs is 1 s: NOTIFY wakes them).
    for (const mind of minds)
      await mind.tasks.enqueueMany(Array.from({ length: PER_MIND }, (_, n) => ({ type: 'work', payload: { n } })));
    await until(() => fromA() >= 20, 'A ran 20 tasks', 30_000, 5);

    // A stops gracefully with work left on its Minds: it gives them up, and C (asking every
    // leaseMs/3) takes them over and finishes them.
    a.send({ type: 'stop', timeoutMs: 5_000 });
    const aStopped = (await a.next('stopped', 15_000)) as unknown as { heard: WorkerHeard };
    expect(await a.exited).toEqual({ code: 0, signal: null });
    const aDone = fromA();
    expect(aDone).toBeLessThan(2 * PER_MIND);
    await until(async () => (await workerStatus(c)).held.length === 4, "C takes over A's two Minds", 10_000, 50);
    disjoint(await Promise.all([b, c].map(workerStatus)));

    await until(
      async () => (await genesis!.runtimeStatus()).tasks.succeeded === TASKS,
      `all ${TASKS} tasks succeeded`,
      60_000,
      100,
    );
    const bFinal = await workerStatus(b);
    const cFinal = await workerStatus(c);
    expect(bFinal.held.sort()).toEqual(gmids.slice(2, 4).sort());
    expect(cFinal.held.sort()).toEqual([...gmids.slice(0, 2), ...gmids.slice(4)].sort());
    for (const child of [b, c]) child.send({ type: 'stop', timeoutMs: 5_000 });
    const heard = [aStopped.heard];
    for (const child of [b, c]) {
      heard.push(((await child.next('stopped', 15_000)) as unknown as { heard: WorkerHeard }).heard);
      expect(await child.exited).toEqual({ code: 0, signal: null });
    }
    // No daemon lost a Mind, had a write refused or failed one.
    for (const h of heard) expect(h).toMatchObject({ lost: [], errors: [], refused: 0 });

    // Every task exactly once: one attempt, one log line.
    const status = await genesis.runtimeStatus();
    expect(status.tasks).toEqual({ pending: 0, running: 0, succeeded: TASKS, failed: 0, dead: 0, cancelled: 0 });
    expect(status.leases).toEqual([]); // every lease given back at stop
    const lines = readJsonLines<CompletionLine>(log);
    expect(lines).toHaveLength(TASKS);
    expect(new Set(lines.map((l) => l.taskId)).size).toBe(TASKS);
    expect(lines.every((l) => l.attempt === 1)).toBe(true);

    // One driver per Mind at a time: per Mind, the attempts of different daemons never overlap.
    const overlaps: string[] = [];
    for (const gmid of gmids) {
      const ofMind = lines.filter((l) => l.mindId === gmid).sort((x, y) => x.startedAt - y.startedAt);
      const pids = [...new Set(ofMind.map((l) => l.pid))];
      for (const p of pids) {
        const mine = ofMind.filter((l) => l.pid === p);
        const first = Math.min(...mine.map((l) => l.startedAt));
        const last = Math.max(...mine.map((l) => l.endedAt));
        for (const other of ofMind.filter((l) => l.pid !== p))
          if (other.startedAt < last && other.endedAt > first)
            overlaps.push(`${gmid}: pid ${other.pid} ran ${other.taskId} while pid ${p} drove the Mind`);
      }
      // A's Minds went from A to C; the others stayed with their one daemon.
      const expected = gmids.indexOf(gmid) < 2 ? [a.pid, c.pid] : gmids.indexOf(gmid) < 4 ? [b.pid] : [c.pid];
      expect({ gmid, pids }).toEqual({ gmid, pids: expected });
    }
    expect(overlaps).toEqual([]);

    // The work spread over the three processes.
    const perProcess = [a, b, c].map((child) => lines.filter((l) => l.pid === child.pid).length);
    expect(perProcess.every((n) => n > 0)).toBe(true);
    console.info(
      `daemon on PostgreSQL: ${TASKS} tasks on ${MINDS} Minds by 3 processes ` +
        `(${perProcess.join(' / ')}), each once, ${((Date.now() - began) / 1000).toFixed(1)} s`,
    );
  });
});
