import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tempHome } from '@genesis/mind-core/testing';
import { MIGRATIONS } from '@genesis/storage-sqlite';

/** Runs the built program, as a user would. */
const main = resolve(__dirname, '../../dist/main.js');
function genesis(...args: string[]) {
  const env = { ...process.env };
  delete env.GENESIS_DATABASE_URL;
  delete env.GENESIS_HOME;
  const res = spawnSync(process.execPath, [main, ...args], { encoding: 'utf8', env, timeout: 60_000 });
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}

let home: string;
let cleanup: () => void;
beforeEach(() => {
  ({ path: home, cleanup } = tempHome('genesis-cli-'));
});
afterEach(() => cleanup());

test('migrate creates <home>/genesis.db once; running it again changes nothing', () => {
  const first = genesis('--home', home, '--json', 'migrate');
  expect(first.code).toBe(0);
  expect(JSON.parse(first.stdout)).toMatchObject({
    home,
    applied: MIGRATIONS.map((m) => m.name),
    appliedCount: MIGRATIONS.length,
  });
  expect(existsSync(join(home, 'genesis.db'))).toBe(true);
  const second = genesis('--home', home, 'migrate');
  expect(second.code).toBe(0);
  expect(second.stdout).toMatch(/is up to date/);
});

test('status opens a new home, migrates it, and reports row counts as JSON', () => {
  const status = genesis('--home', home, '--json', 'status');
  expect(status.code).toBe(0);
  const doc = JSON.parse(status.stdout);
  expect(doc).toMatchObject({
    home,
    database: join(home, 'genesis.db'),
    dialect: 'sqlite',
    migrations: {
      applied: MIGRATIONS.map((m) => m.name),
      appliedNow: MIGRATIONS.map((m) => m.name),
    },
    rows: { conversation_messages: 0, minds: 0, background_tasks: 0 },
  });
  expect(JSON.parse(genesis('--home', home, '--json', 'status').stdout).migrations.appliedNow).toEqual([]);
  expect(genesis('--home', home, '--json', 'mind', 'list').stdout).toContain('"items": []');
});

test('bad input exits non-zero with a one-line error', () => {
  const unknown = genesis('--home', home, 'frobnicate');
  expect(unknown.stderr.trim().split('\n')).toHaveLength(1);
  expect(unknown.code).not.toBe(0);
  expect(unknown.stderr).toMatch(/unknown command 'frobnicate'/);
  const badLimit = genesis('--home', home, 'messages', 'GMD-2026-0000-0000', '--limit', 'abc');
  expect(badLimit.code).not.toBe(0);
  expect(badLimit.stderr.trim().split('\n')[0]).toMatch(
    /--limit <n>' argument 'abc' is invalid. must be an integer from 1 to 1000/,
  );
  expect(badLimit.stdout).toBe('');
  const badGrowth = genesis('--home', home, 'daemon', 'start', '--heap-growth', '-5');
  expect(badGrowth.code).not.toBe(0);
  expect(badGrowth.stderr.trim().split('\n')[0]).toMatch(/--heap-growth <percent>' argument '-5' is invalid/);
  // A database that cannot be created: one line naming it, exit 1.
  writeFileSync(join(home, 'a-file'), 'not a folder');
  const blocked = genesis('--home', join(home, 'a-file', 'home'), 'status');
  expect(blocked.code).toBe(1);
  expect(blocked.stderr.trim().split('\n')).toHaveLength(1);
  expect(blocked.stderr).toContain(
    `genesis: DATABASE_UNAVAILABLE: Cannot create the folder of the SQLite database ${join(home, 'a-file', 'home', 'genesis.db')}`,
  );
});

function json(...args: string[]) {
  const res = genesis('--home', home, '--json', ...args);
  if (res.code !== 0) throw new Error(`genesis ${args.join(' ')} failed (${res.code}): ${res.stderr}`);
  return JSON.parse(res.stdout);
}

test('minds, messages, concerns and stats through the CLI', () => {
  const created = json(
    'mind',
    'create',
    '--name',
    'Atlas',
    '--creator-email',
    'ann@example.com',
    '--purpose',
    'keep company',
  );
  expect(created.gmid).toMatch(/^GMD-\d{4}-[0-9A-F]{4}-[0-9A-F]{4}$/);
  const gmid: string = created.gmid;
  expect(json('mind', 'list').items.map((m: { gmid: string }) => m.gmid)).toEqual([gmid]);
  expect(json('mind', 'show', gmid)).toMatchObject({
    schemaVersion: 2,
    identity: { gmid, name: 'Atlas', primaryPurpose: 'keep company' },
  });

  for (let i = 0; i < 5; i++)
    json(
      'message',
      'add',
      gmid,
      '--role',
      i % 2 ? 'assistant' : 'user',
      '--content',
      `hello ${i}`,
      '--user',
      'ann@example.com',
    );
  json('message', 'add', gmid, '--role', 'user', '--content', 'from bob', '--user', 'bob@example.com');
  const page1 = json('messages', gmid, '--limit', '4');
  expect(page1.items.map((m: { content: string }) => m.content)).toEqual(['from bob', 'hello 4', 'hello 3', 'hello 2']);
  expect(page1.items[0]).toMatchObject({
    role: 'user',
    userEmail: 'bob@example.com',
    mindId: gmid,
    createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
  });
  const page2 = json('messages', gmid, '--limit', '4', '--cursor', page1.nextCursor);
  expect(page2).toMatchObject({ nextCursor: null });
  expect(page2.items.map((m: { content: string }) => m.content)).toEqual(['hello 1', 'hello 0']);
  expect(json('messages', gmid, '--user', 'bob@example.com').items).toHaveLength(1);
  expect(json('messages', gmid, '--since', '2999-01-01').items).toHaveLength(0);

  const concern = json(
    'concern',
    'add',
    gmid,
    '--type',
    'health',
    '--description',
    'knee surgery',
    '--follow-up',
    '2030-01-02T09:00:00Z',
    '--user',
    'ann@example.com',
    '--severity',
    '0.8',
    '--urgency',
    'high',
  );
  expect(concern).toMatchObject({
    concernType: 'health',
    status: 'active',
    severity: 0.8,
    urgency: 'high',
    nextCheckAt: '2030-01-02T09:00:00.000Z',
  });
  json('concern', 'add', gmid, '--type', 'task', '--description', 'taxes', '--follow-up', '2030-03-01');
  expect(
    json('concerns', gmid, '--due-before', '2030-02-01').items.map((c: { description: string }) => c.description),
  ).toEqual(['knee surgery']);
  expect(json('concern', 'resolve', concern.id, '--note', 'healed')).toMatchObject({
    status: 'resolved',
    metadata: { resolutionNote: 'healed' },
  });
  expect(json('concerns', gmid, '--status', 'active').items.map((c: { description: string }) => c.description)).toEqual(
    ['taxes'],
  );
  const resolvedAgain = genesis('--home', home, 'concern', 'resolve', concern.id);
  expect(resolvedAgain.code).toBe(1);
  expect(resolvedAgain.stderr).toMatch(/INVALID_TRANSITION: Concern .* is resolved: it cannot become resolved/);

  const stats = json('stats', gmid);
  expect(stats).toMatchObject({ gmid, messages: 6, concerns: 2, activeConcerns: 1, memoriesNotYetMoved: 0 });
  expect(stats.jsonBytes).toBeGreaterThan(200);
  expect(stats.jsonBytes).toBeLessThan(50 * 1024);
  expect(json('stats').minds).toHaveLength(1);

  // The user messages recorded who the Mind talks to: ann (3 messages from her) and bob (1).
  const people = json('relationships', gmid).items.map((r: { userEmail: string; interactionCount: number }) => [
    r.userEmail,
    r.interactionCount,
  ]);
  expect(people.sort()).toEqual([
    ['ann@example.com', 3],
    ['bob@example.com', 1],
  ]);

  // 6 messages, 2 concerns, 2 relationships.
  expect(json('mind', 'delete', gmid)).toMatchObject({ gmid, rowsDeleted: 10, fileRemoved: true });
  expect(json('mind', 'list').items).toEqual([]);
});

test.each([
  [['message', 'add', 'GMD-2026-0000-0000', '--role', 'user', '--content', 'x'], 1, /MIND_NOT_FOUND/],
  [['message', 'add', '../../etc/passwd', '--role', 'user', '--content', 'x'], 2, /is not a Genesis Mind id/],
  [['mind', 'show', 'GMD-2026-4A7F-9B23/../x'], 2, /is not a Genesis Mind id/],
  [
    ['concern', 'add', 'GMD-2026-0000-0000', '--type', 'health', '--description', 'd', '--follow-up', 'tomorrow'],
    2,
    /--follow-up <iso>' argument 'tomorrow' is invalid/,
  ],
  [
    ['concern', 'add', 'GMD-2026-0000-0000', '--type', 'health', '--description', 'd', '--severity', '2'],
    2,
    /must be a number from 0 to 1/,
  ],
  [['messages', 'GMD-2026-0000-0000', '--limit', '5000'], 2, /must be an integer from 1 to 1000/],
  [['mind', 'create'], 2, /required option '--name <name>' not specified/],
])('bad input %j exits %i with a one-line error', (args, code, message) => {
  const res = genesis('--home', home, ...args);
  expect(res.code).toBe(code);
  expect(res.stderr.trim().split('\n')).toHaveLength(1);
  expect(res.stderr).toMatch(message);
  expect(res.stdout).toBe('');
});

test('bad message input for an existing Mind is refused and writes nothing', () => {
  const { gmid } = json('mind', 'create', '--name', 'Careful');
  for (const args of [
    ['--role', 'robot', '--content', 'x'],
    ['--role', 'user', '--content', ''],
    ['--role', 'user', '--content', 'x', '--user', 'not-an-email'],
  ]) {
    const res = genesis('--home', home, 'message', 'add', gmid, ...args);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/^genesis: INVALID_INPUT: /);
  }
  expect(json('stats', gmid).messages).toBe(0);
});

test('memory add, search and reindex through the CLI', () => {
  const { gmid } = json('mind', 'create', '--name', 'Rememberer');
  const coffee = ['--content', 'Ann loves strong black coffee', '--importance', '0.9', '--user', 'ann@example.com'];
  const added = json('memory', 'add', gmid, '--type', 'semantic', ...coffee);
  expect(added).toMatchObject({
    type: 'semantic',
    importance: 0.9,
    userEmail: 'ann@example.com',
    relationshipContext: 'personal',
  });
  json('memory', 'add', gmid, '--type', 'episodic', '--content', 'We walked by the river on Sunday');
  const found = json('memory', 'search', gmid, 'coffee', '--limit', '1');
  expect(found.items.map((m: { content: string }) => m.content)).toEqual(['Ann loves strong black coffee']);
  expect(found.items[0].similarity).toBeGreaterThan(0);
  expect(
    json('memory', 'search', gmid, 'coffee', '--user', 'bob@example.com').items.map(
      (m: { content: string }) => m.content,
    ),
  ).toEqual(['We walked by the river on Sunday']);
  expect(json('memory', 'search', gmid, 'river', '--type', 'episodic').items).toHaveLength(1);
  expect(json('memory', 'reindex', gmid)).toEqual({ gmid, reindexed: 2 });

  const bad = genesis('--home', home, 'memory', 'add', gmid, '--type', 'dreamy', '--content', 'x');
  expect(bad.code).toBe(1);
  expect(bad.stderr).toMatch(
    /^genesis: INVALID_INPUT: memoryType must be one of episodic, semantic, procedural, prospective, working/,
  );
  const outOfRange = ['--content', 'x', '--importance', '7'];
  const badImportance = genesis('--home', home, 'memory', 'add', gmid, '--type', 'semantic', ...outOfRange);
  expect(badImportance.code).toBe(2);
  expect(json('memory', 'search', gmid, 'anything', '--limit', '10').items).toHaveLength(2);
});
