import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { StoredMessage } from '@genesis/mind-core';
import { tempHome } from '@genesis/mind-core/testing';
import { openSqlStorage } from '@genesis/storage-sqlite';

/** Runs the built program, as a user would (the machine's GENESIS_* variables kept out). */
const main = resolve(__dirname, '../../dist/main.js');
const cleanEnv = () => ({
  ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('GENESIS_'))),
  GENESIS_EMBEDDINGS: 'hash',
});
function genesis(...args: string[]) {
  const res = spawnSync(process.execPath, [main, '--home', home, ...args], {
    encoding: 'utf8',
    env: cleanEnv(),
    timeout: 120_000,
  });
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}
const json = (...args: string[]) => {
  const res = genesis('--json', ...args);
  if (res.code !== 0) throw new Error(`genesis ${args.join(' ')} failed: ${res.stderr}`);
  return JSON.parse(res.stdout);
};

const DAY = 86_400_000;
const NOW = Date.now();
let home: string;
let cleanup: () => void;
beforeEach(() => {
  ({ path: home, cleanup } = tempHome('genesis-cli-retention-'));
});
afterEach(() => cleanup());

function config(retention: unknown): void {
  writeFileSync(join(home, 'genesis.config.json'), JSON.stringify({ retention }));
}

/** Opens the home's database directly (the test's own view of the rows). */
async function database() {
  return openSqlStorage({ url: join(home, 'genesis.db'), migrate: false });
}

/**
 * One Mind with 60 messages, one a day (index 0 newest), 10 concerns (5 closed long ago), 9 tasks
 * (finished long ago: 3), 6 concern fires (old: 2) and a schedule with 4 fired slots (old: 2).
 */
async function populate(gmid: string, messages = 60) {
  const s = await database();
  try {
    await s.messages.appendMany(
      Array.from({ length: messages }, (_, i) => ({
        mindId: gmid,
        role: (i % 2 ? 'assistant' : 'user') as 'user' | 'assistant',
        content: `message ${i}: ${'é'.repeat(i % 5)}\n"quoted"`,
        userEmail: 'ann@example.com',
        metadata: { i },
        createdAt: NOW - i * DAY - 60_000,
      })),
    );
    const statuses = ['active', 'snoozed', 'resolved', 'dismissed', 'expired'] as const;
    for (let i = 0; i < 10; i++) {
      const c = await s.concerns.insert({
        mindId: gmid,
        concernType: 'health',
        description: `c${i}`,
        nextCheckAt: NOW,
        status: statuses[i % 5]!,
      });
      await s.db.run('UPDATE concerns SET updated_at = ? WHERE id = ?', [NOW - (i < 5 ? 200 : 1) * DAY, c.id]);
    }
    const taskStatuses = ['pending', 'succeeded', 'dead', 'cancelled', 'running', 'failed'];
    for (let i = 0; i < 9; i++) {
      const { task } = await s.tasks.enqueue({ mindId: gmid, type: 'echo' });
      await s.db.run('UPDATE background_tasks SET status = ?, finished_at = ? WHERE id = ?', [
        taskStatuses[i % 6],
        NOW - (i < 4 ? 100 : 1) * DAY,
        task.id,
      ]);
    }
    for (let i = 0; i < 6; i++)
      await s.concerns.recordFire({
        concernId: `fire-${i}`,
        mindId: gmid,
        userEmail: null,
        checkAt: i,
        firedAt: NOW - (i < 2 ? 300 : 1) * DAY,
        taskId: null,
      });
    const schedule = await s.schedules.upsert({
      mindId: gmid,
      name: 's',
      cron: '0 * * * *',
      timezone: 'UTC',
      type: 'echo',
      nextRunAt: NOW,
    });
    for (const d of [200, 100, 2, 1]) await s.schedules.fireSlot(schedule.id, NOW - d * DAY, NOW, NOW);
  } finally {
    await s.close();
  }
}

async function counts(gmid: string) {
  const s = await database();
  try {
    const one = async (sql: string) => Number((await s.db.all<{ n: unknown }>(sql, [gmid]))[0]!.n);
    return {
      messages: await one('SELECT COUNT(*) AS n FROM conversation_messages WHERE mind_id = ?'),
      concerns: await one('SELECT COUNT(*) AS n FROM concerns WHERE mind_id = ?'),
      tasks: await one('SELECT COUNT(*) AS n FROM background_tasks WHERE mind_id = ?'),
      concernFires: await one('SELECT COUNT(*) AS n FROM concern_fires WHERE mind_id = ?'),
      scheduleFires: await one(
        'SELECT COUNT(*) AS n FROM schedule_fires WHERE schedule_id IN (SELECT id FROM schedules WHERE mind_id = ?)',
      ),
    };
  } finally {
    await s.close();
  }
}

/** Every message of a Mind in the database, oldest first. */
async function messagesInDb(gmid: string): Promise<StoredMessage[]> {
  const s = await database();
  try {
    const all: StoredMessage[] = [];
    let cursor: string | null = null;
    do {
      const page = await s.messages.list({ mindId: gmid, limit: 1000, order: 'asc', includeArchived: true, cursor });
      all.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    return all;
  } finally {
    await s.close();
  }
}

/** Every line of every archive file of a Mind (committed ones), in file order. */
function archiveLines(gmid: string): StoredMessage[] {
  const dir = join(home, 'archive', gmid);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((n) => n.endsWith('.jsonl.gz'))
    .sort()
    .flatMap((n) =>
      gunzipSync(readFileSync(join(dir, n)))
        .toString('utf8')
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as StoredMessage),
    );
}

test('retention apply removes exactly what the policy says; --dry-run reports the same and writes nothing', async () => {
  const gmid = json('mind', 'create', '--name', 'Keeper').gmid as string;
  const other = json('mind', 'create', '--name', 'Other').gmid as string;
  await populate(gmid);
  await populate(other, 5);
  config({
    messages: { maxAgeDays: 45, maxPerMind: 40, archive: true },
    concerns: { closedMaxAgeDays: 90 },
    tasks: { finishedMaxAgeDays: 30 },
    concernFires: { maxAgeDays: 90 },
    scheduleFires: { maxAgeDays: 30 },
    batchSize: 7,
  });
  const before = await counts(gmid);
  expect(before).toEqual({ messages: 60, concerns: 10, tasks: 9, concernFires: 6, scheduleFires: 4 });
  const original = await messagesInDb(gmid);

  // Messages: older than 45 days (15) or beyond the newest 40 (20): the oldest 20 go.
  const expected = { messages: 20, concerns: 3, tasks: 3, concernFires: 2, scheduleFires: 2 };
  const dry = json('retention', 'apply', gmid, '--dry-run');
  expect(dry.dryRun).toBe(true);
  const [dryMind] = dry.minds;
  for (const [store, n] of Object.entries(expected)) expect([store, dryMind[store].removed]).toEqual([store, n]);
  expect(dryMind.messages.archived).toBe(20);
  expect(await counts(gmid)).toEqual(before);
  expect(existsSync(join(home, 'archive', gmid))).toBe(false);
  const text = genesis('retention', 'apply', '--dry-run');
  expect(text.code).toBe(0);
  expect(text.stdout).toMatch(/Dry run \(nothing written\)/);
  expect(text.stdout).toMatch(new RegExp(`${gmid} +messages +20 +20`));
  expect(await counts(gmid)).toEqual(before);

  const run = json('retention', 'apply', gmid);
  expect(run.dryRun).toBe(false);
  for (const [store, n] of Object.entries(expected)) expect([store, run.minds[0][store].removed]).toEqual([store, n]);
  const after = await counts(gmid);
  for (const [store, n] of Object.entries(expected))
    expect([store, after[store as keyof typeof after]]).toEqual([store, before[store as keyof typeof before] - n]);
  expect((await counts(other)).messages).toBe(5);

  // The archive: the 20 oldest messages, each once, exactly as they were (line by line).
  expect(archiveLines(gmid)).toEqual(original.slice(0, 20));
  expect((await messagesInDb(gmid)).map((m) => m.id)).toEqual(original.slice(20).map((m) => m.id));

  // Applied again: nothing left to do.
  const again = json('retention', 'apply', gmid);
  expect(again.minds[0].messages.removed).toBe(0);
  expect(archiveLines(gmid)).toHaveLength(20);
});

test('a Mind override wins over the defaults; a bad policy is refused at start naming the key', async () => {
  const gmid = json('mind', 'create', '--name', 'Keeper').gmid as string;
  await populate(gmid, 30);
  config({ messages: { maxAgeDays: -1 } });
  const bad = genesis('retention', 'apply');
  expect(bad.code).toBe(1);
  expect(bad.stderr).toMatch(/^genesis: INVALID_CONFIG: .*"retention\.messages\.maxAgeDays".*0 or more/);
  expect(bad.stderr.trim().split('\n')).toHaveLength(1);
  writeFileSync(join(home, 'genesis.config.json'), JSON.stringify({ retention: { memories: { maxAgeDays: 1 } } }));
  expect(genesis('retention', 'apply').stderr).toMatch(/"retention\.memories".*not a retention setting/);

  config({ messages: { maxAgeDays: null, maxPerMind: null } });
  const file = join(home, 'minds', `${gmid}.json`);
  const doc = JSON.parse(readFileSync(file, 'utf8'));
  writeFileSync(file, JSON.stringify({ ...doc, retention: { messages: { maxPerMind: 10, archive: false } } }));
  expect(json('retention', 'policy', gmid).policy.messages).toEqual({
    maxAgeDays: null,
    maxPerMind: 10,
    archive: false,
  });
  const run = json('retention', 'apply');
  expect(run.minds[0].messages).toMatchObject({ removed: 20, archived: 0 });
  expect((await counts(gmid)).messages).toBe(10);
  expect(archiveLines(gmid)).toEqual([]);
});

test('killed (SIGKILL) between archiving and deleting: the rerun archives nothing twice and loses nothing', async () => {
  const gmid = json('mind', 'create', '--name', 'Crashy').gmid as string;
  await populate(gmid, 3000);
  // One row per delete transaction: the run spends seconds between writing the archive and committing it.
  config({ messages: { maxAgeDays: null, maxPerMind: 100, archive: true }, batchSize: 1 });
  const original = await messagesInDb(gmid);
  expect(original).toHaveLength(3000);

  const dir = join(home, 'archive', gmid);
  const child = spawn(process.execPath, [main, '--home', home, 'retention', 'apply', gmid], { env: cleanEnv() });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  // SIGKILL as soon as a batch is archived (pending) and some of its rows are deleted.
  const deadline = Date.now() + 60_000;
  for (;;) {
    const pending = existsSync(dir) && readdirSync(dir).some((n) => n.endsWith('.pending'));
    if (pending && (await counts(gmid)).messages < 3000 - 50) break;
    if (Date.now() > deadline) throw new Error('no pending archive batch appeared');
    await new Promise((r) => setTimeout(r, 20));
  }
  child.kill('SIGKILL');
  await exited;
  const left = (await counts(gmid)).messages;
  expect(left).toBeLessThan(3000);
  expect(left).toBeGreaterThan(100);
  expect(readdirSync(dir).filter((n) => n.endsWith('.pending'))).toHaveLength(1);

  config({ messages: { maxAgeDays: null, maxPerMind: 100, archive: true }, batchSize: 500 });
  const rerun = json('retention', 'apply', gmid);
  expect(rerun.minds[0].messages.recovered).toBeGreaterThan(0);
  expect(readdirSync(dir).filter((n) => n.endsWith('.pending'))).toEqual([]);

  const archived = archiveLines(gmid);
  const ids = archived.map((m) => m.id);
  expect(new Set(ids).size).toBe(ids.length); // never twice
  expect(ids).toEqual(original.slice(0, 2900).map((m) => m.id)); // never lost, in order
  expect(archived).toEqual(original.slice(0, 2900));
  expect((await messagesInDb(gmid)).map((m) => m.id)).toEqual(original.slice(2900).map((m) => m.id));
}, 120_000);
