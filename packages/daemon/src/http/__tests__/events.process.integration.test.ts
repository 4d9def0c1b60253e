import { tempHome } from '@genesis/mind-core/testing';
import { requireProgramBuilt, runProgram, startProgram, type ProgramChild } from '../../__tests__/fixtures/children';
import { connectSse, type SseClient } from './support/sse-client';

/**
 * The live events of a Mind from `genesis daemon start --http` as a real child process (the built
 * CLI, real SQLite): a follow-up its scheduler fires reaches a connected client; a client that
 * reconnects with `Last-Event-ID` gets what it missed, then live events, each once.
 */
const ADMIN = 'admin-token-for-events-0123456789';
let home: ReturnType<typeof tempHome>;
let daemon: ProgramChild | undefined;

beforeAll(() => requireProgramBuilt());
beforeEach(() => {
  home = tempHome('genesis-events-process-');
});
afterEach(async () => {
  await daemon?.kill();
  home.cleanup();
});

const types = (c: SseClient) => c.events().map((e) => e.type);

test('a follow-up fired by the daemon reaches the stream; a reconnect with Last-Event-ID gets what it missed', async () => {
  const created = await runProgram(['--home', home.path, '--json', 'mind', 'create', '--name', 'Ada'], { ms: 60_000 });
  const gmid = (JSON.parse(created.stdout) as { gmid: string }).gmid;
  daemon = startProgram(['--home', home.path, 'daemon', 'start', '--http', '127.0.0.1:0', '--poll-ms', '100'], {
    env: { GENESIS_API_TOKEN: ADMIN },
  });
  const base = (await daemon.line((l) => typeof l.msg === 'string' && l.msg.startsWith('HTTP API on '), 60_000))
    .url as string;
  const auth = { authorization: `Bearer ${ADMIN}` };
  const post = (path: string, body: unknown) =>
    fetch(`${base}${path}`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(20_000),
    });

  const first = await connectSse(`${base}/v1/minds/${gmid}/events`, auth);
  expect(first.status).toBe(200);
  const concern = await post(`/v1/minds/${gmid}/concerns`, {
    type: 'health',
    description: 'knee surgery on Friday',
    urgency: 'critical',
    followUpAt: Date.now() - 1000,
  });
  expect(concern.status).toBe(201);
  const knee = (await concern.json()) as { id: string };
  await first.waitFor((c) => types(c).includes('follow-up.fired'), 'the follow-up fired by the daemon', 30_000);
  expect(first.events().find((e) => e.type === 'follow-up.fired')?.data).toMatchObject({ concernId: knee.id });
  const lastSeen = first.frames[first.frames.length - 1]!.id!;
  first.close();
  await first.closed;

  // Missed while away.
  expect((await post(`/v1/minds/${gmid}/messages`, { role: 'user', content: 'I am back' })).status).toBe(201);
  const resumed = await connectSse(`${base}/v1/minds/${gmid}/events`, { ...auth, 'last-event-id': lastSeen });
  await resumed.waitFor(
    (c) => c.events().some((e) => e.type === 'message.added' && JSON.stringify(e.data).includes('I am back')),
    'the missed message',
  );
  const missed = resumed.events();
  expect(missed.every((e) => Number(e.id) > Number(lastSeen))).toBe(true);
  expect(new Set(missed.map((e) => e.id)).size).toBe(missed.length);

  // Then live, once.
  const count = missed.length;
  expect((await post(`/v1/minds/${gmid}/messages`, { role: 'user', content: 'live again' })).status).toBe(201);
  await resumed.waitFor((c) => c.events().length > count, 'the live message');
  expect(resumed.events().slice(count)).toEqual([
    expect.objectContaining({
      type: 'message.added',
      data: { message: expect.objectContaining({ content: 'live again' }) },
    }),
  ]);
  resumed.close();
  await resumed.closed;
  daemon.signal('SIGTERM');
  expect((await daemon.exited).code).toBe(0);
}, 120_000);
