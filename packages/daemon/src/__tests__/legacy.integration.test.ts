import { copyFileSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FakeClock } from '@genesis/mind-core/testing';
import { genesisPerFile } from './support/genesis-per-file';
import { oldMindWithHistory } from './support/old-minds';

/** The old files of these tests: 40 inline memories, 25 dreams, 60 thoughts, 300 transactions, no timestamps. */
const fullHistory = (gmid: string, turns: number) =>
  oldMindWithHistory(gmid, { turns, dreams: 25, thoughts: 60, transactions: 300, memories: 40 });

const third0 = async (gmid: string) => (await suite.genesis.loadMind(gmid)).memory.countMemories();
const clock = new FakeClock(Date.UTC(2026, 5, 1));
const suite = genesisPerFile(clock);
const oldDir = join(suite.home.path, 'old');

function writeOld(name: string, content: unknown): string {
  mkdirSync(oldDir, { recursive: true });
  const file = join(oldDir, name);
  writeFileSync(file, JSON.stringify(content, null, 4));
  return file;
}

test('a full old file loads with nothing lost; loading it twice imports once; save writes the compact file', async () => {
  const gmid = 'GMID-A1B2C3D4';
  const file = writeOld('atlas.json', fullHistory(gmid, 2000));
  const original = readFileSync(file);
  expect(original.length).toBeGreaterThan(500_000);

  const first = await suite.genesis.loadMindFile(file);
  // The import writes the compact file at once (revision 1), so the Mind loads by its GMID.
  expect(first.revision).toBe(1);
  expect((await suite.genesis.loadMind(gmid)).revision).toBe(1);
  const second = await suite.genesis.loadMindFile(file);
  expect(second.gmid).toBe(gmid);
  expect(await first.conversation.countMessages()).toBe(2000);

  // Order kept: items without timestamps get the birth time + 1 ms per item, and are marked as imported.
  const all: string[] = [];
  let cursor: string | null = null;
  do {
    const page = await first.conversation.listMessages({ limit: 1000, cursor });
    all.push(...page.items.map((m) => m.content.split(':')[0]!));
    for (const m of page.items) {
      expect(m.createdAt).toBe(Date.UTC(2025, 0, 10, 9) + Number(/^turn (\d+)/.exec(m.content)![1]));
      expect(m.metadata).toMatchObject({ imported: true, timestampMissing: true });
    }
    cursor = page.nextCursor;
  } while (cursor);
  expect(all.reverse()).toEqual(Array.from({ length: 2000 }, (_, i) => `turn ${i}`));
  expect(await first.conversation.getConversationContext({ maxMessages: 2 })).toEqual([
    { role: 'user', content: expect.stringMatching(/^turn 1998:/) },
    { role: 'assistant', content: expect.stringMatching(/^turn 1999:/) },
  ]);

  // The original is kept byte-identical in the backup folder, readable by the owner only.
  const backups = readdirSync(join(suite.home.path, 'minds', 'backup'));
  expect(backups).toHaveLength(1);
  const backup = join(suite.home.path, 'minds', 'backup', backups[0]!);
  expect(readFileSync(backup).equals(original)).toBe(true);
  expect(statSync(backup).mode & 0o777).toBe(0o600);
  expect(readFileSync(file).equals(original)).toBe(true);

  const saved = await second.save();
  expect(saved.file).toBe(join(suite.home.path, 'minds', `${gmid}.json`));
  expect(saved.bytes).toBeLessThan(10_000);
  const compact = JSON.parse(readFileSync(saved.file, 'utf8'));
  expect(compact).not.toHaveProperty('conversation_history');
  expect(compact).not.toHaveProperty('dreams');
  expect(JSON.stringify(compact)).not.toContain('sk-old-secret');
  expect(compact).toMatchObject({
    identity: { gmid, name: 'Old Atlas', birthTimestamp: '2025-01-10T09:00:00.000Z', template: 'companion' },
    emotionalState: { primaryEmotion: 'content', mood: 'warm' },
    memory: { totalMemories: 40, notYetMoved: 0, byType: { episodic: 20, semantic: 20 } },
    plugins: { currency: { enabled: true, balance: 42 } },
    legacy_extension: { anything: ['kept', 'as', 'is'] },
    consciousness: { awareness_level: 0.7 },
    legacyImport: { sourceFile: file, backupFile: backup, messagesImported: 2000 },
  });

  const stats = await suite.genesis.stats(gmid);
  expect(stats).toMatchObject({ messages: 2000, records: 25 + 60 + 300, memoriesNotYetMoved: 0 });
  // The inline memories moved to the memory tier, with their ids, once.
  expect(await third0(gmid)).toBe(40);
  expect(stats.jsonBytes).toBe(saved.bytes);

  // Loading the old file a third time, after compaction: nothing imported again, the compact file wins.
  const third = await suite.genesis.loadMindFile(file);
  expect(third.revision).toBe(2);
  expect(await third.conversation.countMessages()).toBe(2000);
  expect((await suite.genesis.stats(gmid)).records).toBe(385);
});

test('an old file inside the minds folder is replaced by the compact one on save, its original kept in backup', async () => {
  const gmid = 'GMID-INPLACE1';
  const file = join(suite.home.path, 'minds', `${gmid}.json`);
  copyFileSync(writeOld('inplace.json', fullHistory(gmid, 10)), file);
  const original = readFileSync(file);
  const mind = await suite.genesis.loadMind(gmid);
  expect(await mind.conversation.countMessages()).toBe(10);
  await mind.save();
  expect(readFileSync(file).length).toBeLessThan(10_000);
  const backups = readdirSync(join(suite.home.path, 'minds', 'backup')).filter((f) => f.startsWith(gmid));
  expect(backups).toHaveLength(1);
  expect(readFileSync(join(suite.home.path, 'minds', 'backup', backups[0]!)).equals(original)).toBe(true);
  const again = await suite.genesis.loadMind(gmid);
  expect(await again.conversation.countMessages()).toBe(10);
  expect(again.revision).toBe(1);
});

test('an empty history and missing optional sections load with defaults', async () => {
  const file = writeOld('bare.json', { identity: { gmid: 'GMID-BARE0001', name: 'Bare' }, conversation_history: [] });
  const mind = await suite.genesis.loadMindFile(file);
  expect(await mind.conversation.countMessages()).toBe(0);
  expect(mind.emotionalState).toMatchObject({ primaryEmotion: 'neutral', intensity: 0 });
  expect(mind.document.memory).toEqual({ totalMemories: 0, byType: {}, notYetMoved: 0 });
  const saved = await mind.save();
  expect(saved.bytes).toBeLessThan(2_000);
});

test('duplicate and missing timestamps keep the original order, by strictly increasing times', async () => {
  const t = '2025-04-01T12:00:00Z';
  const history = [
    { role: 'user', content: 'a', timestamp: t },
    { role: 'assistant', content: 'b', timestamp: t },
    { role: 'user', content: 'c' },
    { role: 'assistant', content: 'd', timestamp: t },
    { role: 'user', content: 'e', timestamp: '2025-04-01T12:00:01Z', user_email: 'Ann@Example.com' },
    { role: 'narrator', content: 'f' },
  ];
  const file = writeOld('dups.json', {
    identity: { gmid: 'GMID-DUPS0001', name: 'Dups', birth_timestamp: '2025-01-01T00:00:00Z' },
    conversation_history: history,
  });
  const mind = await suite.genesis.loadMindFile(file);
  await suite.genesis.loadMindFile(file);
  const page = await mind.conversation.listMessages({ limit: 10 });
  const chronological = page.items.reverse();
  expect(chronological.map((m) => [m.content, new Date(m.createdAt).toISOString()])).toEqual([
    ['a', '2025-04-01T12:00:00.000Z'],
    ['b', '2025-04-01T12:00:00.001Z'],
    ['c', '2025-04-01T12:00:00.002Z'],
    ['d', '2025-04-01T12:00:00.003Z'],
    ['e', '2025-04-01T12:00:01.000Z'],
    ['f', '2025-04-01T12:00:01.001Z'],
  ]);
  expect(chronological[2]!.metadata).toMatchObject({ imported: true, timestampMissing: true });
  expect(chronological[3]!.metadata).toMatchObject({ legacyTimestamp: t });
  expect(chronological[5]).toMatchObject({ role: 'system', metadata: { legacyRole: 'narrator' } });
  expect(chronological[4]!.userEmail).toBe('ann@example.com');
  expect(await mind.conversation.countMessages({ userEmail: 'ann@example.com' })).toBe(1);
  expect(await mind.conversation.countMessages()).toBe(6);
});

test('an old file without a valid identity is refused, naming the file and the field, and left untouched', async () => {
  const noGmid = writeOld('nogmid.json', {
    identity: { name: 'X', gmid: '../../../etc/passwd' },
    conversation_history: [],
  });
  const before = readFileSync(noGmid);
  await expect(suite.genesis.loadMindFile(noGmid)).rejects.toMatchObject({
    code: 'INVALID_GMID',
    message: expect.stringContaining(`Mind file ${noGmid} is invalid at field "identity.gmid"`),
  });
  expect(readFileSync(noGmid).equals(before)).toBe(true);
  const noName = writeOld('noname.json', {
    identity: { gmid: 'GMID-NONAME01' },
    conversation_history: [{ role: 'user', content: 'hi' }],
  });
  await expect(suite.genesis.loadMindFile(noName)).rejects.toThrow(
    `Mind file ${noName} is invalid at field "identity.name"`,
  );
  const notJson = join(oldDir, 'garbage.json');
  writeFileSync(notJson, 'not json at all');
  await expect(suite.genesis.loadMindFile(notJson)).rejects.toThrow(`Mind file ${notJson} is not valid JSON`);
});
