import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MESSAGE_STORE, MindService, RECORD_STORE, type LegacyFileReport } from '@genesis/mind-core';
import { FakeClock, legacyMindFile, tempHome } from '@genesis/mind-core/testing';
import { composeGenesis, type ComposedGenesis } from '../composition/container';
import { resolveConfig } from '../composition/config';

/**
 * Old-format (Python Genesis) Mind files in `<home>/minds/` imported one by one with
 * `MindService.importLegacyMind` on a real SQLite home: nested plugin state to records (each item
 * once), people and places to their stores, history from the file and its `.bak`, a truncated
 * file and a `.tmp` reported, every Mind saving under 50 KB; importing again changes nothing.
 */
const clock = new FakeClock(Date.UTC(2026, 5, 1));
const home = tempHome('genesis-legacy-plugins-');
const minds = join(home.path, 'minds');
let composed: ComposedGenesis;
let service: MindService;

const HEAVY = 'GMID-HEAVY001';
const BROKEN = 'GMID-BROKEN01';
const TEMP = 'GMID-TEMP0001';
const BIRTH = Date.UTC(2025, 0, 10, 9);
const turn = (i: number) => ({ role: i % 2 ? 'assistant' : 'user', content: `turn ${i}: ${'é日'.repeat(i)}` });

const heavyFile = () => ({
  ...legacyMindFile(HEAVY, {
    transactions: 900,
    tasks: 200,
    files: 60,
    events: 40,
    experiences: 20,
    roles: 4,
    people: 6,
    places: 3,
    visitorsPerPlace: 5,
    dreams: 3,
    thoughts: 4,
    configBytes: 50_000,
  }),
  conversation_history: [4, 5, 6, 7, 8, 9].map(turn),
});
const write = (name: string, value: unknown) => writeFileSync(join(minds, name), JSON.stringify(value, null, 4));

beforeAll(async () => {
  composed = await composeGenesis(
    resolveConfig({ overrides: { home: home.path }, env: { GENESIS_EMBEDDINGS: 'hash' } }),
    { clock },
  );
  service = composed.container.resolve(MindService);
  mkdirSync(minds, { recursive: true });
  write(`${HEAVY}.json`, heavyFile());
  write(`${HEAVY}.json.bak`, { ...legacyMindFile(HEAVY, {}), conversation_history: [0, 1, 2, 3, 4, 5].map(turn) });
  const broken = JSON.stringify(legacyMindFile(BROKEN, { turns: 10 }));
  writeFileSync(join(minds, `${BROKEN}.json`), broken.slice(0, Math.floor(broken.length * 0.6)));
  write(`${BROKEN}.json.bak`, legacyMindFile(BROKEN, { turns: 8 }));
  write(`${TEMP}.json`, legacyMindFile(TEMP, { turns: 3, times: 'naive', transactions: 30 }));
  writeFileSync(join(minds, `${TEMP}.json.tmp`), '{"identity": {"gmid": "GMID-TEMP0001"');
  // A message the old SQL tables gave this Mind already sits where imported history would go.
  await composed.container.resolve(MESSAGE_STORE).appendMany([
    {
      mindId: HEAVY,
      role: 'user',
      content: 'from SQL',
      createdAt: BIRTH + 1,
      sourceKey: 'py:conversation_messages:7',
    },
  ]);
});
afterAll(async () => {
  await composed.close();
  home.cleanup();
});

async function rowCounts(): Promise<Record<string, number>> {
  const rows: Record<string, number> = {};
  for (const table of ['conversation_messages', 'mind_records', 'relationships', 'environments', 'minds'])
    rows[table] = Number((await composed.db.all<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`))[0]!.n);
  return rows;
}

test('each file imports with an exact report; the truncated one is reported and left untouched', async () => {
  const brokenBefore = readFileSync(join(minds, `${BROKEN}.json`));
  const heavyBefore = readFileSync(join(minds, `${HEAVY}.json`));
  const progress: number[] = [];
  const reports: Record<string, LegacyFileReport> = {};
  for (const gmid of [BROKEN, HEAVY, TEMP])
    reports[gmid] = await service.importLegacyMind(gmid, { onProgress: (done) => progress.push(done) });

  expect(reports[BROKEN]).toMatchObject({ status: 'failed', messages: { moved: 0 }, records: { moved: 0 } });
  expect(reports[BROKEN]!.problems.join(' ')).toContain(`Mind file ${join(minds, `${BROKEN}.json`)} is not valid JSON`);
  expect(readFileSync(join(minds, `${BROKEN}.json`)).equals(brokenBefore)).toBe(true);

  const heavy = reports[HEAVY]!;
  const records = 900 + 200 + 60 + 40 + 20 + 4 + 3 * 5 + 3 + 4 + 1; // + the oversized settings' banner
  expect(heavy).toMatchObject({
    status: 'imported',
    messages: { moved: 10, alreadyThere: 0, fromBackup: 4, duplicatesInBackup: 2 },
    records: { moved: records, alreadyThere: 0 },
    relationships: { moved: 6, alreadyThere: 0 },
    environments: { moved: 3, alreadyThere: 0 },
    movedSections: ['plugins.workspace.workspace.settings.banner'],
    secrets: ['$.intelligence.openai_api_key'],
  });
  expect(heavy.oldBytes).toBeGreaterThan(186_000);
  expect(heavy.newBytes).toBeLessThan(50 * 1024);
  expect(readdirSync(join(minds, 'backup')).sort()).toEqual(
    [heavy.backupFile, heavy.backupOfBak, reports[TEMP]!.backupFile].map((f) => f!.split('/').pop()).sort(),
  );
  expect(readFileSync(heavy.backupFile!).equals(heavyBefore)).toBe(true);
  expect(reports[TEMP]!.problems).toEqual([expect.stringContaining(`${TEMP}.json.tmp was left by a crash mid-write`)]);
  expect(progress.length).toBeGreaterThan(3);

  // Every item once, by its source key; history in order, never at the SQL message's time.
  const store = composed.container.resolve(RECORD_STORE);
  const tx = await store.list({ mindId: HEAVY, namespace: 'plugin:gen', kind: 'gen.transaction_history', limit: 1000 });
  expect(tx.items.map((r) => (r.data as { id: string }).id)).toEqual(
    (heavyFile() as any).plugins.gen.gen.transaction_history.map((t: { id: string }) => t.id),
  );
  const keys = await composed.db.all<{ n: number; d: number }>(
    `SELECT COUNT(*) AS n, COUNT(DISTINCT source_key) AS d FROM mind_records WHERE mind_id = ?`,
    [HEAVY],
  );
  expect(keys[0]).toEqual({ n: records, d: records });
  const mind = await service.loadMind(HEAVY);
  const messages = (await mind.conversation.listMessages({ limit: 20 })).items.reverse();
  expect(messages.map((m) => m.content)).toEqual([
    turn(0).content,
    'from SQL',
    ...[1, 2, 3, 4, 5, 6, 7, 8, 9].map((i) => turn(i).content),
  ]);
  expect(new Set(messages.map((m) => m.createdAt)).size).toBe(11);

  // People and places through the Mind API.
  const people = (await mind.relationships.list({ limit: 100 })).items;
  expect(people).toHaveLength(6);
  expect(await mind.relationships.get('person3@example.com')).toMatchObject({
    displayName: 'Person 3',
    relationshipType: 'other',
    interactionCount: 5,
    metadata: { legacyRelationshipType: 'mentor', favourite_food: 'soup' },
  });
  expect((await mind.environments.list()).map((e) => e.name).sort()).toEqual(['Place 0', 'Place 1', 'Place 2']);
  expect((await mind.save()).bytes).toBeLessThan(50 * 1024);
});

test('importing again (and loading) changes nothing; every Mind saves under 50 KB', async () => {
  const before = await rowCounts();
  const people = await composed.db.all('SELECT * FROM relationships ORDER BY user_email');
  for (const gmid of [HEAVY, TEMP]) {
    const again = await service.importLegacyMind(gmid);
    expect(again.status).toBe('already-imported');
    expect(again.messages.moved + again.records.moved + again.relationships.moved + again.environments.moved).toBe(0);
    const mind = await service.loadMind(gmid);
    expect((await mind.save()).bytes).toBeLessThan(50 * 1024);
  }
  expect((await service.importLegacyMind(BROKEN)).status).toBe('failed');
  expect(await rowCounts()).toEqual(before);
  expect(await composed.db.all('SELECT * FROM relationships ORDER BY user_email')).toEqual(people);
});
