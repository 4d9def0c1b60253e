import { importPythonRows, type PythonImportReport } from '@genesis/mind-core';
import { FakeClock } from '@genesis/mind-core/testing';
import { PythonRowSource } from '../legacy/python-row-source';
import { SqlDatabase } from '../sql-database';
import { createSqlStores } from '../sql-stores';
import { SqlUnitOfWork } from '../sql-unit-of-work';
import { expectEveryRowImported, ourRows } from '../testing';
import { writePythonTablesOnPostgres } from './support/python-tables-postgres';
import { postgresTarget, withPostgres } from './support/targets';

withPostgres('Python rows import on PostgreSQL', () => {
  const target = postgresTarget();
  afterAll(() => target.cleanup());

  test.each(['current', 'older'] as const)(
    'every row of a Python database on PostgreSQL (%s) is imported once; a second run changes nothing',
    async (variant) => {
      const url = await target.create();
      const fixture = await writePythonTablesOnPostgres(url, variant);
      const { db } = await SqlDatabase.openMigrated({ url });
      try {
        const clock = new FakeClock(Date.UTC(2030, 0, 1));
        const source = new PythonRowSource(db);
        const unitOfWork = new SqlUnitOfWork(db, clock);
        expect(await source.gmids()).toEqual(fixture.minds);
        const reports: PythonImportReport[] = [];
        for (const gmid of fixture.minds) {
          const report = await importPythonRows({ source, unitOfWork, gmid, batchSize: 4 });
          expect(report.totals).toMatchObject({ skipped: 0, alreadyThere: 0 });
          reports.push(report);
        }
        const moved = reports.reduce((n, r) => n + r.totals.moved, 0);
        expect(await expectEveryRowImported(createSqlStores(db, clock), fixture, expect)).toBe(moved);

        const before = await ourRows(db);
        for (const gmid of fixture.minds) {
          const again = await importPythonRows({ source, unitOfWork, gmid, batchSize: 9 });
          expect(again.totals).toMatchObject({ moved: 0, skipped: 0 });
          expect(again.totals.alreadyThere).toBe(again.totals.read);
        }
        expect(await ourRows(db)).toEqual(before);
      } finally {
        await db.close();
      }
    },
  );
});
