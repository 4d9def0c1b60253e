import { FakeClock, RecordingLogger, tempHome } from '@genesis/mind-core/testing';
import type { TaskContext } from '@genesis/mind-core';
import { openGenesis, type Genesis } from '../composition/open-genesis';
import type { GenesisDaemon } from '../runtime/genesis-daemon';
import { Scheduler } from '../runtime/scheduler';
import { resolveConfig } from '../composition/config';
import { composeGenesis } from '../composition/container';
import { MindService, SCHEDULE_STORE, UNIT_OF_WORK } from '@genesis/mind-core';

/** The daemon in this process on a real SQLite home; handlers record what ran. */
let home: ReturnType<typeof tempHome>;
let genesis: Genesis;
let daemons: GenesisDaemon[] = [];
const logger = new RecordingLogger();

beforeEach(async () => {
  home = tempHome();
  genesis = await openGenesis({ home: home.path, env: { GENESIS_EMBEDDINGS: 'hash' }, logger });
});
afterEach(async () => {
  for (const d of daemons) await d.stop({ timeoutMs: 1000 });
  daemons = [];
  await genesis.close();
  home.cleanup();
});

async function start(options: Parameters<Genesis['startDaemon']>[0]): Promise<GenesisDaemon> {
  const daemon = await genesis.startDaemon({
    pollMs: 20,
    leaseMs: 3_000,
    backoff: { baseMs: 5, capMs: 20 },
    ...options,
  });
  daemons.push(daemon);
  return daemon;
}

/** Waits until `check` holds, polling (bounded: fails after `ms`). */
async function until(check: () => Promise<boolean> | boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('runs every enqueued task once, woken by the enqueue, within the per-Mind limit', async () => {
  const mind = await genesis.createMind({ name: 'Worker' });
  const ran: string[] = [];
  let running = 0;
  let most = 0;
  await start({
    perMindConcurrency: 3,
    handlers: {
      echo: async ({ task }: TaskContext) => {
        running++;
        most = Math.max(most, running);
        await new Promise((r) => setTimeout(r, 5));
        running--;
        ran.push((task.payload as { n: number }).n.toString());
        return { echoed: task.payload };
      },
    },
  });
  await mind.tasks.enqueueMany(Array.from({ length: 40 }, (_, n) => ({ type: 'echo', payload: { n } })));
  await until(async () => (await mind.tasks.counts()).succeeded === 40);
  expect(ran.sort()).toEqual(Array.from({ length: 40 }, (_, n) => String(n)).sort());
  expect(most).toBeLessThanOrEqual(3);
  const [done] = (await mind.tasks.list({ status: 'succeeded', limit: 1 })).items;
  expect(done).toMatchObject({ attempts: 1, result: { echoed: { n: expect.any(Number) } }, leaseToken: null });
});

test('a failing task is retried with backoff, then dead with its last error; retry() brings it back', async () => {
  const mind = await genesis.createMind({ name: 'Failing' });
  let calls = 0;
  await start({
    handlers: {
      flaky: async () => {
        calls++;
        throw new Error(`boom ${calls}`);
      },
    },
  });
  const { task } = await mind.tasks.enqueue({ type: 'flaky', maxAttempts: 3 });
  await until(async () => (await mind.tasks.get(task.id))?.status === 'dead');
  expect(await mind.tasks.get(task.id)).toMatchObject({ attempts: 3, lastError: 'Error: boom 3' });
  expect(calls).toBe(3);
  await mind.tasks.retry(task.id);
  await until(async () => (await mind.tasks.get(task.id))?.status === 'dead');
  expect(calls).toBe(6);
});

test('past timeoutMs the handler is aborted and the attempt fails with TASK_TIMEOUT', async () => {
  const mind = await genesis.createMind({ name: 'Slow' });
  let aborted = 0;
  await start({
    handlers: {
      slow: ({ signal }: TaskContext) =>
        new Promise((_, reject) =>
          signal.addEventListener('abort', () => {
            aborted++;
            reject(signal.reason);
          }),
        ),
    },
  });
  const { task } = await mind.tasks.enqueue({ type: 'slow', timeoutMs: 50, maxAttempts: 1 });
  await until(async () => (await mind.tasks.get(task.id))?.status === 'dead');
  expect((await mind.tasks.get(task.id))?.lastError).toMatch(/^TASK_TIMEOUT/);
  expect(aborted).toBe(1);
});

test('a task type without a handler is warned about at enqueue and fails at run, naming the registered ones', async () => {
  const mind = await genesis.createMind({ name: 'Unknown' });
  await start({ handlers: { known: async () => 1 } });
  const { task } = await mind.tasks.enqueue({ type: 'unknown.type', maxAttempts: 1 });
  expect(
    logger.lines.some((l) => l.level === 'warn' && /no handler for task type "unknown\.type"/.test(l.message ?? '')),
  ).toBe(true);
  await until(async () => (await mind.tasks.get(task.id))?.status === 'dead');
  const lastError = (await mind.tasks.get(task.id))?.lastError ?? '';
  expect(lastError).toMatch(/^TASK_HANDLER_MISSING: no handler for task type "unknown\.type" \(registered: (.+)\)$/);
  // Every registered type is named, in order: the built-ins and the SDK user's.
  const named = /\(registered: (.+)\)$/.exec(lastError)![1]!.split(', ');
  expect(named).toEqual([...named].sort());
  expect(named).toEqual(expect.arrayContaining(['echo', 'known', 'memory.reindex']));
  expect(named).toEqual((await daemons[0]!.status()).handlers);
});

test('stop() lets running tasks finish within the timeout, and gives the others back without burning an attempt', async () => {
  const mind = await genesis.createMind({ name: 'Stopping' });
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const daemon = await start({
    handlers: {
      quick: async () => 'ok',
      stuck: async ({ signal }: TaskContext) => {
        await Promise.race([gate, new Promise((r) => signal.addEventListener('abort', r))]);
        if (signal.aborted) throw signal.reason;
        return 'late';
      },
    },
  });
  const { task } = await mind.tasks.enqueue({ type: 'stuck' });
  await until(async () => (await mind.tasks.get(task.id))?.status === 'running');
  await daemon.stop({ timeoutMs: 100 });
  expect(await mind.tasks.get(task.id)).toMatchObject({ status: 'pending', attempts: 0, leaseToken: null });
  release();
});

test('one daemon per Mind: a second daemon is refused the held Mind, naming the holder; "all" skips it', async () => {
  const mind = await genesis.createMind({ name: 'Held' });
  const first = await start({ minds: [mind.gmid], handlers: { x: async () => 1 } });
  expect((await first.status()).held).toEqual([mind.gmid]);
  const other = await openGenesis({ home: home.path, env: { GENESIS_EMBEDDINGS: 'hash' } });
  try {
    await expect(other.startDaemon({ minds: [mind.gmid] })).rejects.toMatchObject({
      code: 'MIND_HELD',
      message: expect.stringContaining(`pid ${process.pid} on`),
    });
    await expect(other.startDaemon({ minds: ['GMD-2026-0000-0000'] })).rejects.toMatchObject({
      code: 'MIND_NOT_FOUND',
    });
    const second = await other.startDaemon({ minds: 'all', pollMs: 20 });
    const status = await second.status();
    expect(status.held).toEqual([]);
    expect(status.refused.map((r) => r.mindId)).toEqual([mind.gmid]);
    await second.stop({ timeoutMs: 100 });
  } finally {
    await other.close();
  }
  await first.stop({ timeoutMs: 100 });
  daemons = [];
  // Released on stop: another daemon takes it at once.
  const again = await start({ minds: [mind.gmid] });
  expect((await again.status()).held).toEqual([mind.gmid]);
});

test('after downtime a schedule fires once for its missed slots, then waits for the next one', async () => {
  const clock = new FakeClock(Date.UTC(2026, 0, 1, 8, 59, 59));
  const timed = await openGenesis({ home: home.path, env: { GENESIS_EMBEDDINGS: 'hash' }, clock });
  try {
    const mind = await timed.createMind({ name: 'Scheduled' });
    await mind.schedules.upsert({ name: 'morning', cron: '0 9 * * *', type: 'greet', timezone: 'UTC' });
    clock.set(Date.UTC(2026, 0, 3, 12)); // the slots of Jan 1, 2 and 3 passed while no daemon ran
    const daemon = await timed.startDaemon({ minds: [mind.gmid], pollMs: 20 });
    await until(async () => (await mind.tasks.list({ type: 'greet', limit: 10 })).items.length >= 1);
    await new Promise((r) => setTimeout(r, 100));
    const tasks = (await mind.tasks.list({ type: 'greet', limit: 10 })).items;
    expect(tasks).toHaveLength(1);
    const [schedule] = await mind.schedules.list();
    expect(schedule).toMatchObject({ lastSlotAt: Date.UTC(2026, 0, 1, 9), nextRunAt: Date.UTC(2026, 0, 4, 9) });
    await daemon.stop({ timeoutMs: 100 });
  } finally {
    await timed.close();
  }
});

test('two schedulers racing on one database (two daemons, or a restart mid-slot) enqueue one task per slot', async () => {
  const clock = new FakeClock(Date.UTC(2026, 0, 1, 8, 59, 59));
  const config = resolveConfig({ overrides: { home: home.path }, env: { GENESIS_EMBEDDINGS: 'hash' } });
  const [a, b] = await Promise.all([composeGenesis(config, { clock }), composeGenesis(config, { clock })]);
  try {
    const mind = await a.container.resolve(MindService).createMind({ name: 'Raced' });
    await mind.schedules.upsert({ name: 'tick', cron: '*/10 * * * * *', type: 'tick' });
    const schedulerOf = (c: typeof a) =>
      new Scheduler(c.container.resolve(SCHEDULE_STORE), c.container.resolve(UNIT_OF_WORK), clock, logger, {
        minds: () => [mind.gmid],
      });
    const [sa, sb] = [schedulerOf(a), schedulerOf(b)];
    let fired = 0;
    for (let slot = 0; slot < 5; slot++) {
      clock.set(Date.UTC(2026, 0, 1, 9, 0, slot * 10));
      const [x, y] = await Promise.all([sa.tick(), sb.tick()]);
      fired += x + y;
      expect(x + y).toBe(1);
    }
    const tasks = (await mind.tasks.list({ type: 'tick', limit: 100 })).items;
    expect(tasks.map((t) => t.idempotencyKey)).toHaveLength(5);
    expect(new Set(tasks.map((t) => t.idempotencyKey)).size).toBe(5);
    expect(fired).toBe(5);
    // A restart: a fresh scheduler at the same instant fires nothing more.
    expect(await schedulerOf(b).tick()).toBe(0);
  } finally {
    await a.close();
    await b.close();
  }
});
