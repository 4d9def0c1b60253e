import { FakeClock, tempHome } from '@genesis/mind-core/testing';
import { inProcessCli } from './support/cli';

/** `genesis relationships|relationship …` and `genesis environments|environment …`, in-process on a temp home. */
const clock = new FakeClock(Date.UTC(2030, 0, 1, 12));
let home: string;
let cleanup: () => void;
beforeEach(() => {
  ({ path: home, cleanup } = tempHome('genesis-cli-people-'));
});
afterEach(() => cleanup());

const cli = inProcessCli(clock);
const genesis = (...args: string[]) => cli.run(home, ...args);
const ok = (...args: string[]) => cli.ok(home, ...args);
const json = (...args: string[]) => cli.json(home, ...args);
const iso = (ms: number) => new Date(ms).toISOString();

test('relationships: messages from a user count, set changes the fields given, remove forgets', async () => {
  const { gmid } = await json('mind', 'create', '--name', 'Ada');
  expect(await ok('relationships', gmid)).toBe('No relationships.');
  const first = clock.now();
  await ok('message', 'add', gmid, '--role', 'user', '--content', 'hi', '--user', 'Ann@X.io');
  clock.advance(60_000);
  await ok('message', 'add', gmid, '--role', 'assistant', '--content', 'hello', '--user', 'ann@x.io');
  await ok('message', 'add', gmid, '--role', 'user', '--content', 'me too', '--user', 'bob@x.io');
  clock.advance(60_000);
  await ok('message', 'add', gmid, '--role', 'user', '--content', 'again', '--user', 'ann@x.io');

  const set = await json(
    'relationship',
    'set',
    gmid,
    'ann@x.io',
    '--name',
    'Ann',
    '--type',
    'friend',
    '--trust',
    '0.8',
    '--notes',
    'likes tea',
  );
  expect(set).toMatchObject({
    userEmail: 'ann@x.io',
    displayName: 'Ann',
    relationshipType: 'friend',
    trustLevel: 0.8,
    notes: 'likes tea',
    interactionCount: 2,
    firstInteractionAt: iso(first),
    lastInteractionAt: iso(clock.now()),
  });
  // Only the fields given change.
  expect(await json('relationship', 'set', gmid, 'ann@x.io', '--trust', '0.3')).toMatchObject({
    displayName: 'Ann',
    relationshipType: 'friend',
    trustLevel: 0.3,
    notes: 'likes tea',
  });
  const list = await json('relationships', gmid, '--limit', '1');
  expect(list.items.map((r: { userEmail: string }) => r.userEmail)).toEqual(['ann@x.io']);
  const rest = await json('relationships', gmid, '--cursor', list.nextCursor);
  expect(rest).toMatchObject({ items: [{ userEmail: 'bob@x.io', interactionCount: 1 }], nextCursor: null });
  const text = await ok('relationships', gmid);
  expect(text).toContain('ann@x.io (Ann)');
  expect(text).toContain('friend');
  expect(text.split('\n')).toHaveLength(3);

  expect(await ok('relationship', 'remove', gmid, 'ANN@x.io')).toBe(
    `Removed the relationship of ${gmid} with ann@x.io`,
  );
  expect((await json('relationships', gmid)).items.map((r: { userEmail: string }) => r.userEmail)).toEqual([
    'bob@x.io',
  ]);
  expect(await genesis('relationship', 'remove', gmid, 'ann@x.io')).toMatchObject({
    code: 1,
    stderr: expect.stringMatching(/^genesis: RELATIONSHIP_NOT_FOUND: .*ann@x\.io/),
  });
});

test('relationship set refuses bad input, naming the option, and writes nothing', async () => {
  const { gmid } = await json('mind', 'create', '--name', 'Ada');
  expect(await genesis('relationship', 'set', gmid, 'bob@x.io', '--trust', '2')).toMatchObject({
    code: 2,
    stderr: expect.stringContaining("option '--trust <x>' argument '2' is invalid"),
  });
  expect(await genesis('relationship', 'set', gmid, 'bob@x.io', '--type', 'enemy')).toMatchObject({
    code: 1,
    stderr: expect.stringContaining('genesis: INVALID_INPUT: --type must be one of creator, owner'),
  });
  expect(await genesis('relationship', 'set', gmid, 'not-an-email')).toMatchObject({
    code: 1,
    stderr: expect.stringContaining('genesis: INVALID_INPUT: email must be an email address'),
  });
  expect(await genesis('relationship', 'set', 'nope', 'bob@x.io')).toMatchObject({ code: 2 });
  expect((await json('relationships', gmid)).items).toEqual([]);
});

test('environments: set, visit, messages mark them active, one primary, remove by id or name', async () => {
  const { gmid } = await json('mind', 'create', '--name', 'Ada');
  expect(await ok('environments', gmid)).toBe('No environments.');
  const terminal = await json('environment', 'set', gmid, 'terminal', '--kind', 'cli', '--primary');
  expect(terminal).toMatchObject({ name: 'terminal', kind: 'cli', isPrimary: true, visitCount: 0, lastActiveAt: null });
  const chat = await json('environment', 'set', gmid, 'chat', '--kind', 'chat', '--description', 'the team chat');
  expect(chat).toMatchObject({ isPrimary: false, description: 'the team chat' });

  clock.advance(1000);
  expect(await ok('environment', 'visit', gmid, 'terminal')).toMatch(/^Visited terminal \(cli, primary\), 1 visit, /);
  clock.advance(1000);
  await ok('message', 'add', gmid, '--role', 'user', '--content', 'hi', '--environment', chat.id);
  let list = await json('environments', gmid);
  expect(list.items.map((e: { name: string; visitCount: number }) => [e.name, e.visitCount])).toEqual([
    ['chat', 0],
    ['terminal', 1],
  ]);
  expect(list.items[0].lastActiveAt).toBe(iso(clock.now()));

  // Setting again keeps the description and the primary flag unless given; --primary moves it.
  await ok('environment', 'set', gmid, 'chat', '--kind', 'chat', '--primary');
  list = await json('environments', gmid);
  expect(list.items.map((e: { name: string; isPrimary: boolean }) => [e.name, e.isPrimary])).toEqual([
    ['chat', true],
    ['terminal', false],
  ]);
  expect(list.items[0]).toMatchObject({ id: chat.id, description: 'the team chat' });
  await ok('environment', 'set', gmid, 'chat', '--kind', 'chat', '--no-primary');
  expect((await json('environments', gmid)).items[0]).toMatchObject({ name: 'chat', isPrimary: false });
  const text = await ok('environments', gmid);
  expect(text).toContain(`chat  ${chat.id}  the team chat`);

  expect(await ok('environment', 'remove', gmid, chat.id)).toMatch(/^Removed chat \(chat\)/);
  expect(await ok('environment', 'remove', gmid, 'terminal')).toMatch(/^Removed terminal/);
  expect((await json('environments', gmid)).items).toEqual([]);
  expect(await genesis('environment', 'remove', gmid, 'terminal')).toMatchObject({
    code: 1,
    stderr: expect.stringMatching(/^genesis: ENVIRONMENT_NOT_FOUND: .*"terminal"/),
  });
  expect(await genesis('environment', 'visit', gmid, 'terminal')).toMatchObject({ code: 1 });
  expect(await genesis('environment', 'set', gmid, 'x', '--kind', 'hologram')).toMatchObject({
    code: 1,
    stderr: expect.stringContaining('genesis: INVALID_INPUT: --kind must be one of cli, chat'),
  });
  expect(await genesis('environment', 'set', gmid, 'x')).toMatchObject({ code: 2 });
  expect((await json('environments', gmid)).items).toEqual([]);
});
