import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MIND_EXPORT_TYPES } from '@genesis/mind-core';
import { FakeClock, fillMindForTransfer, tempHome } from '@genesis/mind-core/testing';
import { createDatabase, dropDatabase, withPostgres } from './support/postgres';
import { openTransferHome, type TransferHome } from './support/transfer-home';

/**
 * A Mind moves from a SQLite home into a home on a fresh PostgreSQL database and back: every item
 * arrives field by field, importing twice changes nothing, and the PostgreSQL home exports the
 * same document the SQLite one did.
 */
withPostgres('export and import of a Mind on PostgreSQL', () => {
  const clock = new FakeClock(Date.UTC(2026, 10, 1, 9));
  const homes: Array<ReturnType<typeof tempHome>> = [];
  const open: TransferHome[] = [];
  let database: string | undefined;
  let databaseUrl: string;

  beforeAll(() => {
    ({ name: database, url: databaseUrl } = createDatabase('genesis_transfer'));
  });
  afterAll(async () => {
    for (const h of open.splice(0)) await h.close();
    for (const h of homes.splice(0)) h.cleanup();
    if (database) dropDatabase(database);
  });

  async function newHome(url?: string): Promise<{ home: TransferHome; path: string }> {
    const home = tempHome('genesis-transfer-pg-');
    homes.push(home);
    const opened = await openTransferHome(home.path, clock, url);
    open.push(opened);
    return { home: opened, path: home.path };
  }

  test('SQLite → PostgreSQL → SQLite keeps every item; importing twice changes nothing', async () => {
    const { home: sqlite, path } = await newHome();
    const mind = await sqlite.genesis.createMind({ name: 'Atlas', creatorEmail: 'ann@example.com' });
    await fillMindForTransfer(mind, sqlite.stores, clock);
    const file = join(path, 'atlas.jsonl');
    const exported = await sqlite.genesis.exportMind(mind.gmid, { file });

    const { home: pg } = await newHome(databaseUrl);
    expect(pg.genesis.database).toMatch(/^postgres/);
    const report = await pg.genesis.importMind(file);
    for (const t of MIND_EXPORT_TYPES) expect(report.items[t]).toEqual({ inserted: exported.counts[t], skipped: 0 });
    const before = await sqlite.snapshot(mind.gmid);
    const after = await pg.snapshot(mind.gmid);
    expect(after).toEqual({ ...before, secrets: {} });

    const again = await pg.genesis.importMind(file);
    for (const t of MIND_EXPORT_TYPES) expect(again.items[t]).toEqual({ inserted: 0, skipped: exported.counts[t] });
    expect(await pg.snapshot(mind.gmid)).toEqual(after);

    // PostgreSQL exports the same items, in the same order; they land in a second SQLite home unchanged.
    const back = join(path, 'atlas-from-pg.jsonl');
    const reexported = await pg.genesis.exportMind(mind.gmid, { file: back });
    expect(reexported.counts).toEqual(exported.counts);
    const parse = (f: string) =>
      readFileSync(f, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as unknown);
    expect(parse(back)).toEqual(parse(file));
    const { home: sqlite2 } = await newHome();
    await sqlite2.genesis.importMind(back);
    expect(await sqlite2.snapshot(mind.gmid)).toEqual(after);
  });
});
