import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { importLegacyChroma, type Mind } from '@genesis/mind-core';
import { FakeClock } from '@genesis/mind-core/testing';
import { chromaDataDir, findLegacyChromaStores, openLegacyChromaStore } from '@genesis/storage-chroma';
import { writeLegacyChromaStore, type LegacyChromaItem } from '@genesis/storage-chroma/testing';
import { genesisPerFile } from './support/genesis-per-file';
import { oldMindWithHistory } from './support/old-minds';

/**
 * The old per-Mind Chroma stores of the Python Genesis (`<home>/data/chroma/{GMID}/chroma.sqlite3`)
 * imported into real Minds on the home's real Chroma server — which keeps its own data in that same
 * `<home>/data/chroma` folder.
 */
const clock = new FakeClock(Date.UTC(2026, 5, 1));
const suite = genesisPerFile(clock);
const root = chromaDataDir(suite.home.path);
const GMID = 'GMID-C4R0MA01';
const BAD = 'GMID-BADBAD01';
const BIRTH = Date.UTC(2025, 0, 10, 9); // birth_timestamp of oldMindWithHistory

const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
/** Every file under a folder with its digest. */
function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) for (const [k, v] of Object.entries(tree(path))) out[`${entry.name}/${k}`] = v;
    else out[entry.name] = sha(path);
  }
  return out;
}

const TYPES = ['episodic', 'semantic', 'procedural', 'prospective', 'working'] as const;

/** Records as the Python Genesis wrote them: lists as JSON or comma text, times as naive ISO or epoch seconds. */
function pythonItems(): LegacyChromaItem[] {
  const items: LegacyChromaItem[] = Array.from({ length: 30 }, (_, i) => ({
    id: `chroma-${i}`,
    document: `old memory ${i}: ${i % 3 === 0 ? 'Ann 喜欢 green tea ☕' : 'a walk by the river'} ${'detail '.repeat(i)}`,
    metadata: {
      memory_type: i % 7 === 6 ? `MemoryType.${TYPES[i % 5]!.toUpperCase()}` : TYPES[i % 5],
      timestamp: i % 2 ? `2025-04-${String(1 + i).padStart(2, '0')}T10:00:00.250000` : 1743500000 + i * 60,
      emotion: i % 4 ? 'joy' : '',
      emotion_intensity: (i % 10) / 10,
      importance: ((i * 3) % 10) / 10,
      access_count: i,
      last_accessed: i % 5 ? `2025-05-01 08:00:${String(i).padStart(2, '0')}` : null,
      tags: i % 2 ? JSON.stringify(['t', `n${i}`]) : `t, n${i}`,
      related_memories: i > 0 ? `chroma-${i - 1}` : '',
      user_email: i % 3 ? `User${i % 3}@Example.com` : '',
      relationship_context: (['personal', 'shared', 'generic'] as const)[i % 3],
      environment_id: i % 2 ? `env-${i}` : '',
      environment_name: i % 2 ? `Place ${i}` : '',
      source_plugin: i % 4 === 0 ? 'journal' : null,
      is_core: i % 6 === 0,
    },
  }));
  // The old Mind file's inline memories mem-0..mem-3 were also in its store (same id, same text).
  for (let i = 0; i < 4; i++)
    items.push({
      id: `mem-${i}`,
      document: `memory ${i} ${'detail '.repeat(50)}`,
      metadata: { memory_type: 'semantic' },
    });
  items.push({ id: 'no-document', document: null, metadata: { memory_type: 'episodic' } });
  return items;
}

function expectedFields(item: LegacyChromaItem) {
  const md = item.metadata as Record<string, string | number | boolean | null>;
  const i = Number(item.id.replace('chroma-', ''));
  const time = (v: string | number) =>
    typeof v === 'number' ? v * 1000 : Date.parse(`${v.replace(' ', 'T').replace('.250000', '.250')}Z`);
  return {
    id: item.id,
    type: TYPES[i % 5],
    content: item.document,
    timestamp: time(md.timestamp as string | number),
    emotion: md.emotion === '' ? null : md.emotion,
    emotionIntensity: md.emotion_intensity,
    importance: md.importance,
    accessCount: i,
    lastAccessed: md.last_accessed === null ? null : time(md.last_accessed as string),
    tags: ['t', `n${i}`],
    relatedMemoryIds: i > 0 ? [`chroma-${i - 1}`] : [],
    userEmail: i % 3 ? `user${i % 3}@example.com` : null,
    relationshipContext: md.relationship_context,
    environmentId: md.environment_id === '' ? null : md.environment_id,
    environmentName: md.environment_name === '' ? null : md.environment_name,
    metadata: {
      imported: true,
      legacy: { ...(md.source_plugin ? { source_plugin: md.source_plugin } : {}), is_core: md.is_core },
    },
  };
}

async function importStore(mind: Mind, dir: string) {
  const store = await openLegacyChromaStore(dir);
  try {
    return { count: store.count, report: await importLegacyChroma({ mind, records: store.records(7) }) };
  } finally {
    await store.close();
  }
}

test("an old home's Chroma store moves into the Mind's collection field by field, once, beside our own server", async () => {
  // The old home: the Mind file (with inline memories) and its Chroma store, plus a damaged store.
  mkdirSync(join(suite.home.path, 'minds'), { recursive: true });
  writeFileSync(
    join(suite.home.path, 'minds', `${GMID}.json`),
    JSON.stringify(oldMindWithHistory(GMID, { turns: 4, dreams: 0, thoughts: 0, transactions: 0, memories: 6 })),
  );
  const items = pythonItems();
  const written = await writeLegacyChromaStore(root, GMID, items, { version: '0.4' });
  mkdirSync(join(root, BAD), { recursive: true });
  writeFileSync(join(root, BAD, 'chroma.sqlite3'), Buffer.from('PK\u0003\u0004 not sqlite '.repeat(200)));
  const oldTree = tree(written.dir);

  // Loading the Mind moves its 6 inline memories (and starts our Chroma server on <home>/data/chroma).
  const mind = await suite.genesis.loadMind(GMID);
  expect(await mind.memory.countMemories()).toBe(6);
  expect(await suite.genesis.memoryServerUrl()).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

  // The old stores are found by their GMID folders, not confused with our server's files beside them.
  const ours = readdirSync(root).filter((n) => n !== GMID && n !== BAD);
  expect(ours).toContain('chroma.sqlite3');
  expect(ours.filter((n) => n !== 'chroma.sqlite3').every((n) => /^[0-9a-f-]{36}$/.test(n))).toBe(true);
  expect((await findLegacyChromaStores(root)).map((s) => s.gmid)).toEqual([BAD, GMID]);

  const { count, report } = await importStore(mind, written.dir);
  expect(count).toBe(35);
  expect(report).toEqual({
    read: 35,
    moved: 30,
    alreadyThere: 4,
    skipped: [{ id: 'no-document', reason: 'the record has no document text' }],
  });

  // Every memory, every field, against the source.
  for (const item of items.filter((it) => it.id.startsWith('chroma-'))) {
    const stored = await mind.memory.getMemory(item.id);
    const expected = expectedFields(item);
    expect(stored).not.toBeNull();
    for (const [field, value] of Object.entries(expected)) {
      expect([item.id, field, stored![field as keyof typeof stored]]).toEqual([item.id, field, value]);
    }
  }
  // The inline memories already there were left as the Mind file had them.
  expect(await mind.memory.getMemory('mem-0')).toMatchObject({ type: 'semantic', timestamp: BIRTH });
  expect(await mind.memory.countMemories()).toBe(36);
  expect(mind.document.memory).toMatchObject({ totalMemories: 36, notYetMoved: 0 });
  // The import saved the Mind: its file counts them.
  expect((await suite.genesis.loadMind(GMID)).document.memory).toMatchObject({ totalMemories: 36 });

  // Found by meaning with the configured provider (embedded again, not the old vectors).
  const hits = await mind.memory.searchMemories({
    query: 'Ann 喜欢 green tea ☕',
    limit: 3,
    userEmail: 'user1@example.com',
  });
  expect(hits.length).toBeGreaterThan(0);
  expect(
    hits.every(
      (h) => h.userEmail === null || h.userEmail === 'user1@example.com' || h.relationshipContext === 'shared',
    ),
  ).toBe(true);

  // Again: nothing is duplicated.
  const again = await importStore(mind, written.dir);
  expect(again.report).toEqual({
    read: 35,
    moved: 0,
    alreadyThere: 34,
    skipped: [{ id: 'no-document', reason: 'the record has no document text' }],
  });
  expect(await mind.memory.countMemories()).toBe(36);

  // The old store was never changed, and our server's data beside it still serves.
  expect(tree(written.dir)).toEqual(oldTree);
  expect(statSync(join(root, 'chroma.sqlite3')).size).toBeGreaterThan(0);

  // The damaged store is reported with its file; the Mind above was not affected.
  await expect(openLegacyChromaStore(join(root, BAD))).rejects.toMatchObject({
    code: 'LEGACY_STORE_UNREADABLE',
    message: expect.stringContaining(join(root, BAD, 'chroma.sqlite3')),
  });
  expect(await (await suite.genesis.loadMind(GMID)).memory.countMemories()).toBe(36);
});

test('a store read from a backup copy imports alike (0.5 and 0.4.0 layouts)', async () => {
  const other = await suite.genesis.createMind({ name: 'Copy' });
  const backupRoot = join(suite.home.path, 'backup', 'python-import', 'data', 'chroma');
  const items: LegacyChromaItem[] = [
    { id: 'b-1', document: 'from the 0.5 store', metadata: { memory_type: 'semantic', pinned: true, importance: 0.3 } },
  ];
  const v05 = await writeLegacyChromaStore(backupRoot, other.gmid, items, { version: '0.5' });
  expect((await importStore(other, v05.dir)).report).toMatchObject({ moved: 1 });
  const v040 = await writeLegacyChromaStore(
    backupRoot,
    other.gmid,
    [{ id: 'b-2', document: 'from the 0.4.0 store', metadata: { memory_type: 'episodic', pinned: true } }],
    { version: '0.4.0' },
  );
  expect((await importStore(other, v040.dir)).report).toMatchObject({ moved: 1 });
  expect(await other.memory.getMemory('b-1')).toMatchObject({
    type: 'semantic',
    importance: 0.3,
    metadata: { imported: true, legacy: { pinned: true } },
  });
  // 0.4.0 wrote booleans as integers: read back as 1.
  expect(await other.memory.getMemory('b-2')).toMatchObject({ metadata: { legacy: { pinned: 1 } } });
});
