import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MAX_MIND_FILE_BYTES } from '@genesis/mind-core';
import { openGenesis } from '../composition/open-genesis';
import { FakeClock } from '@genesis/mind-core/testing';
import { genesisPerFile } from './support/genesis-per-file';

const clock = new FakeClock();
const suite = genesisPerFile(clock);

test('createMind writes a small, valid <home>/minds/{gmid}.json and registers the Mind', async () => {
  const mind = await suite.genesis.createMind({
    name: 'Ada',
    creator: 'Ann',
    creatorEmail: 'ann@example.com',
    primaryPurpose: 'help Ann',
  });
  expect(mind.gmid).toMatch(/^GMD-2026-[0-9A-F]{4}-[0-9A-F]{4}$/);
  expect(mind.file).toBe(join(suite.home.path, 'minds', `${mind.gmid}.json`));
  const doc = JSON.parse(readFileSync(mind.file, 'utf8'));
  expect(doc).toMatchObject({
    schemaVersion: 2,
    revision: 1,
    identity: { gmid: mind.gmid, name: 'Ada', creatorEmail: 'ann@example.com', primaryPurpose: 'help Ann' },
  });
  expect(Object.keys(doc)).toEqual(
    expect.arrayContaining([
      'identity',
      'intelligence',
      'autonomy',
      'state',
      'emotionalState',
      'memory',
      'plugins',
      'config',
    ]),
  );
  expect((await suite.genesis.listMinds()).map((m) => m.gmid)).toContain(mind.gmid);

  const byId = await suite.genesis.loadMind(mind.gmid);
  const byPath = await suite.genesis.loadMindFile(mind.file);
  expect(byId.document).toEqual(byPath.document);
  expect(byId.name).toBe('Ada');
});

test('API keys are never written into the Mind file: they go to a 0600 secrets file', async () => {
  const mind = await suite.genesis.createMind({
    name: 'Keyed',
    intelligence: { reasoningModel: 'm', openai_api_key: 'sk-live-123' },
  });
  expect(readFileSync(mind.file, 'utf8')).not.toContain('sk-live-123');
  const secrets = join(suite.home.path, 'secrets', `${mind.gmid}.json`);
  expect(statSync(secrets).mode & 0o777).toBe(0o600);
  expect(JSON.parse(readFileSync(secrets, 'utf8'))).toEqual({ '$.intelligence.openai_api_key': 'sk-live-123' });
});

test('bad input writes nothing: unknown GMID, path characters, bad messages and concerns', async () => {
  await expect(suite.genesis.loadMind('GMD-2026-0000-0000')).rejects.toMatchObject({ code: 'MIND_NOT_FOUND' });
  await expect(suite.genesis.deleteMind('../../etc')).rejects.toMatchObject({ code: 'INVALID_GMID' });
  await expect(suite.genesis.createMind({ name: '  ' })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  await expect(suite.genesis.createMind({ name: 'x', creatorEmail: 'nope' })).rejects.toThrow(
    /creatorEmail must be an email address/,
  );
  const mind = await suite.genesis.createMind({ name: 'Strict' });
  await expect(mind.conversation.addMessage({ role: 'user', content: 'x'.repeat(1024 * 1024 + 1) })).rejects.toThrow(
    /over the limit of 1048576 bytes/,
  );
  await expect(mind.concerns.create({ type: 'task', description: 'd', followUpAt: '31/12/2026' })).rejects.toThrow(
    /followUpAt must be a date/,
  );
  expect(await mind.conversation.countMessages()).toBe(0);
  expect((await suite.genesis.stats(mind.gmid)).concerns).toBe(0);
});

test('a corrupt or invalid Mind file gives an error naming the file and field, and is left untouched', async () => {
  const mind = await suite.genesis.createMind({ name: 'Fragile' });
  writeFileSync(mind.file, '{"schemaVersion": 2, "identity": ');
  const broken = readFileSync(mind.file);
  await expect(suite.genesis.loadMind(mind.gmid)).rejects.toThrow(
    new RegExp(`Mind file ${mind.file} is not valid JSON`),
  );
  expect(readFileSync(mind.file)).toEqual(broken);

  const doc = (await suite.genesis.createMind({ name: 'Fragile2' })).document;
  delete (doc.identity as Partial<typeof doc.identity>).name;
  const file = join(suite.home.path, 'minds', `${doc.identity.gmid}.json`);
  writeFileSync(file, JSON.stringify(doc));
  const before = readFileSync(file);
  await expect(suite.genesis.loadMind(doc.identity.gmid)).rejects.toThrow(
    `Mind file ${file} is invalid at field "identity.name"`,
  );
  expect(readFileSync(file)).toEqual(before);
});

test('deleteMind removes its rows, its file and its secrets', async () => {
  const mind = await suite.genesis.createMind({ name: 'Doomed', intelligence: { api_key: 'k' } });
  await mind.conversation.addMessage({ role: 'user', content: 'bye' });
  await mind.concerns.create({ type: 'personal', description: 'x', followUpAt: clock.now() });
  const result = await suite.genesis.deleteMind(mind.gmid);
  expect(result).toEqual({ gmid: mind.gmid, rowsDeleted: 2, fileRemoved: true, memoriesDropped: false });
  expect(existsSync(mind.file)).toBe(false);
  expect(existsSync(join(suite.home.path, 'secrets', `${mind.gmid}.json`))).toBe(false);
  expect((await suite.genesis.listMinds()).map((m) => m.gmid)).not.toContain(mind.gmid);
  await expect(suite.genesis.loadMind(mind.gmid)).rejects.toMatchObject({ code: 'MIND_NOT_FOUND' });
  await expect(suite.genesis.deleteMind(mind.gmid)).rejects.toMatchObject({ code: 'MIND_NOT_FOUND' });
});

test('two processes saving the same Mind: different sections merge, the same section is refused', async () => {
  const created = await suite.genesis.createMind({ name: 'Shared' });
  const other = await openGenesis({ home: suite.home.path, clock, env: { GENESIS_EMBEDDINGS: 'hash' } });
  try {
    const daemon = await suite.genesis.loadMind(created.gmid);
    const api = await other.loadMind(created.gmid);
    daemon.feel('joy', 0.8);
    expect((await daemon.save()).merged).toBe(false);
    api.update((d) => {
      d.plugins.weather = { city: 'Oslo' };
    });
    const saved = await api.save();
    expect(saved).toMatchObject({ merged: true, revision: 3 });
    const onDisk = JSON.parse(readFileSync(created.file, 'utf8'));
    expect(onDisk.emotionalState.primaryEmotion).toBe('joy');
    expect(onDisk.plugins.weather).toEqual({ city: 'Oslo' });

    daemon.feel('fear', 0.9);
    await daemon.save();
    api.feel('calm', 0.3);
    const before = readFileSync(created.file);
    await expect(api.save()).rejects.toMatchObject({
      code: 'SAVE_CONFLICT',
      message: expect.stringContaining('both changed: emotionalState'),
    });
    expect(readFileSync(created.file)).toEqual(before);
    const reloaded = await other.loadMind(created.gmid);
    expect(reloaded.emotionalState.primaryEmotion).toBe('fear');
  } finally {
    await other.close();
  }
});

/** Another OS process (as a daemon would be) loads the Mind, applies `change` and saves it. */
function saveFromAnotherProcess(gmid: string, change: string): { revision: number; merged: boolean } {
  const script = `require(${JSON.stringify(join(__dirname, '..', '..', 'dist', 'index.js'))}).openGenesis({ home: ${JSON.stringify(suite.home.path)} })
    .then(async (g) => { const m = await g.loadMind(${JSON.stringify(gmid)}); ${change}; const r = await m.save(); await g.close(); console.log(JSON.stringify(r)); })
    .catch((e) => { console.error(e.code + ': ' + e.message); process.exit(1); });`;
  return JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 60_000 }));
}

test('a save in another process is merged when it changed another section, and refused when it changed the same one', async () => {
  const created = await suite.genesis.createMind({ name: 'TwoProcs' });
  const here = await suite.genesis.loadMind(created.gmid);
  expect(
    saveFromAnotherProcess(created.gmid, 'm.update((d) => { d.plugins.calendar = { enabled: true }; })'),
  ).toMatchObject({ revision: 2, merged: false });
  here.feel('curiosity', 0.7);
  expect(await here.save()).toMatchObject({ revision: 3, merged: true });
  const onDisk = JSON.parse(readFileSync(created.file, 'utf8'));
  expect(onDisk).toMatchObject({
    revision: 3,
    plugins: { calendar: { enabled: true } },
    emotionalState: { primaryEmotion: 'curiosity' },
  });

  saveFromAnotherProcess(created.gmid, "m.feel('anger', 0.9)");
  here.feel('calm', 0.2);
  const before = readFileSync(created.file);
  await expect(here.save()).rejects.toMatchObject({ code: 'SAVE_CONFLICT' });
  expect(readFileSync(created.file).equals(before)).toBe(true);
});

test('a save that would pass 50 KB is refused and writes nothing', async () => {
  const mind = await suite.genesis.createMind({ name: 'Hoarder' });
  const before = readFileSync(mind.file);
  mind.update((d) => {
    d.plugins.notes = { list: Array.from({ length: 5000 }, (_, i) => `note ${i}`) };
  });
  await expect(mind.save()).rejects.toMatchObject({
    code: 'MIND_FILE_TOO_LARGE',
    message: expect.stringContaining('largest sections: plugins'),
  });
  expect(readFileSync(mind.file)).toEqual(before);
});

test('100,000 messages, 10,000 concerns and 1,000 emotional changes leave the JSON file under 50 KB', async () => {
  const mind = await suite.genesis.createMind({ name: 'Marathon' });
  for (let batch = 0; batch < 100; batch++) {
    const messages = Array.from({ length: 1000 }, (_, i) => ({
      role: (i % 2 ? 'assistant' : 'user') as 'user' | 'assistant',
      content: `message ${batch * 1000 + i}`,
      userEmail: 'ann@example.com',
    }));
    clock.advance(1);
    await mind.conversation.addMessages(messages);
  }
  for (let i = 0; i < 10_000; i += 500) {
    await Promise.all(
      Array.from({ length: 500 }, (_, j) =>
        mind.concerns.create({ type: 'emotion', description: `concern ${i + j}`, followUpAt: clock.now() + i + j }),
      ),
    );
  }
  const emotions = ['joy', 'sadness', 'anger', 'fear', 'surprise', 'trust', 'anticipation', 'disgust'];
  for (let i = 0; i < 1000; i++) {
    clock.advance(1000);
    mind.feel(`${emotions[i % emotions.length]}${i % 40}`, (i % 100) / 100);
    await mind.save();
  }
  // One more write of the newest message, so "newest" is unambiguous.
  clock.advance(1000);
  await mind.conversation.addMessage({ role: 'user', content: 'the very last message' });

  expect(statSync(mind.file).size).toBeLessThan(MAX_MIND_FILE_BYTES);
  expect(await mind.conversation.countMessages()).toBe(100_001);
  expect((await suite.genesis.stats(mind.gmid)).concerns).toBe(10_000);
  const recent = await mind.conversation.getRecentMessages({ limit: 10 });
  expect(recent.map((m) => m.content)).toEqual([
    ...Array.from({ length: 9 }, (_, i) => `message ${99_991 + i}`),
    'the very last message',
  ]);
  const reloaded = await suite.genesis.loadMind(mind.gmid);
  expect(reloaded.revision).toBe(1001);
  expect(Object.keys(reloaded.emotionalState.emotions).length).toBeLessThanOrEqual(24);
}, 300_000);
