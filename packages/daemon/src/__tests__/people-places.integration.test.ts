import { join } from 'node:path';
import { FakeClock, tempHome } from '@genesis/mind-core/testing';
import { SqlDatabase } from '@genesis/storage-sqlite';
import { openGenesis, type Genesis } from '../composition/open-genesis';

/** mind.relationships and mind.environments on a real SQLite home, and the interactions messages record. */
let home: ReturnType<typeof tempHome>;
let genesis: Genesis;
const clock = new FakeClock(Date.UTC(2026, 5, 1));

const open = () => openGenesis({ home: home.path, env: { GENESIS_EMBEDDINGS: 'hash' }, clock });

beforeEach(async () => {
  home = tempHome('genesis-people-');
  genesis = await open();
});
afterEach(async () => {
  await genesis.close();
  home.cleanup();
});

/** Runs SQL on the home's database through a second connection (as another tool would). */
async function onDatabase(statements: string[]): Promise<void> {
  const db = await SqlDatabase.open({ url: join(home.path, 'genesis.db') });
  try {
    for (const sql of statements) await db.run(sql);
  } finally {
    await db.close();
  }
}

test('a message from a user counts an interaction and its time; the relationship is there after reopening', async () => {
  const mind = await genesis.createMind({ name: 'Ada' });
  const first = clock.now();
  await mind.conversation.addMessage({ role: 'user', content: 'hello', userEmail: 'Ann@Example.com' });
  clock.advance(60_000);
  await mind.conversation.addMessage({ role: 'assistant', content: 'hi Ann', userEmail: 'ann@example.com' });
  clock.advance(60_000);
  await mind.conversation.addMessage({ role: 'user', content: 'how are you', userEmail: 'ann@example.com' });
  await mind.relationships.upsert({ email: 'ann@example.com', displayName: 'Ann', trustLevel: 0.8 });

  await genesis.close();
  genesis = await open();
  const again = await genesis.loadMind(mind.gmid);
  expect(await again.relationships.get('ann@example.com')).toMatchObject({
    displayName: 'Ann',
    relationshipType: 'user',
    trustLevel: expect.closeTo(0.8, 5),
    interactionCount: 2,
    firstInteractionAt: first,
    lastInteractionAt: clock.now(),
  });
  expect((await again.relationships.list({ limit: 10 })).items.map((r) => r.userEmail)).toEqual(['ann@example.com']);
});

test('message and interaction commit together: a refused insert records no interaction, a refused interaction keeps no message', async () => {
  const mind = await genesis.createMind({ name: 'Ada' });
  await mind.conversation.addMessage({ role: 'user', content: 'first', userEmail: 'ann@x.io' });
  const firstAt = clock.now();
  // The database itself refuses these rows, after the interaction was written in the same transaction.
  await onDatabase([
    `CREATE TRIGGER refuse_boom BEFORE INSERT ON conversation_messages WHEN NEW.content = 'boom' ` +
      `BEGIN SELECT RAISE(ABORT, 'boom refused'); END`,
    `CREATE TRIGGER refuse_blocked BEFORE INSERT ON relationships WHEN NEW.user_email = 'blocked@x.io' ` +
      `BEGIN SELECT RAISE(ABORT, 'blocked refused'); END`,
  ]);
  clock.advance(1000);
  await expect(mind.conversation.addMessage({ role: 'user', content: 'boom', userEmail: 'ann@x.io' })).rejects.toThrow(
    /boom refused/,
  );
  await expect(
    mind.conversation.addMessages([
      { role: 'user', content: 'fine', userEmail: 'ann@x.io' },
      { role: 'user', content: 'boom', userEmail: 'bob@x.io' },
    ]),
  ).rejects.toThrow(/boom refused/);
  // Invalid content never reaches the database.
  await expect(
    mind.conversation.addMessage({ role: 'user', content: '  ', userEmail: 'ann@x.io' }),
  ).rejects.toMatchObject({ code: 'INVALID_INPUT', field: 'content' });
  expect(await mind.relationships.get('ann@x.io')).toMatchObject({ interactionCount: 1, lastInteractionAt: firstAt });
  expect(await mind.relationships.get('bob@x.io')).toBeNull();

  await expect(
    mind.conversation.addMessage({ role: 'user', content: 'lost', userEmail: 'blocked@x.io' }),
  ).rejects.toThrow(/blocked refused/);
  expect(await mind.conversation.countMessages()).toBe(1);
  expect((await mind.conversation.listMessages({ limit: 10 })).items.map((m) => m.content)).toEqual(['first']);

  // Both still work for everyone else.
  await mind.conversation.addMessage({ role: 'user', content: 'later', userEmail: 'ann@x.io' });
  expect(await mind.relationships.get('ann@x.io')).toMatchObject({
    interactionCount: 2,
    lastInteractionAt: clock.now(),
  });
});

test('addMessages with three users records three interactions with the count of each one’s messages', async () => {
  const mind = await genesis.createMind({ name: 'Ada' });
  await mind.conversation.addMessage({ role: 'user', content: 'before', userEmail: 'cy@x.io' });
  clock.advance(5000);
  const inserted = await mind.conversation.addMessages([
    { role: 'user', content: 'a1', userEmail: 'ann@x.io' },
    { role: 'user', content: 'b1', userEmail: 'bob@x.io' },
    { role: 'assistant', content: 'to ann', userEmail: 'ann@x.io' },
    { role: 'user', content: 'a2', userEmail: 'ANN@x.io' },
    { role: 'user', content: 'c1', userEmail: 'cy@x.io' },
    { role: 'user', content: 'a3', userEmail: 'ann@x.io' },
    { role: 'user', content: 'b2', userEmail: 'bob@x.io' },
    { role: 'system', content: 'note' },
  ]);
  expect(inserted).toBe(8);
  const { items } = await mind.relationships.list({ limit: 10 });
  expect(Object.fromEntries(items.map((r) => [r.userEmail, r.interactionCount]))).toEqual({
    'ann@x.io': 3,
    'bob@x.io': 2,
    'cy@x.io': 2,
  });
  for (const r of items) expect(r.lastInteractionAt).toBe(clock.now());
  expect(items.find((r) => r.userEmail === 'cy@x.io')?.firstInteractionAt).toBe(clock.now() - 5000);
});

test('environments: upsert, messages mark them active, visits count, remove; other Minds are apart', async () => {
  const mind = await genesis.createMind({ name: 'Ada' });
  const other = await genesis.createMind({ name: 'Bea' });
  const cli = await mind.environments.upsert({ name: 'terminal', kind: 'cli', isPrimary: true });
  const chat = await mind.environments.upsert({ name: 'chat', kind: 'chat', description: 'the team chat' });
  await other.environments.upsert({ name: 'chat', kind: 'chat' });
  clock.advance(1000);
  await mind.conversation.addMessage({ role: 'user', content: 'hi', userEmail: 'ann@x.io', environmentId: chat.id });
  expect(await mind.environments.get('chat')).toMatchObject({ lastActiveAt: clock.now(), visitCount: 0 });
  clock.advance(1000);
  expect(await mind.environments.visit('terminal')).toMatchObject({ visitCount: 1, lastActiveAt: clock.now() });
  clock.advance(1000);
  expect(await mind.environments.visit(cli.id)).toMatchObject({ visitCount: 2, lastActiveAt: clock.now() });
  await mind.environments.upsert({ name: 'web', kind: 'web', isPrimary: true });

  await genesis.close();
  genesis = await open();
  const again = await genesis.loadMind(mind.gmid);
  expect((await again.environments.list()).map((e) => [e.name, e.visitCount, e.isPrimary])).toEqual([
    ['terminal', 2, false],
    ['chat', 0, false],
    ['web', 0, true],
  ]);
  expect(await again.environments.remove('chat')).toMatchObject({ id: chat.id, description: 'the team chat' });
  await expect(again.environments.visit('chat')).rejects.toMatchObject({ code: 'ENVIRONMENT_NOT_FOUND' });
  expect((await (await genesis.loadMind(other.gmid)).environments.list()).map((e) => e.name)).toEqual(['chat']);
  // Deleting a Mind deletes its people and places.
  await genesis.deleteMind(mind.gmid);
  const status = await genesis.status();
  expect(status.rows).toMatchObject({ environments: 1, relationships: 0 });
});
