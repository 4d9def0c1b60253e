import { MAX_MIND_FILE_BYTES } from '../../mind/mind-document';
import { buildMindService } from '../../mind/__tests__/support';
import { legacyMindFile, type LegacyMindShape } from '../../testing';
import type { StoredRecord } from '../../ports/record-store';

const GMID = 'GMID-PLUGINS1';
const BIRTH = Date.UTC(2025, 0, 10, 9);

function setup() {
  const built = buildMindService();
  const put = (gmid: string, value: unknown, suffix = '') =>
    built.documents.putFile(`${built.documents.pathFor(gmid)}${suffix}`, JSON.stringify(value, null, 4));
  const records = (namespace?: string): StoredRecord[] =>
    built.state.records.filter((r) => namespace === undefined || r.namespace === namespace);
  return { ...built, put, records };
}

const heavy: LegacyMindShape = {
  turns: 6,
  transactions: 500,
  tasks: 40,
  files: 30,
  events: 25,
  experiences: 12,
  roles: 3,
  people: 5,
  places: 3,
  visitorsPerPlace: 4,
  dreams: 2,
  thoughts: 3,
};

describe('importLegacyMind: plugin state', () => {
  test('nested growing lists and dicts move to records, each item once; config and current values stay', async () => {
    const { service, put, records, state, documents } = setup();
    const file = legacyMindFile(GMID, heavy);
    put(GMID, file);
    const report = await service.importLegacyMind(GMID);
    expect(report).toMatchObject({ status: 'imported', gmid: GMID, problems: [] });

    const byKind = (ns: string, kind: string) => records(ns).filter((r) => r.kind === kind);
    expect(byKind('plugin:gen', 'gen.transaction_history')).toHaveLength(500);
    expect(byKind('plugin:tasks', 'tasks.tasks')).toHaveLength(40);
    expect(byKind('plugin:workspace', 'workspace.files')).toHaveLength(30);
    expect(byKind('plugin:events', 'events.events')).toHaveLength(25);
    expect(byKind('plugin:experiences', 'experiences.experiences')).toHaveLength(12);
    expect(byKind('plugin:roles', 'roles.roles')).toHaveLength(3);
    expect(byKind('plugin:environments', 'environments.environments.visitors_history')).toHaveLength(12);
    // Every item once, with its key or its content.
    const tasks = byKind('plugin:tasks', 'tasks.tasks').map((r) => (r.data as { key: string }).key);
    expect(new Set(tasks).size).toBe(40);
    expect(tasks).toContain('TASK-1027');
    expect(byKind('plugin:gen', 'gen.transaction_history')[499]!.data).toEqual(
      (file.plugins as any).gen.gen.transaction_history[499],
    );
    expect(byKind('plugin:environments', 'environments.environments.visitors_history')[0]!.data).toEqual({
      owner: 'ENV-1000',
      item: { visitor: 'v0@example.com', timestamp: expect.any(String) },
    });

    const expected = 500 + 40 + 30 + 25 + 12 + 3 + 12 + 2 + 3;
    expect(report.records).toEqual({ moved: expected, alreadyThere: 0 });
    expect(state.records).toHaveLength(expected);
    expect(report.messages).toMatchObject({ moved: 6, alreadyThere: 0 });
    expect(report.movedCollections).toEqual(
      expect.arrayContaining([
        { path: 'plugins.gen.gen.transaction_history', count: 500 },
        { path: 'plugins.tasks.tasks.tasks', count: 40 },
        { path: 'plugins.relationships.relationships.relationships', count: 5 },
        { path: 'plugins.environments.environments.environments', count: 3 },
      ]),
    );

    const mind = await service.loadMind(GMID);
    const plugins = mind.document.plugins as any;
    expect(plugins.gen).toEqual({ enabled: true, gen: { balance: 1234.5, currency: 'GEN' } });
    expect(plugins.tasks).toEqual({ tasks: { max_concurrent: 3 } });
    expect(plugins.workspace.workspace).toEqual({ root: '/home/ann/work', settings: { theme: 'dark' } });
    expect(plugins.roles.roles).toEqual({ active_role: 'friend' });
    expect(plugins.lifecycle).toEqual({ lifecycle: { stage: 'adult', born: '2025-01-10T09:00:00.000000' } });
    expect(plugins.relationships.relationships).toEqual({ default_trust: 0.5 });
    expect(plugins.environments.environments).toEqual({ current_environment: 'ENV-1000' });
    expect(report.newBytes).toBeLessThan(10_000);
    expect(report.newBytes).toBe(await documents.size(GMID));
  });

  test('importing again adds nothing, and says everything is already there', async () => {
    const { service, put, state } = setup();
    put(GMID, legacyMindFile(GMID, heavy));
    const first = await service.importLegacyMind(GMID);
    const rows = { messages: state.messages.length, records: state.records.length };
    const people = structuredClone(state.relationships);
    const places = structuredClone(state.environments);
    const second = await service.importLegacyMind(GMID);
    expect(second.status).toBe('already-imported');
    expect(second.messages).toMatchObject({ moved: 0, alreadyThere: first.messages.moved });
    expect(second.records).toEqual({ moved: 0, alreadyThere: first.records.moved });
    expect(second.relationships).toEqual({ moved: 0, alreadyThere: 5 });
    expect(second.environments).toEqual({ moved: 0, alreadyThere: 3 });
    expect({ messages: state.messages.length, records: state.records.length }).toEqual(rows);
    expect(state.relationships).toEqual(people);
    expect(state.environments).toEqual(places);
    // loadMind of the compact file afterwards imports nothing either.
    await service.loadMind(GMID);
    expect(state.records.length).toBe(rows.records);
  });

  test('people and places are reachable through mind.relationships and mind.environments; counts never doubled', async () => {
    const { service, put, documents } = setup();
    const inPlace = 'GMID-PEOPLE01';
    put(inPlace, legacyMindFile(inPlace, { people: 3, places: 2, visitorsPerPlace: 2 }));
    // loadMind of an old file in the minds folder imports it too (the same rules).
    const mind = await service.loadMind(inPlace);
    await service.loadMind(inPlace);
    const people = (await mind.relationships.list({ limit: 10 })).items;
    expect(people.map((p) => p.userEmail).sort()).toEqual([
      'person0@example.com',
      'person1@example.com',
      'person2@example.com',
    ]);
    const p1 = (await mind.relationships.get('person1@example.com'))!;
    expect(p1).toMatchObject({
      displayName: 'Person 1',
      relationshipType: 'colleague',
      trustLevel: 0.6,
      notes: 'met at 1',
      interactionCount: 3,
      firstInteractionAt: BIRTH + 86_400_000,
      lastInteractionAt: BIRTH + 31 * 86_400_000,
      metadata: { favourite_food: 'soup' },
    });
    const places = await mind.environments.list();
    expect(places.map((e) => [e.name, e.kind]).sort()).toEqual([
      ['Place 0', 'chat'],
      ['Place 1', 'game'],
    ]);
    expect((await mind.environments.get('Place 1'))!).toMatchObject({
      description: 'a place 1',
      lastActiveAt: BIRTH + 60_000,
      metadata: { capacity: 10 },
    });
    // Saved compact, then migrated again: the counts stay as the old file said.
    await mind.save();
    expect(documents.paths().some((p) => p.includes('/backup/'))).toBe(true);
    await service.importLegacyMind(inPlace);
    await service.importLegacyMind(inPlace);
    expect((await mind.relationships.get('person1@example.com'))!.interactionCount).toBe(3);
    // A live message afterwards counts on top.
    await mind.conversation.addMessage({ role: 'user', content: 'hi again', userEmail: 'person1@example.com' });
    expect((await mind.relationships.get('person1@example.com'))!.interactionCount).toBe(4);
    await service.importLegacyMind(inPlace);
    expect((await mind.relationships.get('person1@example.com'))!.interactionCount).toBe(4);
  });
  test('the old interaction count is a floor: interactions the old SQL messages recorded are not added again', async () => {
    const { service, put, stores } = setup();
    // The old SQL rows were imported first: two messages from person1 recorded two interactions.
    await stores.relationships.recordInteraction(GMID, 'person1@example.com', BIRTH, 2);
    await stores.relationships.recordInteraction(GMID, 'person2@example.com', BIRTH, 9);
    put(GMID, legacyMindFile(GMID, { people: 3 }));
    const report = await service.importLegacyMind(GMID);
    expect(report.relationships).toEqual({ moved: 3, alreadyThere: 0 });
    const count = async (email: string) => (await stores.relationships.get(GMID, email))!.interactionCount;
    // The file says 2, 3 and 4 interactions.
    expect([
      await count('person0@example.com'),
      await count('person1@example.com'),
      await count('person2@example.com'),
    ]).toEqual([2, 3, 9]);
    expect((await stores.relationships.get(GMID, 'person2@example.com'))!.metadata).toMatchObject({
      legacyImport: { interactionCount: 4, lastInteractionAt: BIRTH + 32 * 86_400_000 },
    });
  });
});

describe('importLegacyMind: history from the file and its .bak', () => {
  const turn = (i: number) => ({ role: i % 2 ? 'assistant' : 'user', content: `turn ${i} — ✓ 日本` });

  test('history only in the .bak (the file lost it) is imported, in order', async () => {
    const { service, put, state } = setup();
    const { conversation_history: _h, ...file } = legacyMindFile(GMID, {});
    put(GMID, file);
    put(GMID, { ...legacyMindFile(GMID, {}), conversation_history: [0, 1, 2, 3].map(turn) }, '.bak');
    const report = await service.importLegacyMind(GMID);
    expect(report.messages).toEqual({ moved: 4, alreadyThere: 0, fromBackup: 4, duplicatesInBackup: 0 });
    expect(report.backupOfBak).toMatch(/backup/);
    const mind = await service.loadMind(GMID);
    const page = await mind.conversation.listMessages({ limit: 10 });
    page.items.reverse();
    expect(page.items.map((m) => m.content)).toEqual([0, 1, 2, 3].map((i) => turn(i).content));
    expect(page.items.map((m) => m.createdAt)).toEqual([BIRTH, BIRTH + 1, BIRTH + 2, BIRTH + 3]);
    expect(page.items[0]!.metadata).toMatchObject({ fromBackup: true, timestampMissing: true, legacyIndex: 0 });
    expect((await service.importLegacyMind(GMID)).messages).toMatchObject({ moved: 0, alreadyThere: 4 });
    expect(state.messages).toHaveLength(4);
  });

  test('the .bak and the file overlap: merged, order kept, the overlap stored once', async () => {
    const { service, put, state } = setup();
    // The file kept a window of the last messages; the .bak is the previous save.
    put(GMID, { ...legacyMindFile(GMID, {}), conversation_history: [3, 4, 5, 6, 7].map(turn) });
    put(GMID, { ...legacyMindFile(GMID, {}), conversation_history: [0, 1, 2, 3, 4, 5].map(turn) }, '.bak');
    const report = await service.importLegacyMind(GMID);
    expect(report.messages).toEqual({ moved: 8, alreadyThere: 0, fromBackup: 3, duplicatesInBackup: 3 });
    const ordered = [...state.messages].sort((a, b) => a.createdAt - b.createdAt);
    expect(ordered.map((m) => m.content)).toEqual([0, 1, 2, 3, 4, 5, 6, 7].map((i) => turn(i).content));
    expect(new Set(state.messages.map((m) => m.createdAt)).size).toBe(8);
  });

  test('a message repeated on purpose is kept twice; a .bak that is a prefix of the file adds nothing', async () => {
    const { service, put, state } = setup();
    const ok = { role: 'user', content: 'ok' };
    put(GMID, { ...legacyMindFile(GMID, {}), conversation_history: [ok, ok, turn(1), ok] });
    put(GMID, { ...legacyMindFile(GMID, {}), conversation_history: [ok, ok] }, '.bak');
    const report = await service.importLegacyMind(GMID);
    expect(report.messages).toMatchObject({ moved: 4, fromBackup: 0, duplicatesInBackup: 2 });
    expect(state.messages.map((m) => m.content)).toEqual(['ok', 'ok', turn(1).content, 'ok']);
  });

  test('times: own times kept (naive, zoned, epoch), missing ones follow, never shared with other messages', async () => {
    const { service, put, state, stores } = setup();
    // A message from the old SQL tables already sits at the time the first imported ones would take.
    await stores.messages.appendMany([
      {
        mindId: GMID,
        role: 'user',
        content: 'from SQL',
        createdAt: BIRTH + 1,
        sourceKey: 'py:conversation_messages:1',
      },
    ]);
    const history = [
      { role: 'user', content: 'a' },
      { role: 'assistant', content: 'b' },
      { role: 'user', content: 'c', timestamp: '2025-02-01T10:00:00' },
      { role: 'assistant', content: 'd', timestamp: '2025-02-01T10:00:00+00:00' },
      { role: 'user', content: 'e', timestamp: Date.UTC(2025, 1, 1, 10, 0, 5) / 1000, mood: 'happy' },
      { role: 'assistant', content: 'x'.repeat(200_000) },
    ];
    put(GMID, { ...legacyMindFile(GMID, {}), conversation_history: history });
    await service.importLegacyMind(GMID);
    const imported = state.messages.filter((m) => m.sourceKey?.startsWith('legacy:'));
    const t = Date.UTC(2025, 1, 1, 10);
    expect(imported.map((m) => m.createdAt)).toEqual([BIRTH, BIRTH + 2, t, t + 1, t + 5000, t + 5001]);
    expect(imported[3]!.metadata).toMatchObject({ legacyTimestamp: '2025-02-01T10:00:00+00:00' });
    expect(imported[4]!.metadata).toMatchObject({ mood: 'happy' });
    expect(imported[5]!.content).toHaveLength(200_000);
  });
});

describe('importLegacyMind: bad input', () => {
  test('a .tmp left by a crash is reported and never used', async () => {
    const { service, put, documents, state } = setup();
    put(GMID, legacyMindFile(GMID, { turns: 2 }));
    documents.putFile(`${documents.pathFor(GMID)}.tmp`, '{"identity": {"gmid": "GMID-PLUGINS1", "na');
    const report = await service.importLegacyMind(GMID);
    expect(report.status).toBe('imported');
    expect(report.problems).toEqual([expect.stringContaining('.json.tmp was left by a crash mid-write')]);
    expect(state.messages).toHaveLength(2);
  });

  test('a truncated file is reported and left alone (its .bak not used); other Minds import', async () => {
    const { service, put, documents, state } = setup();
    const broken = 'GMID-BROKEN01';
    const text = JSON.stringify(legacyMindFile(broken, { turns: 4 }));
    documents.putFile(documents.pathFor(broken), text.slice(0, text.length / 2));
    put(broken, legacyMindFile(broken, { turns: 2 }), '.bak');
    put(GMID, legacyMindFile(GMID, { turns: 3 }));

    const bad = await service.importLegacyMind(broken);
    expect(bad.status).toBe('failed');
    expect(bad.problems.join('\n')).toMatch(/is not valid JSON[\s\S]*was not imported/);
    expect(JSON.stringify(bad)).not.toContain('turn 0');
    expect((await documents.readFile(documents.pathFor(broken)).catch((e) => e)).code).toBe('INVALID_MIND_FILE');
    expect(documents.paths().filter((p) => p.includes('/backup/'))).toEqual([]);

    const good = await service.importLegacyMind(GMID);
    expect(good.status).toBe('imported');
    expect(state.messages.map((m) => m.mindId)).toEqual([GMID, GMID, GMID]);
  });

  test('a missing file with a .bak is imported from the .bak; a Mind of this Genesis is not legacy', async () => {
    const { service, put } = setup();
    put(GMID, legacyMindFile(GMID, { turns: 2 }), '.bak');
    const report = await service.importLegacyMind(GMID);
    expect(report).toMatchObject({ status: 'imported', messages: { moved: 2 } });
    expect(report.problems).toEqual([expect.stringContaining('is missing: imported from its .bak')]);
    const created = await service.createMind({ name: 'New' });
    expect((await service.importLegacyMind(created.gmid)).status).toBe('not-legacy');
    await expect(service.importLegacyMind('GMID-NOTHERE1')).rejects.toMatchObject({ code: 'MIND_NOT_FOUND' });
  });
});

describe('importLegacyMind: size and dry run', () => {
  test('a 186 KB plugin-heavy file saves under 50 KB; oversized configuration moves with a pointer, reported', async () => {
    const { service, put, documents, records } = setup();
    const file = legacyMindFile(GMID, { ...heavy, transactions: 900, tasks: 200, configBytes: 60_000 });
    put(GMID, file);
    const bytes = (await documents.readFile(documents.pathFor(GMID))).raw.length;
    expect(bytes).toBeGreaterThan(186_000);
    const report = await service.importLegacyMind(GMID);
    // Down to what holds most of it: the banner moves, the theme stays.
    expect(report.movedSections).toEqual(['plugins.workspace.workspace.settings.banner']);
    expect(report.problems).toEqual([
      expect.stringContaining('moved plugins.workspace.workspace.settings.banner to records'),
    ]);
    expect(report.newBytes).toBeLessThan(MAX_MIND_FILE_BYTES - 4 * 1024);
    const mind = await service.loadMind(GMID);
    expect((mind.document.plugins as any).workspace.workspace).toEqual({
      root: '/home/ann/work',
      settings: {
        banner: {
          $movedToRecords: { namespace: 'plugin:workspace', kind: 'moved:workspace.settings.banner', count: 1 },
        },
        theme: 'dark',
      },
    });
    const moved = records('plugin:workspace').filter((r) => r.kind === 'moved:workspace.settings.banner');
    expect(moved.map((r) => r.data)).toEqual(['x'.repeat(60_000)]);
    expect((await mind.save()).bytes).toBeLessThan(MAX_MIND_FILE_BYTES);
  });

  test('loadMind of an oversized old file in place: save() works', async () => {
    const { service, put } = setup();
    put(GMID, legacyMindFile(GMID, { configBytes: 120_000, transactions: 50 }));
    const mind = await service.loadMind(GMID);
    const saved = await mind.save();
    expect(saved.bytes).toBeLessThan(MAX_MIND_FILE_BYTES);
  });

  test('dryRun reports exactly what a real run does and writes nothing; progress counts up to the total', async () => {
    const { service, put, documents, state } = setup();
    put(GMID, { ...legacyMindFile(GMID, heavy), memory: { memories: { m1: { content: 'tea' } } } });
    const before = JSON.stringify(state);
    const paths = documents.paths();
    const progress: Array<[number, number]> = [];
    const dry = await service.importLegacyMind(GMID, { dryRun: true, onProgress: (d, t) => progress.push([d, t]) });
    expect(JSON.stringify(state)).toBe(before);
    expect(documents.paths()).toEqual(paths);
    expect(await documents.readSecrets(GMID)).toEqual({});
    expect(dry.memories).toEqual({ inline: 1, moved: 0, pending: 1 });
    expect(progress.at(-1)).toEqual([progress.at(-1)![1], 6 + 627 + 5 + 3]);

    const real = await service.importLegacyMind(GMID);
    expect(real.memories).toEqual({ inline: 1, moved: 1, pending: 0 });
    const strip = (r: typeof real) => ({
      ...r,
      dryRun: false,
      backupFile: null,
      backupOfBak: null,
      memories: null,
      newBytes: null,
    });
    expect(strip(dry)).toEqual(strip(real));
    // The size is an estimate in a dry run (the backup's name is not known yet).
    expect(Math.abs(dry.newBytes - real.newBytes)).toBeLessThan(200);
    expect(real.secrets).toEqual(['$.intelligence.openai_api_key']);
    expect(await documents.readSecrets(GMID)).toEqual({ '$.intelligence.openai_api_key': 'sk-legacy-secret' });
    const again = await service.importLegacyMind(GMID, { dryRun: true });
    expect(again.records).toEqual({ moved: 0, alreadyThere: real.records.moved });
  });
});
