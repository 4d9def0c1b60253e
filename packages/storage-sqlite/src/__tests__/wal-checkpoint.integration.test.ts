import { statSync } from 'node:fs';
import { SqlDatabase } from '../sql-database';
import { FALLBACK_AUTOCHECKPOINT_PAGES } from '../wal-checkpointer';
import { sqliteTarget } from './support/targets';

/**
 * The WAL is copied back into the database by a connection of its own after writes, not inside a
 * writer's commit: the database file grows once the checkpointer ran, while the writing
 * connection's own automatic checkpoint is only a far-off safety net.
 */
const target = sqliteTarget();
let file: string;
let db: SqlDatabase;

beforeAll(async () => {
  file = await target.create();
  db = await SqlDatabase.open({ url: file, checkpointIntervalMs: 50 });
  await db.migrate();
});
afterAll(async () => {
  await db.close();
  await target.cleanup();
});

test('writes reach the database file through the checkpoint connection', async () => {
  const [setting] = await db.all<{ wal_autocheckpoint: number }>('PRAGMA wal_autocheckpoint');
  expect(setting?.wal_autocheckpoint).toBe(FALLBACK_AUTOCHECKPOINT_PAGES);
  // Settle what the migrations wrote, then write ~1 MB: far below the fallback threshold (~40 MB).
  await new Promise((r) => setTimeout(r, 200));
  const before = statSync(file).size;
  const text = 'x'.repeat(1000);
  await db.write(async (tx) => {
    await tx.run('CREATE TABLE wal_probe (v TEXT NOT NULL)');
    for (let i = 0; i < 1000; i++) await tx.run('INSERT INTO wal_probe (v) VALUES (?)', [`${i}${text}`]);
  });
  expect(statSync(file).size - before).toBeLessThan(100_000); // still in the WAL
  const deadline = Date.now() + 5_000;
  while (statSync(file).size - before < 900_000 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  expect(statSync(file).size - before).toBeGreaterThanOrEqual(900_000);
});
