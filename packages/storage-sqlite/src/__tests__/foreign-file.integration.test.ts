import { readFileSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempHome } from '@genesis/mind-core/testing';
import { isForeignSqliteFile, preserveForeignFile } from '../foreign-file';
import { SqlDatabase } from '../sql-database';
import { writePythonHome } from '../testing';

let dir: ReturnType<typeof tempHome>;
beforeEach(() => {
  dir = tempHome('genesis-foreign-file-');
});
afterEach(() => dir.cleanup());

test('a Python genesis.db is copied byte for byte before the first open changes it, and only once', async () => {
  const fixture = await writePythonHome(dir.path, { minds: 2, mindFiles: false });
  const original = readFileSync(fixture.database);
  expect(await isForeignSqliteFile(fixture.database)).toBe(true);
  const copy = join(dir.path, 'backup', 'genesis.db');

  const { db } = await SqlDatabase.openMigrated({ url: fixture.database, foreignFileCopy: copy });
  await db.close();
  // Opening changed the file (WAL mode, tables moved aside): the copy is the file as Python left it.
  expect(readFileSync(fixture.database).equals(original)).toBe(false);
  expect(readFileSync(copy).equals(original)).toBe(true);
  expect(await isForeignSqliteFile(fixture.database)).toBe(false);

  // Later opens leave the copy alone (the file is ours now).
  const { db: again } = await SqlDatabase.openMigrated({ url: fixture.database, foreignFileCopy: copy });
  await again.close();
  expect(readFileSync(copy).equals(original)).toBe(true);
});

test('our own database and a missing file are never copied; a hot journal is copied beside the file', async () => {
  const ours = join(dir.path, 'ours.db');
  const copy = join(dir.path, 'backup', 'ours.db');
  const { db } = await SqlDatabase.openMigrated({ url: ours, foreignFileCopy: copy });
  await db.close();
  expect(existsSync(copy)).toBe(false);
  const { db: reopened } = await SqlDatabase.openMigrated({ url: ours, foreignFileCopy: copy });
  await reopened.close();
  expect(existsSync(copy)).toBe(false);

  const fixture = await writePythonHome(join(dir.path, 'py'), { minds: 1, mindFiles: false });
  const journal = Buffer.from('a journal a crashed Python process left behind');
  writeFileSync(`${fixture.database}-journal`, journal);
  const target = join(dir.path, 'backup', 'py.db');
  const original = readFileSync(fixture.database);
  expect(await preserveForeignFile(fixture.database, target)).toMatchObject({ copied: true });
  expect(readFileSync(target).equals(original)).toBe(true);
  expect(readFileSync(`${target}-journal`).equals(journal)).toBe(true);
});
