import { FakeClock, tempHome } from '@genesis/mind-core/testing';
import { inProcessCli } from '../../__tests__/support/cli';

/** The CLI in-process, on a temp home, with a fixed clock and captured output. */
const NOW = Date.UTC(2030, 0, 1, 12);
const clock = new FakeClock(NOW);

let home: string;
let cleanup: () => void;
beforeEach(() => {
  ({ path: home, cleanup } = tempHome('genesis-cli-program-'));
});
afterEach(() => cleanup());

const cli = inProcessCli(clock);
const run = (args: string[], stdin?: () => Promise<Buffer>) =>
  stdin ? cli.runWithStdin(home, stdin, ...args) : cli.run(home, ...args);
const json = (...args: string[]) => cli.json(home, ...args);

test("concern add without --follow-up takes the follow-up policy's first check, from the clock", async () => {
  const { gmid } = await json('mind', 'create', '--name', 'Timely');
  const concern = await json('concern', 'add', gmid, '--type', 'task', '--description', 'call back');
  // A normal task concern at noon: three hours later (the policy's default delay).
  expect(concern).toMatchObject({ nextCheckAt: '2030-01-01T15:00:00.000Z', createdAt: '2030-01-01T12:00:00.000Z' });
  const emotion = await json('concern', 'add', gmid, '--type', 'emotion', '--description', 'sad', '--urgency', 'high');
  expect(emotion).toMatchObject({ nextCheckAt: '2030-01-01T12:10:00.000Z' });
});

test('message add --content - reads the content from the io', async () => {
  const { gmid } = await json('mind', 'create', '--name', 'Listener');
  const res = await run(['--json', 'message', 'add', gmid, '--role', 'user', '--content', '-'], async () =>
    Buffer.from('line one\nline two\n'),
  );
  expect(res.code).toBe(0);
  expect(JSON.parse(res.stdout)).toMatchObject({
    content: 'line one\nline two\n',
    createdAt: '2030-01-01T12:00:00.000Z',
  });
});

test('errors: usage → 2 via commander; GenesisError → 1 with its code; anything else → 1 INTERNAL_ERROR', async () => {
  const usage = await run(['messages', 'GMD-2026-0000-0000', '--limit', '0']);
  expect(usage).toEqual({
    code: 2,
    stdout: '',
    stderr: "error: option '--limit <n>' argument '0' is invalid. must be an integer from 1 to 1000, got 0",
  });

  const missing = await run(['mind', 'show', 'GMD-2026-0000-0000']);
  expect(missing.code).toBe(1);
  expect(missing.stderr).toMatch(/^genesis: MIND_NOT_FOUND: /);

  const { gmid } = await json('mind', 'create', '--name', 'Deaf');
  const broken = await run(['message', 'add', gmid, '--role', 'user', '--content', '-'], async () => {
    throw new Error('stdin went away\nsecond line');
  });
  expect(broken).toEqual({ code: 1, stdout: '', stderr: 'genesis: INTERNAL_ERROR: stdin went away' });
});

test('--help prints on stdout and exits 0', async () => {
  const help = await run(['--help']);
  expect(help.code).toBe(0);
  expect(help.stdout).toContain('Usage: genesis [options] [command]');
});
