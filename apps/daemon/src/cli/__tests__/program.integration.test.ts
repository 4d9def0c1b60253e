import type { Io } from '../io';
import { runCli } from '../program';
import { FakeClock, tempHome } from '@genesis/mind-core/testing';

/** The CLI in-process, on a temp home, with a fixed clock and captured output. */
const NOW = Date.UTC(2030, 0, 1, 12);
const clock = new FakeClock(NOW);

let home: string;
let cleanup: () => void;
beforeEach(() => {
  ({ path: home, cleanup } = tempHome('genesis-cli-program-'));
});
afterEach(() => cleanup());

async function run(args: string[], stdin: () => Promise<Buffer> = async () => Buffer.alloc(0)) {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { out: (t) => out.push(t), err: (t) => err.push(t), readStdin: stdin, progress: process.stderr };
  const code = await runCli(['--home', home, ...args], { io, clock });
  return { code, out: out.join('\n'), err: err.join('\n') };
}
async function json(...args: string[]) {
  const res = await run(['--json', ...args]);
  if (res.code !== 0) throw new Error(`genesis ${args.join(' ')} failed (${res.code}): ${res.err}`);
  return JSON.parse(res.out);
}

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
  expect(JSON.parse(res.out)).toMatchObject({ content: 'line one\nline two\n', createdAt: '2030-01-01T12:00:00.000Z' });
});

test('errors: usage → 2 via commander; GenesisError → 1 with its code; anything else → 1 INTERNAL_ERROR', async () => {
  const usage = await run(['messages', 'GMD-2026-0000-0000', '--limit', '0']);
  expect(usage).toEqual({
    code: 2,
    out: '',
    err: "error: option '--limit <n>' argument '0' is invalid. must be an integer from 1 to 1000, got 0",
  });

  const missing = await run(['mind', 'show', 'GMD-2026-0000-0000']);
  expect(missing.code).toBe(1);
  expect(missing.err).toMatch(/^genesis: MIND_NOT_FOUND: /);

  const { gmid } = await json('mind', 'create', '--name', 'Deaf');
  const broken = await run(['message', 'add', gmid, '--role', 'user', '--content', '-'], async () => {
    throw new Error('stdin went away\nsecond line');
  });
  expect(broken).toEqual({ code: 1, out: '', err: 'genesis: INTERNAL_ERROR: stdin went away' });
});

test('--help prints on stdout and exits 0', async () => {
  const help = await run(['--help']);
  expect(help.code).toBe(0);
  expect(help.out).toContain('Usage: genesis [options] [command]');
});
