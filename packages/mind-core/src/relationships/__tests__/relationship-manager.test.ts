import { buildMindService } from '../../mind/__tests__/support';

async function created() {
  const built = buildMindService();
  const mind = await built.service.createMind({ name: 'Atlas' });
  return { ...built, mind };
}

describe('mind.relationships', () => {
  test('upsert creates a relationship by email (lower-cased) and changes only the fields given', async () => {
    const { mind, clock } = await created();
    const ann = await mind.relationships.upsert({
      email: ' Ann@Example.com ',
      displayName: ' Ann ',
      relationshipType: 'creator',
      trustLevel: 0.9,
      notes: 'likes tea',
      metadata: { tz: 'Europe/Paris' },
    });
    expect(ann).toMatchObject({
      mindId: mind.gmid,
      userEmail: 'ann@example.com',
      displayName: 'Ann',
      relationshipType: 'creator',
      trustLevel: 0.9,
      interactionCount: 0,
      notes: 'likes tea',
      metadata: { tz: 'Europe/Paris' },
      createdAt: clock.now(),
    });
    clock.advance(1000);
    const changed = await mind.relationships.upsert({ email: 'ann@example.com', trustLevel: 0.4, notes: null });
    expect(changed).toMatchObject({
      id: ann.id,
      displayName: 'Ann',
      relationshipType: 'creator',
      trustLevel: 0.4,
      notes: null,
      metadata: { tz: 'Europe/Paris' },
      updatedAt: clock.now(),
    });
    expect(await mind.relationships.get('ANN@example.com')).toEqual(changed);
    expect(await mind.relationships.get('nobody@example.com')).toBeNull();
    const someone = await mind.relationships.upsert({ email: 'bob@example.com' });
    expect(someone).toMatchObject({ relationshipType: 'user', trustLevel: 0.5, displayName: null });
  });

  test('refuses bad input naming the field, and writes nothing', async () => {
    const { mind, state } = await created();
    const refused = (p: Promise<unknown>, field: string) =>
      expect(p).rejects.toMatchObject({ name: 'GenesisError', code: 'INVALID_INPUT', field });
    await refused(mind.relationships.upsert({ email: 'not-an-email' }), 'email');
    await refused(mind.relationships.upsert({ email: 'a@x.io', trustLevel: 1.5 }), 'trustLevel');
    await refused(mind.relationships.upsert({ email: 'a@x.io', trustLevel: Number.NaN }), 'trustLevel');
    await refused(
      mind.relationships.upsert({ email: 'a@x.io', relationshipType: 'enemy' as never }),
      'relationshipType',
    );
    await refused(mind.relationships.upsert({ email: 'a@x.io', displayName: '  ' }), 'displayName');
    await refused(mind.relationships.upsert({ email: 'a@x.io', displayName: 'x'.repeat(201) }), 'displayName');
    await refused(mind.relationships.upsert({ email: 'a@x.io', notes: '' }), 'notes');
    await refused(mind.relationships.upsert({ email: 'a@x.io', metadata: [] as never }), 'metadata');
    await refused(mind.relationships.upsert({ email: 'a@x.io', metadata: { f: () => 1 } as never }), 'metadata.f');
    await refused(mind.relationships.get('nope'), 'email');
    await refused(mind.relationships.list({ limit: 0 }), 'limit');
    await refused(mind.relationships.list({ limit: 1001 }), 'limit');
    expect(state.relationships).toEqual([]);
  });

  test('lists most recent interaction first in keyset pages, never-contacted last, only this Mind', async () => {
    const { mind, service, clock } = await created();
    const other = await service.createMind({ name: 'Other' });
    await mind.relationships.upsert({ email: 'quiet@x.io' });
    for (const email of ['a@x.io', 'b@x.io', 'c@x.io', 'a@x.io']) {
      clock.advance(1000);
      await mind.conversation.addMessage({ role: 'user', content: 'hi', userEmail: email });
    }
    await other.conversation.addMessage({ role: 'user', content: 'hi', userEmail: 'z@x.io' });
    const p1 = await mind.relationships.list({ limit: 2 });
    expect(p1.items.map((r) => r.userEmail)).toEqual(['a@x.io', 'c@x.io']);
    const p2 = await mind.relationships.list({ limit: 2, cursor: p1.nextCursor });
    expect(p2.items.map((r) => r.userEmail)).toEqual(['b@x.io', 'quiet@x.io']);
    expect(p2.nextCursor).toBeNull();
    expect(p1.items[0]).toMatchObject({ interactionCount: 2 });
    expect((await other.relationships.list({ limit: 10 })).items.map((r) => r.userEmail)).toEqual(['z@x.io']);
  });

  test('remove forgets the relationship (messages stay); an unknown one is RELATIONSHIP_NOT_FOUND', async () => {
    const { mind } = await created();
    await mind.conversation.addMessage({ role: 'user', content: 'hi', userEmail: 'ann@x.io' });
    await mind.relationships.remove('ANN@x.io');
    expect(await mind.relationships.get('ann@x.io')).toBeNull();
    expect(await mind.conversation.countMessages({ userEmail: 'ann@x.io' })).toBe(1);
    await expect(mind.relationships.remove('ann@x.io')).rejects.toMatchObject({
      code: 'RELATIONSHIP_NOT_FOUND',
      field: 'email',
    });
  });
});
