import { isGmid } from '../../shared/gmid';
import { buildMindService, oldMindFile } from './support';

const OLD_FILE = '/elsewhere/atlas.json';
const OLD_GMID = 'GMID-12345678';

describe('MindService', () => {
  test('creates, loads, lists and deletes Minds', async () => {
    const { service, stores, documents, clock } = buildMindService();
    const atlas = await service.createMind({ name: '  Atlas  ', creatorEmail: 'Ann@X.io' });
    expect(isGmid(atlas.gmid)).toBe(true);
    expect(atlas.identity).toMatchObject({
      name: 'Atlas',
      creatorEmail: 'ann@x.io',
      birthTimestamp: new Date(clock.now()).toISOString(),
    });
    expect(await stores.minds.get(atlas.gmid)).toMatchObject({
      name: 'Atlas',
      status: 'active',
      jsonPath: documents.pathFor(atlas.gmid),
    });
    clock.advance(1000);
    const bea = await service.createMind({ name: 'Bea' });
    await expect(service.createMind({ name: ' ' })).rejects.toMatchObject({ code: 'INVALID_INPUT', field: 'name' });

    clock.advance(1000);
    const loaded = await service.loadMind(atlas.gmid);
    expect(loaded).toMatchObject({ gmid: atlas.gmid, name: 'Atlas', revision: 1 });
    expect((await stores.minds.get(atlas.gmid))?.lastSeenAt).toBe(clock.now());
    expect((await service.listMinds()).map((m) => m.gmid)).toEqual([atlas.gmid, bea.gmid]);

    await loaded.conversation.addMessage({ role: 'user', content: 'hello' });
    await loaded.concerns.create({ type: 'task', description: 'taxes', followUpAt: clock.now() + 1000 });
    await loaded.memory.addMemory({ content: 'Ann likes tea', memoryType: 'semantic' });
    expect(await service.stats(atlas.gmid)).toMatchObject({
      gmid: atlas.gmid,
      name: 'Atlas',
      messages: 1,
      concerns: 1,
      activeConcerns: 1,
      tasks: 0,
      records: 0,
      memoriesNotYetMoved: 0,
    });

    expect(await service.deleteMind(atlas.gmid)).toEqual({
      gmid: atlas.gmid,
      rowsDeleted: 2,
      fileRemoved: true,
      memoriesDropped: true,
    });
    await expect(service.loadMind(atlas.gmid)).rejects.toMatchObject({ code: 'MIND_NOT_FOUND' });
    await expect(service.deleteMind(atlas.gmid)).rejects.toMatchObject({ code: 'MIND_NOT_FOUND' });
    expect((await service.listMinds()).map((m) => m.gmid)).toEqual([bea.gmid]);
    expect(await stores.messages.count({ mindId: atlas.gmid, includeArchived: true })).toBe(0);
  });

  test('loadMind refuses what is not a GMID, and a file that names another Mind', async () => {
    const { service, documents } = buildMindService();
    for (const bad of ['../../etc/passwd', 'atlas', 'GMD-2026-zzzz-0000']) {
      await expect(service.loadMind(bad)).rejects.toMatchObject({ code: 'INVALID_GMID', field: 'gmid' });
    }
    await expect(service.deleteMind('../x')).rejects.toMatchObject({ code: 'INVALID_GMID' });
    await expect(service.loadMind('GMD-2026-0000-0000')).rejects.toMatchObject({ code: 'MIND_NOT_FOUND' });

    const atlas = await service.createMind({ name: 'Atlas' });
    const text = (await documents.read(atlas.gmid))!.raw.toString('utf8');
    await documents.write('GMD-2026-0000-0001', text);
    await expect(service.loadMind('GMD-2026-0000-0001')).rejects.toMatchObject({
      code: 'INVALID_MIND_FILE',
      field: 'identity.gmid',
    });
  });

  test('loadMindFile imports an old-format file exactly once, however often it is loaded', async () => {
    const { service, stores, documents, backend } = buildMindService();
    const raw = Buffer.from(JSON.stringify(oldMindFile(OLD_GMID), null, 4));
    documents.putFile(OLD_FILE, raw);

    const first = await service.loadMindFile(OLD_FILE);
    expect(first).toMatchObject({ gmid: OLD_GMID, name: 'Atlas' });
    const messages = await stores.messages.count({ mindId: OLD_GMID, includeArchived: true });
    const records = await stores.records.count({ mindId: OLD_GMID });
    expect(messages).toBe(4);
    expect(records).toBeGreaterThanOrEqual(3);
    expect(await stores.minds.get(OLD_GMID)).toMatchObject({ name: 'Atlas', jsonPath: documents.pathFor(OLD_GMID) });
    expect(await backend.store.count(OLD_GMID)).toBe(2);
    expect(first.document.memory.notYetMoved).toBe(0);
    expect(await documents.readSecrets(OLD_GMID)).toEqual({ '$.intelligence.openai_api_key': 'sk-old-secret' });
    const backupFile = first.document.legacyImport!.backupFile;
    expect((await documents.readFile(backupFile)).raw.equals(raw)).toBe(true);

    // The compact file is written by the import itself, so the Mind loads by its GMID at once.
    expect(first.revision).toBe(1);
    expect((await service.loadMind(OLD_GMID)).revision).toBe(1);
    const second = await service.loadMindFile(OLD_FILE);
    expect(second.gmid).toBe(OLD_GMID);
    expect(await stores.messages.count({ mindId: OLD_GMID, includeArchived: true })).toBe(messages);
    expect(await stores.records.count({ mindId: OLD_GMID })).toBe(records);
    expect(await service.listMinds()).toHaveLength(1);
    expect(await backend.store.count(OLD_GMID)).toBe(2);

    // Once compacted, loading the old file again keeps the compact Mind and adds nothing.
    await second.save();
    const third = await service.loadMindFile(OLD_FILE);
    expect(third.revision).toBe(2);
    expect(await stores.messages.count({ mindId: OLD_GMID, includeArchived: true })).toBe(messages);
    expect((await service.loadMind(OLD_GMID)).name).toBe('Atlas');
    expect((await documents.read(OLD_GMID))!.raw.toString('utf8')).not.toMatch(/sk-old-secret|conversation_history/);
  });

  test('an import whose records insert fails leaves no messages and no registry row', async () => {
    const { service, stores, documents } = buildMindService();
    documents.putFile(OLD_FILE, JSON.stringify(oldMindFile(OLD_GMID)));
    const failure = new Error('disk full');
    const spy = jest.spyOn(stores.records, 'appendMany').mockRejectedValueOnce(failure);
    await expect(service.loadMindFile(OLD_FILE)).rejects.toBe(failure);
    expect(await stores.messages.count({ mindId: OLD_GMID, includeArchived: true })).toBe(0);
    expect(await stores.records.count({ mindId: OLD_GMID })).toBe(0);
    expect(await stores.minds.get(OLD_GMID)).toBeNull();
    spy.mockRestore();

    await service.loadMindFile(OLD_FILE);
    expect(await stores.messages.count({ mindId: OLD_GMID, includeArchived: true })).toBe(4);
  });

  test('loadMindFile names the file of a missing or damaged file without quoting it', async () => {
    const { service, documents } = buildMindService();
    await expect(service.loadMindFile('/nowhere.json')).rejects.toMatchObject({ code: 'MIND_NOT_FOUND' });
    documents.putFile('/damaged.json', '{"identity": PRIVATE-WORDS');
    const error = await service.loadMindFile('/damaged.json').then(
      () => new Error('loaded'),
      (e: unknown) => e as Error,
    );
    expect(error).toMatchObject({ code: 'INVALID_MIND_FILE', message: expect.stringContaining('/damaged.json') });
    expect(error.message).not.toContain('PRIVATE-WORDS');
    await expect(service.loadMindFile('')).rejects.toMatchObject({ code: 'INVALID_INPUT', field: 'path' });
  });
});
