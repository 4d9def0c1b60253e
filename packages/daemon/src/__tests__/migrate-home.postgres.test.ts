import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MindService } from '@genesis/mind-core';
import { FakeClock, tempHome } from '@genesis/mind-core/testing';
import { createSqlStores } from '@genesis/storage-sqlite';
import { expectEveryRowImported } from '@genesis/storage-sqlite/testing';
import { resolveConfig } from '../composition/config';
import { composeGenesis } from '../composition/container';
import { LEGACY_BACKUP_FOLDER } from '../home-migration/backup';
import { migrateHome } from '../home-migration/home-migrator';
import { BROKEN, FILE_ONLY, SQL_MINDS, writeOldHome } from './support/old-home';
import { createDatabase, dropDatabase, withPostgres } from './support/postgres';

/**
 * An old Python home whose user now runs Genesis on PostgreSQL: `genesis migrate` reads the Python
 * `genesis.db` left in the home folder (kept byte for byte first) and imports everything into
 * PostgreSQL, exactly once.
 */
withPostgres('genesis migrate of a Python home into PostgreSQL', () => {
  const clock = new FakeClock(Date.UTC(2026, 5, 1));
  const home = tempHome('genesis-migrate-pg-');
  let database: string | undefined;
  let url: string;
  beforeAll(() => {
    ({ name: database, url } = createDatabase('genesis_migrate'));
  });
  afterAll(() => {
    home.cleanup();
    if (database) dropDatabase(database);
  });

  test('every old row lands in PostgreSQL once; a second run moves nothing', async () => {
    const old = await writeOldHome(home.path);
    const original = createHash('sha256').update(readFileSync(old.python.database)).digest('hex');
    const config = resolveConfig({
      overrides: { home: home.path, databaseUrl: url },
      env: { GENESIS_EMBEDDINGS: 'hash' },
    });
    const composed = await composeGenesis(config, { clock });
    try {
      expect(composed.db.dialect).toBe('postgres');
      const first = await migrateHome(composed, { database: composed.db.location, schemaApplied: [] });
      expect(first.minds.map((m) => [m.gmid, m.status])).toEqual(
        [...SQL_MINDS, FILE_ONLY, BROKEN].sort().map((g) => [g, g === BROKEN ? 'failed' : 'migrated']),
      );
      const backup = readFileSync(join(home.path, LEGACY_BACKUP_FOLDER, 'genesis.db'));
      expect(createHash('sha256').update(backup).digest('hex')).toBe(original);

      const bad = new Set(old.python.badRows.map((b) => `${b.table}:${String(b.id)}`));
      const idOf = (row: Record<string, unknown>) =>
        String(row.id ?? row.concern_id ?? row.task_id ?? row.env_id ?? row.thought_id ?? '');
      const rows = Object.fromEntries(
        Object.entries(old.python.rows).map(([t, list]) => [t, list.filter((r) => !bad.has(`${t}:${idOf(r)}`))]),
      );
      const stores = createSqlStores(composed.db, clock);
      expect(await expectEveryRowImported(stores, { minds: [...SQL_MINDS], rows }, expect)).toBeGreaterThan(100);
      const fileOnly = await composed.container.resolve(MindService).loadMind(FILE_ONLY);
      expect(await fileOnly.conversation.countMessages()).toBe(120);

      const again = await migrateHome(composed, { database: composed.db.location, schemaApplied: [] });
      expect(again.totals.moved).toBe(0);
      expect(again.totals.alreadyThere).toBe(first.totals.moved + first.totals.alreadyThere);
    } finally {
      await composed.close();
    }
  }, 120_000);
});
