import { join } from 'node:path';
import { openGenesis } from '@genesis/daemon';
import { FakeClock, tempHome } from '@genesis/mind-core/testing';
import { createSqlStores, SqlDatabase } from '@genesis/storage-sqlite';
import { inProcessCli } from '../../__tests__/support/cli';

/** `genesis concerns GMID [--due]`: in-process, on a temp home, with a fixed clock. */
const NOW = Date.UTC(2030, 0, 1, 12);
const MINUTE = 60_000;
const clock = new FakeClock(NOW);
/** More than one batch of `due` (at most 1,000). */
const DUE = 1100;

let home: string;
let cleanup: () => void;
beforeEach(() => {
  ({ path: home, cleanup } = tempHome('genesis-cli-concerns-'));
});
afterEach(() => cleanup());

const cli = inProcessCli(clock);
const run = (...args: string[]) => cli.ok(home, ...args);
const json = (...args: string[]) => cli.json(home, ...args);

/** DUE concerns due (the last one snoozed until now, so woken first), 3 in the future, 2 fires. */
async function seed(gmid: string): Promise<{ fired: string; due: string[] }> {
  const genesis = await openGenesis({ home, clock });
  try {
    const mind = await genesis.loadMind(gmid);
    const due = await mind.concerns.createMany(
      Array.from({ length: DUE }, (_, i) => ({
        type: 'task' as const,
        description: `due ${i}`,
        // Runs of equal check times, so that batches end inside them.
        followUpAt: NOW - 1000 * MINUTE + (i % 9) * MINUTE,
        userEmail: 'ann@example.com',
      })),
    );
    await mind.concerns.createMany(
      [1, 2, 3].map((h) => ({ type: 'health' as const, description: `later ${h}`, followUpAt: NOW + h * 3600_000 })),
    );
    const snoozed = due[DUE - 1]!;
    clock.set(NOW - 2000 * MINUTE);
    await mind.concerns.snooze(snoozed.id, NOW);
    clock.set(NOW);
    const fired = due[0]!;
    const db = await SqlDatabase.open({ url: join(home, 'genesis.db') });
    try {
      const { concerns } = createSqlStores(db, clock);
      for (const checkAt of [fired.nextCheckAt - 60 * MINUTE, fired.nextCheckAt - 30 * MINUTE]) {
        expect(
          await concerns.recordFire({
            concernId: fired.id,
            mindId: gmid,
            userEmail: fired.userEmail,
            checkAt,
            firedAt: checkAt + 1000,
            taskId: null,
          }),
        ).toBe(true);
      }
    } finally {
      await db.close();
    }
    return { fired: fired.id, due: due.map((c) => c.id) };
  } finally {
    await genesis.close();
  }
}

test('--due lists every due concern once (more than one batch: no cap), with its next check and fired checks', async () => {
  const { gmid } = await json('mind', 'create', '--name', 'Caring');
  const { fired, due } = await seed(gmid);

  const listed = await json('concerns', gmid, '--due');
  expect(listed.count).toBe(DUE);
  expect(listed.items).toHaveLength(DUE);
  expect(listed.now).toBe(new Date(NOW).toISOString());
  const ids = listed.items.map((c: { id: string }) => c.id);
  expect(new Set(ids)).toEqual(new Set(due));
  // Soonest first.
  const times = listed.items.map((c: { nextCheckAt: string }) => Date.parse(c.nextCheckAt));
  expect(times).toEqual([...times].sort((a, b) => a - b));
  const withFires = listed.items.find((c: { id: string }) => c.id === fired);
  expect(withFires.fires).toEqual([
    { checkAt: new Date(NOW - 1060 * MINUTE).toISOString(), firedAt: expect.any(String), taskId: null },
    { checkAt: new Date(NOW - 1030 * MINUTE).toISOString(), firedAt: expect.any(String), taskId: null },
  ]);
  expect(listed.items.filter((c: { fires: unknown[] }) => c.fires.length > 0)).toHaveLength(1);

  const text = await run('concerns', gmid, '--due');
  expect(text.split('\n')[0]).toBe(`${DUE} concern(s) due at ${new Date(NOW).toISOString()}:`);
  expect(text).toContain(`${fired}  active    next ${new Date(NOW - 1000 * MINUTE).toISOString()}`);
  expect(text).toMatch(/ {4}fired 2: \S+ \(sent \S+\), \S+ \(sent \S+\)/);
});

test('the listing pages show next checks and fired checks; --due refuses list filters', async () => {
  const { gmid } = await json('mind', 'create', '--name', 'Paged');
  const { fired } = await seed(gmid);
  const page = await json('concerns', gmid, '--limit', '2');
  expect(page.items).toHaveLength(2);
  expect(page.nextCursor).toEqual(expect.any(String));
  expect(page.items[0]).toMatchObject({ id: fired, nextCheckAt: new Date(NOW - 1000 * MINUTE).toISOString() });
  expect(page.items[0].fires).toHaveLength(2);
  expect(page.items[1].fires).toEqual([]);
  const later = await json('concerns', gmid, '--due-before', '2031-01-01', '--status', 'active', '--limit', '1000');
  expect(later.items).toHaveLength(1000);
  expect(later.nextCursor).toEqual(expect.any(String));

  await expect(run('concerns', gmid, '--due', '--status', 'active')).rejects.toThrow(
    /INVALID_INPUT: --status cannot be combined with --due/,
  );
});
