import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MIND_EXPORT_TYPES } from '@genesis/mind-core';
import { FakeClock, fillMindForTransfer, tempHome } from '@genesis/mind-core/testing';
import { openTransferHome, type TransferHome } from './support/transfer-home';

/**
 * `Genesis.exportMind` / `importMind` between two real SQLite homes, each with its own Chroma
 * server: every item of a Mind filled with every kind of item arrives, field by field; importing
 * again changes nothing; a bad line is refused with its number before anything is written.
 */
const clock = new FakeClock(Date.UTC(2026, 10, 1, 9));
const homes: Array<ReturnType<typeof tempHome>> = [];
const open: TransferHome[] = [];
let files: ReturnType<typeof tempHome>;

async function newHome(): Promise<TransferHome> {
  const home = tempHome('genesis-transfer-');
  homes.push(home);
  const opened = await openTransferHome(home.path, clock);
  open.push(opened);
  return opened;
}

beforeAll(() => {
  files = tempHome('genesis-transfer-files-');
});
afterAll(async () => {
  for (const h of open.splice(0)) await h.close();
  for (const h of homes.splice(0)) h.cleanup();
  files.cleanup();
});

test('a Mind with every kind of item moves to a fresh SQLite home; importing twice changes nothing', async () => {
  const source = await newHome();
  const mind = await source.genesis.createMind({ name: 'Atlas', creatorEmail: 'ann@example.com' });
  await fillMindForTransfer(mind, source.stores, clock);
  const file = join(files.path, 'atlas.jsonl');
  const summary = await source.genesis.exportMind(mind.gmid, { file });
  expect(statSync(file).mode & 0o777).toBe(0o600);
  expect(summary.counts).toEqual({
    mind: 1,
    secrets: 0,
    environment: 2,
    relationship: 2,
    message: 5,
    concern: 3,
    concernFire: 1,
    task: 2,
    schedule: 1,
    record: 3,
    memory: 2,
  });
  expect(readFileSync(file, 'utf8')).not.toContain('sk-secret-weather');

  const target = await newHome();
  const report = await target.genesis.importMind(file);
  expect(report).toMatchObject({ gmid: mind.gmid, document: 'written' });
  for (const t of MIND_EXPORT_TYPES) expect(report.items[t]).toEqual({ inserted: summary.counts[t], skipped: 0 });

  const before = await source.snapshot(mind.gmid);
  const after = await target.snapshot(mind.gmid);
  // One by one, every item and every field (secrets stay home by default).
  expect(after.document).toEqual(before.document);
  expect(after.registry).toEqual(before.registry);
  expect(after.secrets).toEqual({});
  for (const key of [
    'environments',
    'relationships',
    'messages',
    'concerns',
    'fires',
    'tasks',
    'schedules',
    'records',
    'memories',
  ] as const) {
    expect(after[key]).toHaveLength(before[key].length);
    (before[key] as unknown[]).forEach((item, i) => expect((after[key] as unknown[])[i]).toEqual(item));
  }
  expect(before.messages.some((m) => m.archived)).toBe(true);
  expect(before.messages.some((m) => m.content.length === 70_000)).toBe(true);

  const again = await target.genesis.importMind(file);
  expect(again.document).toBe('kept');
  for (const t of MIND_EXPORT_TYPES) expect(again.items[t]).toEqual({ inserted: 0, skipped: summary.counts[t] });
  expect(await target.snapshot(mind.gmid)).toEqual(after);

  // The moved Mind works in its new home: found by meaning (re-embedded there), its people and places there.
  const moved = await target.genesis.loadMind(mind.gmid);
  expect((await moved.memory.searchMemories({ query: 'black coffee', limit: 1 }))[0]).toMatchObject({
    content: 'Ann loves strong black coffee',
    importance: 0.9,
    tags: ['ann', 'coffee'],
  });
  expect((await moved.relationships.get('ann@example.com'))?.displayName).toBe('Ann');
  expect((await moved.environments.list()).map((e) => e.name).sort()).toEqual(['chat', 'mail']);
  expect(await target.genesis.stats(mind.gmid)).toMatchObject({ messages: 5, concerns: 3, tasks: 2, records: 3 });

  // With its secrets when asked for.
  const withSecrets = join(files.path, 'atlas-secrets.jsonl');
  await source.genesis.exportMind(mind.gmid, { file: withSecrets }, { includeSecrets: true });
  await target.genesis.importMind(withSecrets);
  expect((await target.snapshot(mind.gmid)).secrets).toEqual(before.secrets);
  expect(JSON.stringify(before.secrets)).toContain('sk-secret-weather');
});

test('a bad line is refused with its number and nothing of the Mind is written', async () => {
  const source = await newHome();
  const mind = await source.genesis.createMind({ name: 'Bea' });
  await mind.conversation.addMessages([
    { role: 'user', content: 'one' },
    { role: 'assistant', content: 'two' },
  ]);
  const file = join(files.path, 'bea.jsonl');
  await source.genesis.exportMind(mind.gmid, { file });
  const lines = readFileSync(file, 'utf8').split('\n');
  const at = lines.findIndex((l) => l.includes('"content":"two"'));
  lines[at] = lines[at]!.replace('"role":"assistant"', '"role":"robot"');
  writeFileSync(file, lines.join('\n'));
  const target = await newHome();
  await expect(target.genesis.importMind(file)).rejects.toMatchObject({
    code: 'INVALID_EXPORT_FILE',
    message: expect.stringContaining(`line ${at + 1} (message): data.role must be one of`),
  });
  await expect(target.genesis.loadMind(mind.gmid)).rejects.toMatchObject({ code: 'MIND_NOT_FOUND' });
  expect(await target.genesis.listMinds()).toEqual([]);
});
