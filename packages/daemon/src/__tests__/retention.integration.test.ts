import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FakeClock, tempHome } from '@genesis/mind-core/testing';
import type { StoredTask } from '@genesis/mind-core';
import { openGenesis, type Genesis } from '../composition/open-genesis';
import { DEFAULT_MAINTENANCE_SCHEDULES } from '../composition/retention-config';
import { resolveConfig } from '../composition/config';
import type { GenesisDaemon } from '../runtime/genesis-daemon';

/** The built-in retention.apply and mind.compact tasks, run by a daemon on a real SQLite home. */
let home: ReturnType<typeof tempHome>;
let genesis: Genesis;
let daemon: GenesisDaemon | null = null;
const DAY = 86_400_000;
const clock = new FakeClock(Date.UTC(2026, 5, 1));

beforeEach(async () => {
  home = tempHome('genesis-retention-');
  genesis = await openGenesis({
    home: home.path,
    env: { GENESIS_EMBEDDINGS: 'hash' },
    clock,
    retention: { messages: { maxPerMind: 5 } },
  });
});
afterEach(async () => {
  await daemon?.stop({ timeoutMs: 1000 });
  daemon = null;
  await genesis.close();
  home.cleanup();
});

async function finished(id: string): Promise<StoredTask> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const { task } = await genesis.findTask(id);
    if (['succeeded', 'dead', 'failed', 'cancelled'].includes(task.status)) return task;
    if (Date.now() > deadline) throw new Error(`task ${id} still ${task.status}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('retention.apply runs as a task: the Mind override over the configured defaults, archived first', async () => {
  const mind = await genesis.createMind({ name: 'Kept' });
  await mind.conversation.addMessages(
    Array.from({ length: 20 }, (_, i) => ({
      role: 'user' as const,
      content: `m${i}`,
      createdAt: clock.now() - i * DAY,
    })),
  );
  const other = await genesis.createMind({ name: 'Own policy' });
  await other.conversation.addMessages(
    Array.from({ length: 20 }, (_, i) => ({
      role: 'user' as const,
      content: `o${i}`,
      createdAt: clock.now() - i * DAY,
    })),
  );
  other.retention.set({ messages: { maxPerMind: 12, archive: false } });
  await other.save();

  expect(genesis.retention.defaults.messages).toEqual({ maxAgeDays: 365, maxPerMind: 5, archive: true });
  daemon = await genesis.startDaemon({ pollMs: 20, minds: 'all' });
  const a = (await mind.tasks.enqueue({ type: 'retention.apply' })).task;
  const b = (await other.tasks.enqueue({ type: 'retention.apply' })).task;
  const [doneA, doneB] = [await finished(a.id), await finished(b.id)];
  expect(doneA.status).toBe('succeeded');
  expect(doneA.result).toMatchObject({ mindId: mind.gmid, messages: { removed: 15, archived: 15, files: 1 } });
  expect(doneB.result).toMatchObject({ mindId: other.gmid, messages: { removed: 8, archived: 0, files: 0 } });
  expect(await mind.conversation.countMessages()).toBe(5);
  expect(await other.conversation.countMessages()).toBe(12);
  expect(readdirSync(join(home.path, 'archive', mind.gmid)).filter((n) => n.endsWith('.jsonl.gz'))).toHaveLength(1);

  // The SDK: a dry run over every Mind now finds nothing left.
  const run = await genesis.retention.apply({ dryRun: true });
  expect(run.minds.map((m) => ('messages' in m ? m.messages.removed : -1))).toEqual([0, 0]);
  expect(run.home).not.toBeNull();
});

test('mind.compact rewrites a Mind file that grew, and leaves a compact one alone', async () => {
  const mind = await genesis.createMind({ name: 'Compact' });
  const file = join(home.path, 'minds', `${mind.gmid}.json`);
  const doc = JSON.parse(readFileSync(file, 'utf8'));
  writeFileSync(file, JSON.stringify(doc, null, 12));
  const grown = statSync(file).size;
  const loaded = await genesis.loadMind(mind.gmid);
  daemon = await genesis.startDaemon({ pollMs: 20, minds: 'all' });
  const first = await finished((await loaded.tasks.enqueue({ type: 'mind.compact' })).task.id);
  expect(first.result).toMatchObject({ rewritten: true, bytesBefore: grown });
  const after = statSync(file).size;
  expect(after).toBeLessThan(grown);
  expect((first.result as { bytesAfter: number }).bytesAfter).toBe(after);
  expect(JSON.parse(readFileSync(file, 'utf8')).identity).toEqual(doc.identity);
  const second = await finished((await loaded.tasks.enqueue({ type: 'mind.compact' })).task.id);
  expect(second.result).toMatchObject({ rewritten: false, bytesBefore: after, bytesAfter: after });
});

test('configuration: defaults, schedules, and bad values refused naming the key', () => {
  const config = resolveConfig({ overrides: { home: home.path }, env: { GENESIS_EMBEDDINGS: 'hash' } });
  expect(config.retention.messages).toEqual({ maxAgeDays: 365, maxPerMind: 100_000, archive: true });
  expect(config.schedules).toEqual({
    retention: { type: 'retention.apply', cron: '30 3 * * *', timezone: 'UTC', enabled: true },
    compact: { type: 'mind.compact', cron: '0 4 * * *', timezone: 'UTC', enabled: true },
    reindex: { type: 'memory.reindex', cron: '0 5 * * 0', timezone: 'UTC', enabled: true },
  });
  expect(config.schedules).toEqual(DEFAULT_MAINTENANCE_SCHEDULES);

  const file = join(home.path, 'genesis.config.json');
  writeFileSync(
    file,
    JSON.stringify({
      retention: { tasks: { finishedMaxAgeDays: 7 } },
      schedules: { retention: { cron: '0 2 * * *', timezone: 'Europe/Oslo' }, compact: { enabled: false } },
    }),
  );
  const fromFile = resolveConfig({ overrides: { home: home.path }, env: { GENESIS_EMBEDDINGS: 'hash' } });
  expect(fromFile.retention.tasks.finishedMaxAgeDays).toBe(7);
  expect(fromFile.schedules.retention).toMatchObject({ cron: '0 2 * * *', timezone: 'Europe/Oslo' });
  expect(fromFile.schedules.compact.enabled).toBe(false);

  for (const [value, field, message] of [
    [{ retention: { messages: { maxAgeDays: -1 } } }, 'retention.messages.maxAgeDays', /0 or more/],
    [
      { retention: { concerns: { closedMaxAgeDays: 'ninety' } } },
      'retention.concerns.closedMaxAgeDays',
      /number of days/,
    ],
    [{ retention: { memories: { maxAgeDays: 1 } } }, 'retention.memories', /not a retention setting/],
    [{ schedules: { retention: { cron: 'every day' } } }, 'schedules.retention.cron', /cron expression/],
    [{ schedules: { compact: { timezone: 'Mars/Olympus' } } }, 'schedules.compact.timezone', /time zone/],
    [{ schedules: { vacuum: {} } }, 'schedules', /vacuum/],
  ] as const) {
    writeFileSync(file, JSON.stringify(value));
    let error: { code?: string; field?: string; message: string } | undefined;
    try {
      resolveConfig({ overrides: { home: home.path }, env: { GENESIS_EMBEDDINGS: 'hash' } });
    } catch (e) {
      error = e as typeof error;
    }
    expect(error).toMatchObject({ code: 'INVALID_CONFIG', field });
    expect(error!.message).toMatch(message);
    expect(error!.message).not.toContain('\n');
  }
  writeFileSync(file, '{}');
  expect(() =>
    resolveConfig({ overrides: { home: home.path, retention: { batchSize: 0 } }, env: { GENESIS_EMBEDDINGS: 'hash' } }),
  ).toThrow(/"retention.batchSize".*from 1 to 5000/);
});
