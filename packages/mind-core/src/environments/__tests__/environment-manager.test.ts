import { buildMindService } from '../../mind/__tests__/support';

async function created() {
  const built = buildMindService();
  const mind = await built.service.createMind({ name: 'Atlas' });
  return { ...built, mind };
}

describe('mind.environments', () => {
  test('upsert creates by name, keeps id, description and primary when not given', async () => {
    const { mind, clock } = await created();
    const cli = await mind.environments.upsert({
      name: ' terminal ',
      kind: 'cli',
      description: 'the shell',
      isPrimary: true,
      metadata: { host: 'box' },
    });
    expect(cli).toMatchObject({
      mindId: mind.gmid,
      name: 'terminal',
      kind: 'cli',
      description: 'the shell',
      isPrimary: true,
      metadata: { host: 'box' },
      lastActiveAt: null,
      visitCount: 0,
      createdAt: clock.now(),
    });
    clock.advance(1000);
    const again = await mind.environments.upsert({ name: 'terminal', kind: 'cli' });
    expect(again).toMatchObject({
      id: cli.id,
      description: 'the shell',
      isPrimary: true,
      metadata: { host: 'box' },
      updatedAt: clock.now(),
    });
    expect(await mind.environments.upsert({ name: 'terminal', kind: 'cli', isPrimary: false })).toMatchObject({
      isPrimary: false,
    });
  });

  test('a Mind has at most one primary environment', async () => {
    const { mind } = await created();
    await mind.environments.upsert({ name: 'cli', kind: 'cli', isPrimary: true });
    await mind.environments.upsert({ name: 'chat', kind: 'chat' });
    await mind.environments.upsert({ name: 'web', kind: 'web', isPrimary: true });
    const primary = (await mind.environments.list()).filter((e) => e.isPrimary).map((e) => e.name);
    expect(primary).toEqual(['web']);
    expect(await mind.environments.get('cli')).toMatchObject({ kind: 'cli', isPrimary: false });
  });

  test('get and visit address an environment by id or name; visits count and order the list', async () => {
    const { mind, clock } = await created();
    const cli = await mind.environments.upsert({ name: 'cli', kind: 'cli' });
    const chat = await mind.environments.upsert({ name: 'chat', kind: 'chat' });
    expect(await mind.environments.get(cli.id)).toEqual(cli);
    expect(await mind.environments.get('chat')).toEqual(chat);
    expect(await mind.environments.get('nowhere')).toBeNull();
    clock.advance(1000);
    expect(await mind.environments.visit('cli')).toMatchObject({ visitCount: 1, lastActiveAt: clock.now() });
    clock.advance(1000);
    expect(await mind.environments.visit(chat.id)).toMatchObject({ visitCount: 1, lastActiveAt: clock.now() });
    expect((await mind.environments.list()).map((e) => e.name)).toEqual(['chat', 'cli']);
    clock.advance(1000);
    expect(await mind.environments.visit(cli.id)).toMatchObject({ visitCount: 2, lastActiveAt: clock.now() });
    expect((await mind.environments.list()).map((e) => [e.name, e.visitCount])).toEqual([
      ['cli', 2],
      ['chat', 1],
    ]);
    await expect(mind.environments.visit('nowhere')).rejects.toMatchObject({
      code: 'ENVIRONMENT_NOT_FOUND',
      field: 'environment',
    });
  });

  test('remove deletes by id or name and returns it; unknown is ENVIRONMENT_NOT_FOUND; other Minds are apart', async () => {
    const { mind, service } = await created();
    const other = await service.createMind({ name: 'Other' });
    const cli = await mind.environments.upsert({ name: 'cli', kind: 'cli' });
    await other.environments.upsert({ name: 'cli', kind: 'cli' });
    await expect(other.environments.remove(cli.id)).rejects.toMatchObject({ code: 'ENVIRONMENT_NOT_FOUND' });
    expect(await mind.environments.remove('cli')).toEqual(cli);
    expect(await mind.environments.list()).toEqual([]);
    expect((await other.environments.list()).map((e) => e.name)).toEqual(['cli']);
    await expect(mind.environments.remove(cli.id)).rejects.toMatchObject({ code: 'ENVIRONMENT_NOT_FOUND' });
  });

  test('refuses bad input naming the field, and writes nothing', async () => {
    const { mind, state } = await created();
    const refused = (p: Promise<unknown>, field: string) =>
      expect(p).rejects.toMatchObject({ name: 'GenesisError', code: 'INVALID_INPUT', field });
    await refused(mind.environments.upsert({ name: '', kind: 'cli' }), 'name');
    await refused(mind.environments.upsert({ name: 'x'.repeat(201), kind: 'cli' }), 'name');
    await refused(mind.environments.upsert({ name: 'x', kind: 'hologram' as never }), 'kind');
    await refused(mind.environments.upsert({ name: 'x', kind: 'cli', description: ' ' }), 'description');
    await refused(mind.environments.upsert({ name: 'x', kind: 'cli', isPrimary: 'yes' as never }), 'isPrimary');
    await refused(mind.environments.upsert({ name: 'x', kind: 'cli', metadata: 1 as never }), 'metadata');
    await refused(mind.environments.get(' '), 'environment');
    await refused(mind.environments.visit(''), 'environment');
    expect(state.environments).toEqual([]);
  });
});
