import { importPythonRows, type PythonImportReport } from '@genesis/mind-core';
import { FakeClock, tempHome } from '@genesis/mind-core/testing';
import { PythonRowSource } from '../legacy/python-row-source';
import { SqlDatabase } from '../sql-database';
import { createSqlStores } from '../sql-stores';
import { SqlUnitOfWork } from '../sql-unit-of-work';
import { readSqliteTable, writePythonHome, type PythonHomeOptions } from '../testing';
import { expectEveryRowImported, ourRows } from '../testing';

const NOW = Date.UTC(2030, 0, 1, 12);

let dir: ReturnType<typeof tempHome>;
beforeEach(() => {
  dir = tempHome('genesis-python-import-');
});
afterEach(() => dir.cleanup());

/** A Python home opened as ours (its tables moved aside), with the reader and the stores over it. */
async function openPythonHome(options: PythonHomeOptions = {}) {
  const fixture = await writePythonHome(dir.path, options);
  const { db } = await SqlDatabase.openMigrated({ url: fixture.database });
  const clock = new FakeClock(NOW);
  return {
    fixture,
    db,
    source: new PythonRowSource(db),
    stores: createSqlStores(db, clock),
    unitOfWork: new SqlUnitOfWork(db, clock),
  };
}

const summary = (reports: PythonImportReport[]) =>
  reports.map((r) => r.tables.map((t) => [t.table, t.read, t.moved, t.alreadyThere, t.skipped.length]));

test('every row of every table of a real Python home is imported once, and a second run changes nothing', async () => {
  const { fixture, db, source, stores, unitOfWork } = await openPythonHome({ minds: 3 });
  try {
    expect(await source.gmids()).toEqual(fixture.minds);
    expect((await source.tables()).map((t) => t.original).sort()).toEqual([...fixture.tables].sort());

    const reports: PythonImportReport[] = [];
    for (const gmid of fixture.minds) {
      const progress: number[][] = [];
      const report = await importPythonRows({
        source,
        unitOfWork,
        gmid,
        batchSize: 5,
        onProgress: (done, total) => progress.push([done, total]),
      });
      reports.push(report);
      expect(report.totals.skipped).toBe(0);
      expect(report.totals.moved).toBe(report.totals.read);
      expect(progress[progress.length - 1]).toEqual([report.totals.read, report.totals.read]);
      expect(report.identity).toMatchObject({ gmid, name: expect.stringMatching(/^Mind \d — Ödön$/) });
      // Home-wide tables are not a Mind's.
      expect(report.tables.map((t) => t.table)).not.toContain('metaverse_state');
    }
    // The reports count each table's rows of the Mind.
    const sharedEvents = fixture.rows.shared_events!.length;
    expect(reports[0]!.tables.map((t) => [t.table, t.read])).toEqual([
      ['minds', 1],
      ['environments', 2],
      ['environment_visits', 3],
      ['conversation_messages', 12],
      ['concerns', 4],
      ['background_tasks', 4],
      ['thoughts', 6],
      ['tasks', 3],
      ['gen_transactions', 5],
      ['shared_events', sharedEvents],
      ['relationships', 2],
      ['mind_files', 2],
    ]);
    expect(await expectEveryRowImported(stores, fixture, expect)).toBe(reports.reduce((n, r) => n + r.totals.moved, 0));

    // The Python tables were only read.
    for (const table of fixture.tables) {
      expect(await readSqliteTable(fixture.database, `python_${table}`)).toEqual(fixture.rows[table]);
    }

    // Again (with another batch size): everything there already, nothing written.
    const before = await ourRows(db);
    const again: PythonImportReport[] = [];
    for (const gmid of fixture.minds) {
      again.push(await importPythonRows({ source, unitOfWork, gmid, batchSize: 7 }));
    }
    expect(summary(again)).toEqual(reports.map((r) => r.tables.map((t) => [t.table, t.read, 0, t.moved, 0])));
    expect(await ourRows(db)).toEqual(before);
  } finally {
    await db.close();
  }
});

test('an older Python home (no newer columns) imports every row too', async () => {
  const { fixture, db, source, stores, unitOfWork } = await openPythonHome({ minds: 2, variant: 'older' });
  try {
    expect((await source.tables()).find((t) => t.original === 'background_tasks')!.columns).not.toContain('context');
    for (const gmid of fixture.minds) {
      const report = await importPythonRows({ source, unitOfWork, gmid });
      expect(report.totals).toMatchObject({ skipped: 0, alreadyThere: 0 });
    }
    await expectEveryRowImported(stores, fixture, expect);
  } finally {
    await db.close();
  }
});

test('a dry run writes nothing; bad rows are skipped with their reason; a Mind with no row imports anyway', async () => {
  const { fixture, db, source, stores, unitOfWork } = await openPythonHome({
    minds: 1,
    tables: ['conversation_messages', 'concerns'],
  });
  try {
    const gmid = fixture.minds[0]!;
    await db.write(async (tx) => {
      await tx.run("UPDATE python_conversation_messages SET timestamp = 'not a time' WHERE id = 2");
      await tx.run("UPDATE python_concerns SET content = '' WHERE concern_id = 'concern_0_1'");
    });
    const dry = await importPythonRows({ source, unitOfWork, gmid, dryRun: true });
    expect(dry.identity).toBeNull();
    expect(dry.totals).toEqual({ read: 16, moved: 14, alreadyThere: 0, skipped: 2 });
    expect(await ourRows(db)).toEqual({
      conversation_messages: [],
      concerns: [],
      background_tasks: [],
      environments: [],
      relationships: [],
      mind_records: [],
    });

    const report = await importPythonRows({ source, unitOfWork, gmid });
    expect(report.tables.map((t) => [t.table, t.moved, t.skipped])).toEqual([
      ['conversation_messages', 11, [{ id: '2', reason: 'timestamp is not a time ("not a time")' }]],
      ['concerns', 3, [{ id: 'concern_0_1', reason: 'content is missing' }]],
    ]);
    expect(await stores.messages.count({ mindId: gmid })).toBe(11);
  } finally {
    await db.close();
  }
});

test('the rows written to be bad are skipped, each with its reason, and all the others imported', async () => {
  const { fixture, db, source, stores, unitOfWork } = await openPythonHome({ minds: 2, badRows: true });
  try {
    expect(fixture.badRows.map((b) => b.table)).toEqual([
      'conversation_messages',
      'concerns',
      'background_tasks',
      'thoughts',
    ]);
    const skipped: Array<[string, string]> = [];
    for (const gmid of fixture.minds) {
      const report = await importPythonRows({ source, unitOfWork, gmid });
      for (const t of report.tables) for (const s of t.skipped) skipped.push([t.table, s.id]);
      expect(report.totals.moved + report.totals.skipped).toBe(report.totals.read);
    }
    expect(skipped).toEqual(fixture.badRows.map((b) => [b.table, b.id]));
    const bad = new Set(fixture.badRows.map((b) => `${b.table}:${b.id}`));
    const idColumn: Record<string, string> = { concerns: 'concern_id', background_tasks: 'task_id' };
    const rows = Object.fromEntries(
      Object.entries(fixture.rows).map(([table, list]) => [
        table,
        list.filter((r) => !bad.has(`${table}:${String(r[idColumn[table] ?? 'id'])}`)),
      ]),
    );
    await expectEveryRowImported(stores, { minds: fixture.minds, rows }, expect);
  } finally {
    await db.close();
  }
});
