import { statSync } from 'node:fs';
import { join } from 'node:path';
import { MindService, type MessageStore, type RecordStore, type StoredRecord } from '@genesis/mind-core';
import { FakeClock, tempHome } from '@genesis/mind-core/testing';
import { createSqlStores } from '@genesis/storage-sqlite';
import { composeGenesis, type ComposedGenesis } from '../composition/container';
import { resolveConfig } from '../composition/config';
import { migrateHome } from '../home-migration/home-migrator';
import type { HomeMigrationReport, MindMigrationReport } from '../home-migration/report';
import { FILE_ONLY, writeOldHome } from './support/old-home';

/**
 * `genesis migrate` on an old home whose file-only Mind is a ~50 MB Mind file (long non-ASCII
 * history, growing plugin state, inline memories) next to Minds with SQL rows: every history
 * message is there once and in order, every plugin item is a record once with its data, every
 * memory is in the memory tier; the Mind then saves under 50 KB, and a second migrate moves nothing.
 */
const clock = new FakeClock(Date.UTC(2026, 5, 1));
const home = tempHome('genesis-migrate-large-');
const SHAPE = {
  turns: 7_500,
  times: 'naive' as const,
  contentChars: 4_000,
  transactions: 20_000,
  tasks: 2_000,
  files: 2_000,
  events: 2_000,
  people: 50,
  places: 10,
  visitorsPerPlace: 20,
  memories: 1_000,
  dreams: 200,
  thoughts: 300,
};
let source: Record<string, unknown>;
let fileBytes: number;
let composed: ComposedGenesis;
let first: HomeMigrationReport;

const mindReport = (report: HomeMigrationReport, gmid: string): MindMigrationReport =>
  report.minds.find((m) => m.gmid === gmid)!;
const plugin = (name: string) => (source.plugins as Record<string, Record<string, Record<string, unknown>>>)[name]!;

async function allMessages(messages: MessageStore, mindId: string) {
  const out: Array<{ role: string; content: string; createdAt: number; sourceKey: string | null }> = [];
  let cursor: string | null = null;
  do {
    const page = await messages.list({ mindId, order: 'asc', includeArchived: true, limit: 1000, cursor });
    for (const m of page.items)
      out.push({ role: m.role, content: m.content, createdAt: m.createdAt, sourceKey: m.sourceKey ?? null });
    cursor = page.nextCursor;
  } while (cursor);
  return out;
}

async function allRecords(records: RecordStore, mindId: string, namespace: string, kind: string) {
  const out: StoredRecord[] = [];
  let cursor: string | null = null;
  do {
    const page = await records.list({ mindId, namespace, kind, limit: 1000, cursor });
    out.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return out;
}

beforeAll(async () => {
  const old = await writeOldHome(home.path, { fileOnly: SHAPE });
  source = old.fileOnly;
  fileBytes = statSync(join(home.path, 'minds', `${FILE_ONLY}.json`)).size;
  composed = await composeGenesis(
    resolveConfig({ overrides: { home: home.path }, env: { GENESIS_EMBEDDINGS: 'hash' } }),
    { clock },
  );
  first = await migrateHome(composed, { database: composed.db.location, schemaApplied: [] });
}, 120_000);
afterAll(async () => {
  await composed?.close();
  home.cleanup();
});

test('the big Mind file is ~50 MB and migrates; the others migrate beside it', () => {
  expect(fileBytes).toBeGreaterThan(45e6);
  const report = mindReport(first, FILE_ONLY);
  expect(report).toMatchObject({ status: 'migrated', oldBytes: fileBytes });
  expect(report.error).toBeUndefined();
  expect(first.minds.filter((m) => m.status === 'failed').map((m) => m.gmid)).toEqual(['GMID-OLDB0001']);
});

test('every history message is there once, in order, with its role and content', async () => {
  const { messages } = createSqlStores(composed.db, clock);
  const history = source.conversation_history as Array<{ role: string; content: string }>;
  const stored = await allMessages(messages, FILE_ONLY);
  expect(stored).toHaveLength(history.length);
  expect(new Set(stored.map((m) => m.sourceKey)).size).toBe(history.length);
  for (const [i, item] of history.entries()) {
    const m = stored[i]!;
    if (m.content !== item.content || m.role !== item.role || !m.sourceKey?.startsWith(`legacy:history:${i}:`))
      throw new Error(`message ${i} differs: ${m.role} ${m.sourceKey ?? ''} (${m.content.length} characters)`);
    if (i > 0 && m.createdAt <= stored[i - 1]!.createdAt) throw new Error(`message ${i} is not after message ${i - 1}`);
  }
});

test('every plugin item is a record once, with its data', async () => {
  const { records } = createSqlStores(composed.db, clock);
  const lists: Array<[string, string, unknown[]]> = [
    ['plugin:gen', 'gen.transaction_history', plugin('gen').gen!.transaction_history as unknown[]],
    ['dreams', 'dream', source.dreams as unknown[]],
    ['thoughts', 'thought', (source.consciousness as { thought_stream: unknown[] }).thought_stream],
  ];
  for (const [namespace, kind, items] of lists) {
    const stored = await allRecords(records, FILE_ONLY, namespace, kind);
    expect({ namespace, kind, count: stored.length }).toEqual({ namespace, kind, count: items.length });
    const byKey = new Map(stored.map((r) => [Number(r.sourceKey!.split(':').at(-2)), r.data]));
    expect(byKey.size).toBe(items.length);
    for (const [i, item] of items.entries())
      if (JSON.stringify(byKey.get(i)) !== JSON.stringify(item))
        throw new Error(`${namespace} ${kind} item ${i} differs`);
  }
  const dicts: Array<[string, string, Record<string, unknown>]> = [
    ['plugin:tasks', 'tasks.tasks', plugin('tasks').tasks!.tasks as Record<string, unknown>],
    ['plugin:workspace', 'workspace.files', plugin('workspace').workspace!.files as Record<string, unknown>],
    ['plugin:events', 'events.events', plugin('events').events!.events as Record<string, unknown>],
  ];
  for (const [namespace, kind, dict] of dicts) {
    const stored = await allRecords(records, FILE_ONLY, namespace, kind);
    const entries = Object.entries(dict);
    expect({ namespace, kind, count: stored.length }).toEqual({ namespace, kind, count: entries.length });
    const byKey = new Map(stored.map((r) => [(r.data as { key: string }).key, (r.data as { value: unknown }).value]));
    expect(byKey.size).toBe(entries.length);
    for (const [key, value] of entries)
      if (JSON.stringify(byKey.get(key)) !== JSON.stringify(value))
        throw new Error(`${namespace} ${kind} ${key} differs`);
  }
  // The balance (a small current value) stays in the document.
  const mind = await composed.container.resolve(MindService).loadMind(FILE_ONLY);
  expect((mind.document.plugins as { gen: { gen: { balance: number } } }).gen.gen.balance).toBe(1234.5);
});

test('every inline memory, person and place moved', async () => {
  const mind = await composed.container.resolve(MindService).loadMind(FILE_ONLY);
  const memories = (source.memory as { memories: Record<string, { content: string }> }).memories;
  expect(await mind.memory.countMemories()).toBe(SHAPE.memories);
  for (const id of ['mem-0', `mem-${SHAPE.memories >> 1}`, `mem-${SHAPE.memories - 1}`])
    expect(await mind.memory.getMemory(id)).toMatchObject({ content: memories[id]!.content });
  const people = (await mind.relationships.list({ limit: 100 })).items.map((p) => p.userEmail).sort();
  expect(people).toEqual(Array.from({ length: SHAPE.people }, (_, i) => `person${i}@example.com`).sort());
  expect((await mind.environments.list()).length).toBe(SHAPE.places);
  expect(mind.document.memory.notYetMoved).toBe(0);
});

test('the migrated Mind saves, and its file is under 50 KB', async () => {
  expect(mindReport(first, FILE_ONLY).newBytes).toBeLessThan(50 * 1024);
  const mind = await composed.container.resolve(MindService).loadMind(FILE_ONLY);
  mind.update((d) => {
    d.state = { ...d.state, touched: true };
  });
  expect((await mind.save()).bytes).toBeLessThan(50 * 1024);
  expect(statSync(join(home.path, 'minds', `${FILE_ONLY}.json`)).size).toBeLessThan(50 * 1024);
});

test('a second migrate moves nothing', async () => {
  const stores = createSqlStores(composed.db, clock);
  const counts = async () => ({
    messages: await stores.messages.count({ mindId: FILE_ONLY, includeArchived: true }),
    records: await stores.records.count({ mindId: FILE_ONLY }),
  });
  const before = await counts();
  expect(before.messages).toBe(SHAPE.turns);
  const again = await migrateHome(composed, { database: composed.db.location, schemaApplied: [] });
  expect(again.totals.moved).toBe(0);
  const report = mindReport(again, FILE_ONLY);
  expect(report.status).toBe('migrated');
  for (const c of report.counts) expect({ item: c.item, source: c.source, moved: c.moved }).toMatchObject({ moved: 0 });
  expect(report.counts.find((c) => c.item === 'messages')?.alreadyThere).toBe(SHAPE.turns);
  expect(await counts()).toEqual(before);
}, 60_000);
