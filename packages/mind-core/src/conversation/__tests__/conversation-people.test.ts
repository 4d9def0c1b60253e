import { buildMindService } from '../../mind/__tests__/support';

async function created() {
  const built = buildMindService();
  const mind = await built.service.createMind({ name: 'Atlas' });
  const run = jest.spyOn(built.unitOfWork, 'run');
  return { ...built, mind, run };
}

describe('conversation and the people and places of a Mind', () => {
  test('a message from a user records an interaction: count, first and last time', async () => {
    const { mind, clock } = await created();
    const first = clock.now();
    await mind.conversation.addMessage({ role: 'user', content: 'hi', userEmail: 'Ann@X.io' });
    clock.advance(60_000);
    await mind.conversation.addMessage({ role: 'user', content: 'again', userEmail: 'ann@x.io' });
    expect(await mind.relationships.get('ann@x.io')).toMatchObject({
      relationshipType: 'user',
      trustLevel: 0.5,
      interactionCount: 2,
      firstInteractionAt: first,
      lastInteractionAt: clock.now(),
    });
  });

  test('assistant messages to a user and messages without a user record no interaction, in one plain insert', async () => {
    const { mind, run, state } = await created();
    await mind.conversation.addMessage({ role: 'assistant', content: 'hello Ann', userEmail: 'ann@x.io' });
    await mind.conversation.addMessage({ role: 'user', content: 'anonymous' });
    await mind.conversation.addMessages([
      { role: 'system', content: 's' },
      { role: 'assistant', content: 'a', userEmail: 'ann@x.io' },
    ]);
    expect(run).not.toHaveBeenCalled();
    expect(state.relationships).toEqual([]);
    expect(await mind.conversation.countMessages()).toBe(4);
  });

  test('addMessages records one interaction per user with the count of their messages and the latest time', async () => {
    const { mind, clock, run } = await created();
    await mind.relationships.upsert({ email: 'cy@x.io', displayName: 'Cy', trustLevel: 0.9 });
    clock.advance(5000);
    const inserted = await mind.conversation.addMessages([
      { role: 'user', content: '1', userEmail: 'ann@x.io' },
      { role: 'assistant', content: '2', userEmail: 'ann@x.io' },
      { role: 'user', content: '3', userEmail: 'BOB@x.io' },
      { role: 'user', content: '4', userEmail: 'ann@x.io' },
      { role: 'user', content: '5', userEmail: 'cy@x.io' },
      { role: 'user', content: '6', userEmail: 'ann@x.io' },
      { role: 'user', content: '7' },
    ]);
    expect(inserted).toBe(7);
    expect(run).toHaveBeenCalledTimes(1);
    const page = await mind.relationships.list({ limit: 10 });
    const counts = Object.fromEntries(page.items.map((r) => [r.userEmail, r.interactionCount]));
    expect(counts).toEqual({ 'ann@x.io': 3, 'bob@x.io': 1, 'cy@x.io': 1 });
    for (const r of page.items) expect(r.lastInteractionAt).toBe(clock.now());
    expect(await mind.relationships.get('cy@x.io')).toMatchObject({ displayName: 'Cy', trustLevel: 0.9 });
  });

  test('a message that cannot be stored records no interaction, and a failed interaction stores no message', async () => {
    const { mind, stores, state } = await created();
    await mind.conversation.addMessage({ role: 'user', content: 'first', userEmail: 'ann@x.io' });
    // Refused by validation: nothing is written.
    await expect(
      mind.conversation.addMessage({ role: 'user', content: '   ', userEmail: 'ann@x.io' }),
    ).rejects.toMatchObject({ code: 'INVALID_INPUT', field: 'content' });
    await expect(
      mind.conversation.addMessages([
        { role: 'user', content: 'ok', userEmail: 'bob@x.io' },
        { role: 'user', content: 'x'.repeat(2 * 1024 * 1024), userEmail: 'bob@x.io' },
      ]),
    ).rejects.toMatchObject({ code: 'INVALID_INPUT', field: 'messages.1.content' });
    // Failing in the store, after the interaction was recorded in the same unit of work: rolled back.
    const append = jest.spyOn(stores.messages, 'append').mockRejectedValueOnce(new Error('disk full'));
    await expect(
      mind.conversation.addMessage({ role: 'user', content: 'lost', userEmail: 'ann@x.io' }),
    ).rejects.toThrow('disk full');
    append.mockRestore();
    const appendMany = jest.spyOn(stores.messages, 'appendMany').mockRejectedValueOnce(new Error('disk full'));
    await expect(
      mind.conversation.addMessages([{ role: 'user', content: 'lost', userEmail: 'dee@x.io' }]),
    ).rejects.toThrow('disk full');
    appendMany.mockRestore();
    expect(await mind.relationships.get('ann@x.io')).toMatchObject({ interactionCount: 1 });
    expect(await mind.relationships.get('bob@x.io')).toBeNull();
    expect(await mind.relationships.get('dee@x.io')).toBeNull();
    // The other way round: the interaction fails, the message is not kept.
    jest.spyOn(stores.relationships, 'recordInteraction').mockRejectedValueOnce(new Error('locked'));
    await expect(
      mind.conversation.addMessage({ role: 'user', content: 'gone', userEmail: 'ann@x.io' }),
    ).rejects.toThrow('locked');
    expect(state.messages.map((m) => m.content)).toEqual(['first']);
  });

  test('a message in an environment marks it active in the same unit of work; an unknown id changes nothing', async () => {
    const { mind, clock, state } = await created();
    const chat = await mind.environments.upsert({ name: 'chat', kind: 'chat' });
    clock.advance(1000);
    await mind.conversation.addMessage({ role: 'assistant', content: 'hello', environmentId: chat.id });
    expect(await mind.environments.get('chat')).toMatchObject({ lastActiveAt: clock.now(), visitCount: 0 });
    clock.advance(1000);
    await mind.conversation.addMessages([
      { role: 'user', content: 'a', environmentId: chat.id, userEmail: 'ann@x.io' },
      { role: 'user', content: 'b', environmentId: 'somewhere-else' },
    ]);
    expect(await mind.environments.get('chat')).toMatchObject({ lastActiveAt: clock.now() });
    expect(state.environments).toHaveLength(1);
    expect(state.messages.filter((m) => m.environmentId === 'somewhere-else')).toHaveLength(1);
  });
});
