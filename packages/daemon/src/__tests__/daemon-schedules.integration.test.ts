import { FakeClock, RecordingLogger, tempHome } from '@genesis/mind-core/testing';
import { MindService, SCHEDULE_STORE, UNIT_OF_WORK, type Mind } from '@genesis/mind-core';
import { resolveConfig } from '../composition/config';
import { composeGenesis } from '../composition/container';
import { openGenesis } from '../composition/open-genesis';
import { Scheduler } from '../runtime/scheduler';

/** Schedules of the daemon itself (mindId null): each slot enqueues its task once for every Mind. */
let home: ReturnType<typeof tempHome>;
const logger = new RecordingLogger();

beforeEach(() => {
  home = tempHome();
});
afterEach(() => home.cleanup());

test('a daemon schedule slot enqueues one task per Mind, once, with two schedulers racing', async () => {
  const clock = new FakeClock(Date.UTC(2026, 0, 1, 3, 0, 0));
  const config = resolveConfig({ overrides: { home: home.path }, env: { GENESIS_EMBEDDINGS: 'hash' } });
  const [a, b] = [await composeGenesis(config, { clock }), await composeGenesis(config, { clock })];
  try {
    const service = a.container.resolve(MindService);
    const minds: Mind[] = [];
    for (let i = 0; i < 3; i++) minds.push(await service.createMind({ name: `M${i}` }));
    const genesis = await openGenesis({ home: home.path, env: { GENESIS_EMBEDDINGS: 'hash' }, clock });
    await genesis.schedules.upsert({ name: 'nightly', cron: '30 3 * * *', type: 'retention.apply' });
    await genesis.close();
    // Each scheduler drives only the first Mind: a daemon schedule still reaches every Mind.
    const schedulerOf = (c: typeof a) =>
      new Scheduler(c.container.resolve(SCHEDULE_STORE), c.container.resolve(UNIT_OF_WORK), clock, logger, {
        minds: () => [minds[0]!.gmid],
      });
    for (const day of [1, 2]) {
      clock.set(Date.UTC(2026, 0, day, 3, 30, 5));
      const [x, y] = await Promise.all([schedulerOf(a).tick(), schedulerOf(b).tick()]);
      expect(x + y).toBe(1);
    }
    for (const mind of minds) {
      const tasks = (await mind.tasks.list({ type: 'retention.apply', limit: 10 })).items;
      expect(tasks.map((t) => t.runAt).sort()).toHaveLength(2);
      expect(new Set(tasks.map((t) => t.idempotencyKey)).size).toBe(2);
    }
  } finally {
    await a.close();
    await b.close();
  }
});

test('ensure() leaves an unchanged schedule where it is, so a slot missed during downtime still fires', async () => {
  const clock = new FakeClock(Date.UTC(2026, 0, 1, 12));
  const genesis = await openGenesis({ home: home.path, env: { GENESIS_EMBEDDINGS: 'hash' }, clock });
  try {
    const first = await genesis.schedules.ensure({ name: 'compact', cron: '0 4 * * *', type: 'mind.compact' });
    expect(first.nextRunAt).toBe(Date.UTC(2026, 0, 2, 4));
    clock.set(Date.UTC(2026, 0, 3, 12)); // the daemon was down over two slots
    const again = await genesis.schedules.ensure({ name: 'compact', cron: '0 4 * * *', type: 'mind.compact' });
    expect(again.nextRunAt).toBe(Date.UTC(2026, 0, 2, 4));
    const changed = await genesis.schedules.ensure({ name: 'compact', cron: '0 5 * * *', type: 'mind.compact' });
    expect(changed.nextRunAt).toBe(Date.UTC(2026, 0, 4, 5));
    expect(changed.id).toBe(first.id);
  } finally {
    await genesis.close();
  }
});

test('a daemon keeps the configured maintenance schedules: defaults, a changed cron, a disabled one removed', async () => {
  const clock = new FakeClock(Date.UTC(2026, 0, 1, 12));
  const first = await openGenesis({ home: home.path, env: { GENESIS_EMBEDDINGS: 'hash' }, clock });
  try {
    await (await first.startDaemon({ pollMs: 60_000 })).stop({ timeoutMs: 100 });
    const names = (await first.schedules.list()).map((s) => [s.name, s.cron, s.payload]);
    expect(names.sort()).toEqual([
      ['memory.reindex', '0 5 * * 0', { onlyIfStale: true }],
      ['mind.compact', '0 4 * * *', null],
      ['retention.apply', '30 3 * * *', null],
    ]);
  } finally {
    await first.close();
  }
  const second = await openGenesis({
    home: home.path,
    env: { GENESIS_EMBEDDINGS: 'hash' },
    clock,
    schedules: { compact: { enabled: false }, retention: { cron: '0 2 * * *', timezone: 'Europe/Oslo' } },
  });
  try {
    await (await second.startDaemon({ pollMs: 60_000 })).stop({ timeoutMs: 100 });
    const schedules = await second.schedules.list();
    expect(schedules.map((s) => s.name).sort()).toEqual(['memory.reindex', 'retention.apply']);
    // 02:00 in Oslo (UTC+1 in January) is 01:00 UTC, the next day.
    expect(schedules.find((s) => s.name === 'retention.apply')).toMatchObject({
      timezone: 'Europe/Oslo',
      nextRunAt: Date.UTC(2026, 0, 2, 1),
    });
  } finally {
    await second.close();
  }
});
