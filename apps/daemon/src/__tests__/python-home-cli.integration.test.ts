import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { tempHome } from '@genesis/mind-core/testing';
import { readSqliteTable, writePythonHome, type PythonHome } from '@genesis/storage-sqlite/testing';
import { LEGACY_HINT } from '../cli/views';

/** Runs the built program, as a user would. */
const main = resolve(__dirname, '../../dist/main.js');
function genesis(...args: string[]) {
  const env = { ...process.env };
  delete env.GENESIS_DATABASE_URL;
  delete env.GENESIS_HOME;
  delete env.GENESIS_CONFIG;
  const res = spawnSync(process.execPath, [main, ...args], { encoding: 'utf8', env, timeout: 60_000 });
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}

let dir: ReturnType<typeof tempHome>;
let fixture: PythonHome;
beforeEach(async () => {
  dir = tempHome('genesis-python-cli-');
  fixture = await writePythonHome(dir.path, { minds: 3 });
});
afterEach(() => dir.cleanup());

const fileBytes = (f: PythonHome) => Object.keys(f.files).map((file) => readFileSync(file, 'utf8'));

test('genesis status on a Python home exits 0, creates our schema and names the earlier tables with the hint', () => {
  const files = fileBytes(fixture);
  const status = genesis('--home', fixture.home, 'status');
  expect(status.stderr).not.toMatch(/MIGRATION_FAILED/);
  expect(status.code).toBe(0);
  expect(status.stdout).toMatch(/schema up to date/);
  expect(status.stdout).toContain(`earlier Genesis: ${fixture.tables.length} tables`);
  expect(status.stdout).toMatch(
    new RegExp(`python_conversation_messages +${fixture.rows.conversation_messages!.length}\\n`),
  );
  expect(status.stdout).toContain(`hint: ${LEGACY_HINT}`);

  const doc = JSON.parse(genesis('--home', fixture.home, '--json', 'status').stdout);
  expect(doc.migrations.appliedNow).toEqual([]);
  expect(doc.hint).toBe(LEGACY_HINT);
  expect(doc.legacy).toHaveLength(fixture.tables.length);
  for (const table of fixture.tables) {
    expect(doc.legacy).toContainEqual({
      table: `python_${table}`,
      original: table,
      rows: fixture.rows[table]!.length,
    });
  }
  // The Mind files are left as they were.
  expect(fileBytes(fixture)).toEqual(files);
});

test('genesis mind list works on a Python home, and the old rows stay exactly as written', async () => {
  const list = genesis('--home', fixture.home, '--json', 'mind', 'list');
  expect(list.stderr).not.toMatch(/MIGRATION_FAILED/);
  expect(list.code).toBe(0);
  expect(JSON.parse(list.stdout)).toMatchObject({ items: expect.any(Array) });
  expect(genesis('--home', fixture.home, 'mind', 'list').code).toBe(0);
  for (const table of fixture.tables) {
    expect(await readSqliteTable(fixture.database, `python_${table}`)).toEqual(fixture.rows[table]);
  }
});
