import { FakeClock, RecordingLogger, tempHome } from '@genesis/mind-core/testing';
import { MindService, SCHEDULE_STORE, UNIT_OF_WORK } from '@genesis/mind-core';
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
  const config = resolveConfig({ overrides: { home: home.path }, env: {} });
  const [a, b] = [await composeGenesis(config, { clock }), await composeGenesis(config, { clock })];
  try {
    const service = a.container.resolve(MindService);
    const minds = [];
    for (let i = 0; i < 3; i++) minds.push(await service.createMind({ name: `M${i}` }));
    const genesis = await openGenesis({ home: home.path, env: {}, clock });
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
  const genesis = await openGenesis({ home: home.path, env: {}, clock });
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
