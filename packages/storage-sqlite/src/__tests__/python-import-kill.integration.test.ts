import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { importPythonRows } from '@genesis/mind-core';
import { FakeClock, tempHome } from '@genesis/mind-core/testing';
import { PythonRowSource } from '../legacy/python-row-source';
import { SqlDatabase } from '../sql-database';
import { createSqlStores } from '../sql-stores';
import { SqlUnitOfWork } from '../sql-unit-of-work';
import { writePythonHome } from '../testing';
import { expectEveryRowImported, ourRows } from '../testing';

/**
 * The import in a child process (the built packages): every Mind of the home in batches of 3,
 * one line on stdout per batch committed.
 */
const CHILD = `
const { importPythonRows } = require('@genesis/mind-core');
const { SqlDatabase, SqlUnitOfWork, PythonRowSource } = require('@genesis/storage-sqlite');
(async () => {
  const { db } = await SqlDatabase.openMigrated({ url: process.argv[1] });
  const source = new PythonRowSource(db);
  const unitOfWork = new SqlUnitOfWork(db);
  for (const gmid of await source.gmids()) {
    await importPythonRows({ source, unitOfWork, gmid, batchSize: 3, onProgress: (done) => process.stdout.write(gmid + ' ' + done + '\\n') });
  }
  await db.close();
  process.stdout.write('finished\\n');
})().catch((error) => { console.error(error); process.exit(1); });
`;

/** Runs the import in a child; kills it with SIGKILL after `killAfter` batches (never, when null). */
function runChild(
  database: string,
  killAfter: number | null,
): Promise<{ killed: boolean; batches: number; finished: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', CHILD, database], {
      cwd: join(__dirname, '..', '..'),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let batches = 0;
    let finished = false;
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n').filter(Boolean)) {
        if (line === 'finished') finished = true;
        else batches++;
        if (killAfter !== null && batches >= killAfter && !child.killed) child.kill('SIGKILL');
      }
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL' || code === 0) resolve({ killed: signal === 'SIGKILL', batches, finished });
      else reject(new Error(`import child failed (${code}): ${stderr}`));
    });
  });
}

let dir: ReturnType<typeof tempHome>;
beforeEach(() => {
  dir = tempHome('genesis-python-kill-');
});
afterEach(() => dir.cleanup());

test('killed with SIGKILL at many points and run again, the import ends with every row exactly once', async () => {
  const fixture = await writePythonHome(dir.path, { minds: 2 });
  // Kill points spread over the whole run (about 40 batches), in an order a seed fixes.
  let seed = 7;
  const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  let kills = 0;
  for (let i = 0; i < 8; i++) {
    const run = await runChild(fixture.database, 1 + Math.floor(random() * 12));
    if (run.killed) kills++;
    if (run.finished) break;
  }
  expect(kills).toBeGreaterThan(2);
  const last = await runChild(fixture.database, null);
  expect(last.finished).toBe(true);

  const { db } = await SqlDatabase.openMigrated({ url: fixture.database });
  try {
    const clock = new FakeClock(Date.UTC(2030, 0, 1));
    await expectEveryRowImported(createSqlStores(db, clock), fixture, expect);
    const before = await ourRows(db);
    const source = new PythonRowSource(db);
    for (const gmid of fixture.minds) {
      const again = await importPythonRows({ source, unitOfWork: new SqlUnitOfWork(db, clock), gmid });
      expect(again.totals).toMatchObject({ moved: 0, skipped: 0, alreadyThere: again.totals.read });
    }
    expect(await ourRows(db)).toEqual(before);
  } finally {
    await db.close();
  }
});
