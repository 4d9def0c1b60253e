import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

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
beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'genesis-cli-'));
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

test('migrate creates <home>/genesis.db once; running it again changes nothing', () => {
  const first = genesis('--home', home, '--json', 'migrate');
  expect(first.code).toBe(0);
  expect(JSON.parse(first.stdout)).toMatchObject({ home, applied: ['InitialSchema1764000000000', 'MindRecords1764100000000'], appliedCount: 2 });
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
    migrations: { applied: ['InitialSchema1764000000000', 'MindRecords1764100000000'], appliedNow: ['InitialSchema1764000000000', 'MindRecords1764100000000'] },
    rows: { conversation_messages: 0, minds: 0, background_tasks: 0 },
  });
  expect(JSON.parse(genesis('--home', home, '--json', 'status').stdout).migrations.appliedNow).toEqual([]);
  expect(genesis('--home', home, '--json', 'mind', 'list').stdout).toContain('"items": []');
});

test('bad input exits non-zero with a one-line error', () => {
  const unknown = genesis('--home', home, 'frobnicate');
  expect(unknown.code).not.toBe(0);
  expect(unknown.stderr).toMatch(/unknown command 'frobnicate'/);
  const badLimit = genesis('--home', home, 'mind', 'list', '--limit', 'abc');
  expect(badLimit.code).not.toBe(0);
  expect(badLimit.stderr.trim().split('\n')[0]).toMatch(/--limit <n>' argument 'abc' is invalid. must be an integer from 1 to 1000/);
  expect(badLimit.stdout).toBe('');
  // A database that cannot be created: one line naming it, exit 1.
  writeFileSync(join(home, 'a-file'), 'not a folder');
  const blocked = genesis('--home', join(home, 'a-file', 'home'), 'status');
  expect(blocked.code).toBe(1);
  expect(blocked.stderr.trim().split('\n')).toHaveLength(1);
  expect(blocked.stderr).toContain(`genesis: DATABASE_UNAVAILABLE: Cannot create the folder of the SQLite database ${join(home, 'a-file', 'home', 'genesis.db')}`);
});
