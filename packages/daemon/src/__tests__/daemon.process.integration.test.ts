import { hostname } from 'node:os';
import { join } from 'node:path';
import { MIND_LEASE_STORE, type StoredTask } from '@genesis/mind-core';
import { tempHome } from '@genesis/mind-core/testing';
import { resolveConfig } from '../composition/config';
import { composeGenesis } from '../composition/container';
import { openGenesis, type Genesis } from '../composition/open-genesis';
import { allTasks, readJsonLines, requireProgramBuilt, runProgram, sleep, startProgram } from './fixtures/children';
import { until } from './fixtures/children';
import type { ProgramChild } from './fixtures/children';

/**
 * The program `genesis daemon …` as real processes (apps/daemon/dist/main.js): SIGTERM drains,
 * a held Mind is refused, a dead daemon's lease is taken over (another host's only once expired),
 * `daemon stop` stops it from another process, and a schedule fires once per slot across a SIGKILL.
 *
 * The program registers only its built-in task types; fixtures/cli-handlers.js (preloaded with
 * `node --require`) adds `test.sleep` and `test.noop`, which append to an outside log.
 */
const PRELOAD = join(__dirname, 'fixtures', 'cli-handlers.js');
const HOST = hostname();

interface Event {
  event: 'start' | 'end' | 'aborted' | 'noop';
  pid: number;
  at: number;
  taskId: string;
  attempt: number;
  key: string | null;
}

let home: ReturnType<typeof tempHome>;
let genesis: Genesis;
let log: string;
const programs: ProgramChild[] = [];

beforeAll(() => requireProgramBuilt());
beforeEach(async () => {
  home = tempHome('genesis-daemon-process-');
  log = join(home.path, 'events.jsonl');
  genesis = await openGenesis({ home: home.path, env: { GENESIS_EMBEDDINGS: 'hash' } });
});
afterEach(async () => {
  for (const p of programs.splice(0)) await p.kill();
  await genesis.close();
  home.cleanup();
});

/** `genesis --home H daemon start …` with short leases and polls (unless given). */
function daemonStart(...extra: string[]): ProgramChild {
  const args = ['--home', home.path, 'daemon', 'start', ...extra];
  if (!extra.includes('--lease-ms')) args.push('--lease-ms', '1500');
  if (!extra.includes('--poll-ms')) args.push('--poll-ms', '50');
  const child = startProgram(args, { preload: PRELOAD, env: { DAEMON_TEST_LOG: log } });
  programs.push(child);
  return child;
}

const started = (child: ProgramChild) => child.line((l) => l.msg === 'daemon started');

/** `genesis --home H …` to its end. */
const genesisCli = (...args: string[]) => runProgram(['--home', home.path, ...args], { ms: 30_000 });

/** Every line the daemon wrote on stdout is one pino JSON object: its logs and nothing else. */
function expectJsonLogs(stdout: string): Array<Record<string, unknown>> {
  const lines = stdout.split('\n').filter((l) => l.trim() !== '');
  return lines.map((line) => {
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(line) as Record<string, unknown>;
    } catch {
      throw new Error(`stdout has a line that is not JSON: ${line}`);
    }
    expect(parsed).toMatchObject({ level: expect.any(Number), time: expect.any(Number), msg: expect.any(String) });
    return parsed;
  });
}

async function liveLeases() {
  const now = Date.now();
  return (await genesis.runtimeStatus()).leases.filter((l) => l.expiresAt > now);
}

test('SIGTERM drains: running handlers finish within the stop timeout, the rest are given back unburnt, exit 0', async () => {
  const mind = await genesis.createMind({ name: 'Draining' });
  // Two handlers that outlast the stop timeout (they start first: higher priority), and short ones.
  const long = await mind.tasks.enqueueMany(
    [1, 2].map((n) => ({ type: 'test.sleep', payload: { ms: 60_000, n }, priority: 10 })),
  );
  await mind.tasks.enqueueMany(Array.from({ length: 11 }, (_, n) => ({ type: 'test.sleep', payload: { ms: 300, n } })));
  // One through the program, as a user would.
  const viaCli = await genesisCli(
    '--json',
    'task',
    'enqueue',
    mind.gmid,
    '--type',
    'test.sleep',
    '--payload',
    '{"ms":300}',
  );
  expect(viaCli.code).toBe(0);
  const daemon = daemonStart('--concurrency', '4', '--per-mind', '4', '--stop-timeout', '1');
  await started(daemon);
  // Four attempts running: the two long ones and two short ones.
  await until(() => readJsonLines<Event>(log).filter((e) => e.event === 'start').length >= 4, 'four attempts started');

  const sentAt = Date.now();
  daemon.signal('SIGTERM');
  const exit = await daemon.exited;
  const tookMs = Date.now() - sentAt;
  expect(exit).toEqual({ code: 0, signal: null });
  // The stop timeout is 1 s; closing the home takes a moment more.
  expect(tookMs).toBeLessThan(1_000 + 4_000);

  const events = readJsonLines<Event>(log);
  const startedIds = new Set(events.filter((e) => e.event === 'start').map((e) => e.taskId));
  const endedIds = new Set(events.filter((e) => e.event === 'end').map((e) => e.taskId));
  const abortedIds = new Set(events.filter((e) => e.event === 'aborted').map((e) => e.taskId));
  const longIds = long.map((r) => r.task.id);
  expect([...abortedIds].sort()).toEqual([...longIds].sort());
  const tasks = await allTasks(mind);
  expect(tasks).toHaveLength(14);
  for (const task of tasks) {
    if (endedIds.has(task.id)) {
      // Started before the signal and finished within the stop timeout.
      expect(task).toMatchObject({ status: 'succeeded', attempts: 1 });
    } else {
      // Aborted at the stop timeout, or never started: pending again, no attempt burnt.
      expect(task).toMatchObject({ status: 'pending', attempts: 0, leaseToken: null });
    }
  }
  const succeeded = tasks.filter((t) => t.status === 'succeeded').length;
  expect(succeeded).toBeGreaterThanOrEqual(2);
  expect(succeeded).toBeLessThan(12); // it stopped claiming: the backlog is still there
  // No attempt started after the handlers that were running had ended.
  expect(startedIds.size).toBe(succeeded + longIds.length);

  // stdout: JSON-line logs only, telling the story; nothing on stderr; the Mind is free again.
  const logs = expectJsonLogs(daemon.stdout());
  const messages = logs.map((l) => l.msg);
  expect(messages).toEqual(expect.arrayContaining(['daemon started', 'daemon stopped']));
  expect(messages.some((m) => /stop timeout reached/.test(String(m)))).toBe(true);
  expect(daemon.stderr()).toBe('');
  expect(await liveLeases()).toEqual([]);
});

test('a second `daemon start --mind` for a held Mind exits non-zero with one line naming the holder', async () => {
  const mind = await genesis.createMind({ name: 'Held' });
  const first = daemonStart('--mind', mind.gmid);
  expect(await started(first)).toMatchObject({ held: [mind.gmid], pid: first.pid });

  const second = await runProgram(['--home', home.path, 'daemon', 'start', '--mind', mind.gmid, '--lease-ms', '1500'], {
    preload: PRELOAD,
    ms: 30_000,
  });
  expect(second.code).not.toBe(0);
  expect(second.signal).toBeNull();
  const stderr = second.stderr.trimEnd().split('\n');
  expect(stderr).toHaveLength(1);
  expect(stderr[0]).toMatch(/^genesis: MIND_HELD: /);
  expect(stderr[0]).toContain(mind.gmid);
  expect(stderr[0]).toContain(`pid ${first.pid} on ${HOST}`);
  expectJsonLogs(second.stdout);

  // The first one never noticed: it still holds the Mind, and stops cleanly.
  expect((await liveLeases()).map((l) => [l.mindId, l.pid])).toEqual([[mind.gmid, first.pid]]);
  first.signal('SIGTERM');
  expect(await first.exited).toEqual({ code: 0, signal: null });
});

test("a dead daemon's lease (same host) is taken over at once; another host's only once it expired", async () => {
  const mind = await genesis.createMind({ name: 'Orphaned' });
  const other = await genesis.createMind({ name: 'Remote' });
  // A long lease: a takeover within it can only be the dead-pid rule, not expiry.
  const first = daemonStart('--mind', mind.gmid, '--lease-ms', '60000');
  await started(first);
  const [held] = await liveLeases();
  expect(held).toMatchObject({ mindId: mind.gmid, pid: first.pid, host: HOST });
  await first.kill();

  const killedAt = Date.now();
  const second = daemonStart('--mind', mind.gmid);
  expect(await started(second)).toMatchObject({ held: [mind.gmid] });
  const tookOver = await second.line((l) => l.msg === 'took over the lease of a daemon that died');
  expect(tookOver).toMatchObject({
    mindId: mind.gmid,
    previous: expect.stringContaining(`pid ${first.pid} on ${HOST}`),
  });
  const [now] = await liveLeases();
  expect(now).toMatchObject({ mindId: mind.gmid, pid: second.pid });
  expect(now!.acquiredAt).toBeLessThan(held!.expiresAt);
  expect(now!.acquiredAt - killedAt).toBeLessThan(15_000);

  // A fresh lease of another host, written through the SQL store; its pid (that of the killed
  // daemon) does not exist here, which says nothing about a process on another machine.
  const composed = await composeGenesis(
    resolveConfig({ overrides: { home: home.path }, env: { GENESIS_EMBEDDINGS: 'hash' } }),
  );
  const elsewhereMs = 3_000;
  const placed = await composed.container
    .resolve(MIND_LEASE_STORE)
    .acquire(
      { mindId: other.gmid, ownerId: 'elsewhere/1/remote', host: 'elsewhere', pid: first.pid },
      Date.now(),
      elsewhereMs,
    );
  await composed.close();
  expect(placed.acquired).toBe(true);
  const remote = placed.acquired ? placed.lease : null;

  const refused = await runProgram(['--home', home.path, 'daemon', 'start', '--mind', other.gmid], {
    preload: PRELOAD,
    ms: 30_000,
  });
  expect(refused.code).not.toBe(0);
  expect(refused.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(refused.stderr).toMatch(new RegExp(`^genesis: MIND_HELD: .*pid ${first.pid} on elsewhere`));

  // A daemon for every Mind: refused both at first, it takes the remote one once that lease expired.
  const all = daemonStart('--all');
  expect(await started(all)).toMatchObject({ held: [] });
  await until(
    async () => (await liveLeases()).some((l) => l.mindId === other.gmid && l.pid === all.pid),
    'the expired remote lease taken',
    elsewhereMs + 10_000,
    50,
  );
  const leases = await liveLeases();
  const taken = leases.find((l) => l.mindId === other.gmid)!;
  expect(taken.acquiredAt).toBeGreaterThanOrEqual(remote!.expiresAt);
  // The live daemon keeps its Mind.
  expect(leases.find((l) => l.mindId === mind.gmid)).toMatchObject({ pid: second.pid });

  for (const p of [all, second]) p.signal('SIGTERM');
  expect(await all.exited).toEqual({ code: 0, signal: null });
  expect(await second.exited).toEqual({ code: 0, signal: null });
});

test('`genesis daemon stop` from another process stops a running daemon', async () => {
  const mind = await genesis.createMind({ name: 'Stoppable' });
  const daemon = daemonStart();
  expect(await started(daemon)).toMatchObject({ held: [mind.gmid] });

  const stop = await genesisCli('--json', 'daemon', 'stop', '--timeout', '20');
  expect(stop.code).toBe(0);
  expect(JSON.parse(stop.stdout)).toEqual({ stopped: [daemon.pid] });
  expect(await daemon.exited).toEqual({ code: 0, signal: null });
  expect(expectJsonLogs(daemon.stdout()).map((l) => l.msg)).toContain('daemon stopped');

  const status = await genesisCli('--json', 'daemon', 'status');
  expect(status.code).toBe(0);
  const leases = (JSON.parse(status.stdout) as { leases: Array<{ live: boolean }> }).leases;
  expect(leases.filter((l) => l.live)).toEqual([]);
  expect((await genesisCli('daemon', 'status')).stdout).toMatch(/^No daemon holds a Mind of this home\./);
  // Nothing left to stop.
  expect(JSON.parse((await genesisCli('--json', 'daemon', 'stop')).stdout)).toEqual({ stopped: [] });
});

test('`genesis daemon stop` also stops a daemon that holds no Mind (an empty home)', async () => {
  const daemon = daemonStart();
  expect(await started(daemon)).toMatchObject({ held: [] });
  const stop = await genesisCli('--json', 'daemon', 'stop', '--timeout', '20');
  expect(stop.code).toBe(0);
  expect(JSON.parse(stop.stdout)).toEqual({ stopped: [daemon.pid] });
  expect(await daemon.exited).toEqual({ code: 0, signal: null });
  expect(JSON.parse((await genesisCli('--json', 'daemon', 'stop')).stdout)).toEqual({ stopped: [] });
});

test('a schedule fires once per slot across a SIGKILL and restart, and once for the slots missed while down', async () => {
  const SLOT = 2_000;
  const mind = await genesis.createMind({ name: 'Ticking' });
  const fired = async () =>
    (await allTasks(mind))
      .filter((t) => t.idempotencyKey?.startsWith('schedule:'))
      .sort((a, b) => a.createdAt - b.createdAt);

  const first = daemonStart('--mind', mind.gmid, '--poll-ms', '100');
  await started(first);
  const schedule = await mind.schedules.upsert({ name: 'every-2s', cron: '*/2 * * * * *', type: 'test.noop' });
  await until(async () => (await fired()).length >= 3, 'three slots fired by the first daemon', 15_000, 100);
  await first.kill();
  const killedAt = Date.now();
  const firedBeforeKill = (await fired()).length;

  // Down for more than two slots.
  await sleep(2 * SLOT + 500);
  const restartAt = Date.now();
  const second = daemonStart('--mind', mind.gmid, '--poll-ms', '100');
  await started(second);
  await until(async () => (await fired()).length >= firedBeforeKill + 4, 'four more slots fired', 20_000, 100);
  second.signal('SIGTERM');
  expect(await second.exited).toEqual({ code: 0, signal: null });

  const tasks = await fired();
  const slotOf = (t: StoredTask) => {
    const match = /^schedule:(.+):(\d+)$/.exec(t.idempotencyKey ?? '');
    expect(match?.[1]).toBe(schedule.id);
    return Number(match![2]);
  };
  const slots = tasks.map(slotOf);
  // One task per slot, each on a slot of the expression.
  expect(new Set(slots).size).toBe(slots.length);
  expect(slots.every((s) => s % SLOT === 0)).toBe(true);
  expect([...slots].sort((a, b) => a - b)).toEqual(slots); // fired in slot order

  const before = tasks.filter((t) => t.createdAt < killedAt);
  const after = tasks.filter((t) => t.createdAt >= restartAt);
  expect(before.length + after.length).toBe(tasks.length);
  // The first daemon fired every slot from the first one on, none missing.
  const first0 = schedule.nextRunAt;
  expect(before.map(slotOf)).toEqual(before.map((_, i) => first0 + i * SLOT));
  // After the downtime: ONE catch-up task for the missed slots (the earliest of them) ...
  const lastBefore = slotOf(before[before.length - 1]!);
  const [catchUp, ...onTime] = after;
  expect(slotOf(catchUp!)).toBe(lastBefore + SLOT);
  expect(catchUp!.createdAt - slotOf(catchUp!)).toBeGreaterThan(SLOT);
  // ... then every slot on time again, from the first one after the catch-up.
  const resumed = slotOf(onTime[0]!);
  expect(resumed).toBeGreaterThan(catchUp!.createdAt - SLOT);
  expect(onTime.map(slotOf)).toEqual(onTime.map((_, i) => resumed + i * SLOT));
  // The slots missing are exactly those of the downtime after the catch-up slot, none else.
  const missing: number[] = [];
  for (let s = first0; s <= slots[slots.length - 1]!; s += SLOT) if (!slots.includes(s)) missing.push(s);
  expect(missing.length).toBeGreaterThanOrEqual(1);
  expect(missing).toEqual(
    Array.from({ length: (resumed - slotOf(catchUp!)) / SLOT - 1 }, (_, i) => slotOf(catchUp!) + (i + 1) * SLOT),
  );
  expect(missing.every((s) => s <= catchUp!.createdAt)).toBe(true);

  // Each slot's task ran (the last one may have been given back at the SIGTERM); none failed.
  const counts = await mind.tasks.counts();
  expect(counts).toMatchObject({ failed: 0, dead: 0, running: 0 });
  expect(counts.succeeded).toBeGreaterThanOrEqual(tasks.length - 1);
  const noops = readJsonLines<Event>(log).filter((e) => e.event === 'noop');
  expect(new Set(noops.map((e) => e.key)).size).toBeGreaterThanOrEqual(tasks.length - 1);
});
