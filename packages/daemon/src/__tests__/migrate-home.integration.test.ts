import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { MIND_LEASE_STORE, MindService } from '@genesis/mind-core';
import { FakeClock, tempHome } from '@genesis/mind-core/testing';
import { createSqlStores } from '@genesis/storage-sqlite';
import { composeGenesis, type ComposedGenesis } from '../composition/container';
import { resolveConfig } from '../composition/config';
import { LEGACY_BACKUP_FOLDER } from '../home-migration/backup';
import { migrateHome } from '../home-migration/home-migrator';
import type { HomeMigrationReport, MindMigrationReport } from '../home-migration/report';
import { expectEveryRowImported } from '@genesis/storage-sqlite/testing';
import { BROKEN, FILE_ONLY, SQL_MINDS, writeOldHome, type OldHome } from './support/old-home';

/**
 * `genesis migrate` (the SDK's migrateHome) on a home laid out like a real Python one: SQL rows,
 * Mind files with `.bak`, a plugin-heavy file, a file-only Mind with people and places, a
 * truncated file, a `.tmp`, an old Chroma store. Every item is checked against its source; a
 * second run changes nothing; every Mind loads and saves under 50 KB.
 */
const clock = new FakeClock(Date.UTC(2026, 5, 1));
const home = tempHome('genesis-migrate-home-');
let old: OldHome;
let originals: Record<string, string>;
let composed: ComposedGenesis;
let first: HomeMigrationReport;

const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
const mindReport = (report: HomeMigrationReport, gmid: string): MindMigrationReport =>
  report.minds.find((m) => m.gmid === gmid)!;
const count = (report: MindMigrationReport, item: string, source?: string) =>
  report.counts
    .filter((c) => c.item === item && (source === undefined || c.source.startsWith(source)))
    .reduce((n, c) => n + c.moved + c.alreadyThere, 0);

beforeAll(async () => {
  old = await writeOldHome(home.path);
  originals = Object.fromEntries(Object.keys(old.python.files).map((f) => [f, sha(f)]));
  for (const gmid of [...SQL_MINDS, FILE_ONLY, BROKEN]) {
    const f = join(home.path, 'minds', `${gmid}.json`);
    originals[f] = sha(f);
  }
  originals[old.python.database] = sha(old.python.database);
  const config = resolveConfig({ overrides: { home: home.path }, env: { GENESIS_EMBEDDINGS: 'hash' } });
  composed = await composeGenesis(config, { clock });
  first = await migrateHome(composed, { database: composed.db.location, schemaApplied: [] });
}, 120_000);
afterAll(async () => {
  await composed?.close();
  home.cleanup();
});

test('every Mind of the old home is found; the truncated file fails alone, the others migrate', () => {
  expect(first.minds.map((m) => [m.gmid, m.status])).toEqual(
    [...SQL_MINDS, FILE_ONLY, BROKEN].sort().map((g) => [g, g === BROKEN ? 'failed' : 'migrated']),
  );
  expect(mindReport(first, BROKEN).error).toMatchObject({ code: 'INVALID_MIND_FILE' });
  expect(mindReport(first, SQL_MINDS[1]).problems.join('\n')).toMatch(/\.tmp/);
  expect(first.totals.failedMinds).toBe(1);
  expect(first.totals.moved).toBeGreaterThan(0);
});

test('the originals are kept byte for byte in a checked backup, and left as they were', () => {
  const backup = join(home.path, LEGACY_BACKUP_FOLDER);
  const manifest = JSON.parse(readFileSync(join(backup, 'manifest.json'), 'utf8')) as {
    files: Array<{ path: string; sha256: string }>;
  };
  const byPath = new Map(manifest.files.map((f) => [f.path, f.sha256]));
  for (const [file, digest] of Object.entries(originals)) {
    const relative = file === old.python.database ? 'genesis.db' : file.slice(home.path.length + 1);
    expect({ relative, digest: byPath.get(relative) }).toEqual({ relative, digest });
    expect(sha(join(backup, relative))).toBe(digest);
  }
  expect(byPath.has(`data/chroma/${SQL_MINDS[0]}/chroma.sqlite3`)).toBe(true);
  // The truncated file was not touched (it failed); the .bak files are never changed.
  expect(sha(join(home.path, 'minds', `${BROKEN}.json`))).toBe(originals[join(home.path, 'minds', `${BROKEN}.json`)]);
  for (const gmid of SQL_MINDS) {
    const bak = join(home.path, 'minds', `${gmid}.json.bak`);
    expect(sha(bak)).toBe(originals[bak]);
  }
});

test('every row of the old genesis.db is in our stores, checked one by one', async () => {
  const stores = createSqlStores(composed.db, clock);
  // The rows written to be skipped are checked apart (below): reported with their reason.
  const bad = new Set(old.python.badRows.map((b) => `${b.table}:${String(b.id)}`));
  const idOf = (table: string, row: Record<string, unknown>) =>
    String(row.id ?? row.concern_id ?? row.task_id ?? row.env_id ?? row.thought_id ?? '');
  const rows = Object.fromEntries(
    Object.entries(old.python.rows).map(([table, list]) => [
      table,
      list.filter((row) => !bad.has(`${table}:${idOf(table, row)}`)),
    ]),
  );
  const checked = await expectEveryRowImported(stores, { minds: [...SQL_MINDS], rows }, expect);
  expect(checked).toBeGreaterThan(100);
  for (const bad of old.python.badRows) {
    const skipped = first.minds.flatMap((m) => m.counts).flatMap((c) => c.skipped.map((s) => s.id));
    expect(skipped).toContain(String(bad.id));
  }
});

test('file history (incl. the .bak), plugin state, memories and the old Chroma store moved', async () => {
  const minds = composed.container.resolve(MindService);
  for (const gmid of SQL_MINDS) {
    const bak = JSON.parse(readFileSync(join(home.path, 'minds', `${gmid}.json.bak`), 'utf8')) as {
      conversation_history: Array<{ content: string }>;
    };
    const mind = await minds.loadMind(gmid);
    const contents = new Set<string>();
    let cursor: string | null = null;
    do {
      const page = await mind.conversation.listMessages({ limit: 500, cursor });
      for (const m of page.items) contents.add(m.content);
      cursor = page.nextCursor;
    } while (cursor);
    for (const item of bak.conversation_history) expect(contents).toContain(item.content);
    // The Mind's SQL messages plus its file history, each once.
    const sqlRows = old.python.rows.conversation_messages!.filter((r) => r.mind_gmid === gmid).length;
    const report = mindReport(first, gmid);
    expect(await mind.conversation.countMessages()).toBe(
      count(report, 'messages', 'genesis.db') + count(report, 'messages', 'mind file'),
    );
    expect(count(report, 'messages', 'genesis.db')).toBeLessThanOrEqual(sqlRows);
  }
  const heavy = mindReport(first, SQL_MINDS[0]);
  expect(heavy.oldBytes).toBeGreaterThan(100_000);
  expect(count(heavy, 'records', 'mind file')).toBeGreaterThanOrEqual(600 + 150 + 40 + 60);
  expect(count(heavy, 'memories', 'chroma store')).toBe(old.chroma.length);
  const heavyMind = await minds.loadMind(SQL_MINDS[0]);
  expect(await heavyMind.memory.getMemory('old-chroma-3')).toMatchObject({ content: old.chroma[3]!.document });

  const fileOnly = await minds.loadMind(FILE_ONLY);
  expect((await fileOnly.relationships.list({ limit: 100 })).items.length).toBeGreaterThanOrEqual(4);
  expect((await fileOnly.environments.list()).length).toBeGreaterThanOrEqual(3);
  expect(await fileOnly.conversation.countMessages()).toBe(120);
  expect(await fileOnly.memory.countMemories()).toBe(5);
});

test('every migrated Mind loads, saves, and its file is under 50 KB', async () => {
  const minds = composed.container.resolve(MindService);
  for (const gmid of [...SQL_MINDS, FILE_ONLY]) {
    const mind = await minds.loadMind(gmid);
    mind.update((d) => {
      d.state = { ...d.state, touched: true };
    });
    const saved = await mind.save();
    expect(saved.bytes).toBeLessThan(50 * 1024);
    expect(statSync(join(home.path, 'minds', `${gmid}.json`)).size).toBeLessThan(50 * 1024);
    expect(mindReport(first, gmid).newBytes).toBeLessThan(50 * 1024);
  }
});

test('a second run moves nothing: every item is already there', async () => {
  const stores = createSqlStores(composed.db, clock);
  const status = async () => ({
    messages: await Promise.all([...SQL_MINDS, FILE_ONLY].map((g) => stores.messages.count({ mindId: g }))),
    records: await Promise.all([...SQL_MINDS, FILE_ONLY].map((g) => stores.records.count({ mindId: g }))),
  });
  const before = await status();
  const again = await migrateHome(composed, { database: composed.db.location, schemaApplied: [] });
  expect(again.backup?.created).toBe(false);
  for (const mind of again.minds.filter((m) => m.status === 'migrated')) {
    for (const c of mind.counts) expect({ gmid: mind.gmid, ...c, moved: c.moved }).toMatchObject({ moved: 0 });
  }
  expect(again.totals.moved).toBe(0);
  expect(await status()).toEqual(before);
  expect(existsSync(join(home.path, LEGACY_BACKUP_FOLDER, 'manifest.json'))).toBe(true);
});

test('a dry run on a fresh copy reports what would move and writes nothing', async () => {
  const other = tempHome('genesis-migrate-dry-');
  try {
    await writeOldHome(other.path);
    const config = resolveConfig({ overrides: { home: other.path }, env: { GENESIS_EMBEDDINGS: 'hash' } });
    const dry = await composeGenesis(config, { clock });
    try {
      const report = await migrateHome(dry, { database: dry.db.location, schemaApplied: [] }, { dryRun: true });
      expect(report.dryRun).toBe(true);
      expect(report.totals.moved).toBeGreaterThan(0);
      const stores = createSqlStores(dry.db, clock);
      for (const gmid of [...SQL_MINDS, FILE_ONLY]) expect(await stores.messages.count({ mindId: gmid })).toBe(0);
      expect(existsSync(join(other.path, LEGACY_BACKUP_FOLDER, 'manifest.json'))).toBe(false);
    } finally {
      await dry.close();
    }
  } finally {
    other.cleanup();
  }
}, 120_000);

test('a live daemon holding one of the Minds makes migrate refuse, naming it', async () => {
  const leases = composed.container.resolve(MIND_LEASE_STORE);
  const claim = { mindId: FILE_ONLY, ownerId: 'daemon-under-test', host: hostname(), pid: process.pid };
  expect((await leases.acquire(claim, clock.now(), 60_000)).acquired).toBe(true);
  try {
    await expect(migrateHome(composed, { database: composed.db.location, schemaApplied: [] })).rejects.toMatchObject({
      code: 'MIGRATE_BUSY',
      message: expect.stringContaining(`pid ${process.pid}`),
    });
  } finally {
    await leases.release(FILE_ONLY, claim.ownerId);
  }
});
