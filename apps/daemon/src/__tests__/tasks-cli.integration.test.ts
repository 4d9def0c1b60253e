import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tempHome } from '@genesis/mind-core/testing';

/** Runs the built program, as a user would (the machine's GENESIS_* variables kept out). */
const main = resolve(__dirname, '../../dist/main.js');
function genesis(...args: string[]) {
  const env = {
    ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('GENESIS_'))),
    GENESIS_EMBEDDINGS: 'hash',
  };
  const res = spawnSync(process.execPath, [main, '--home', home, ...args], { encoding: 'utf8', env, timeout: 60_000 });
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}
const json = (...args: string[]) => {
  const res = genesis('--json', ...args);
  if (res.code !== 0) throw new Error(`genesis ${args.join(' ')} failed: ${res.stderr}`);
  return JSON.parse(res.stdout);
};

let home: string;
let cleanup: () => void;
let gmid: string;
beforeEach(() => {
  ({ path: home, cleanup } = tempHome('genesis-cli-tasks-'));
  gmid = json('mind', 'create', '--name', 'Tasked').gmid;
});
afterEach(() => cleanup());

test('task enqueue, tasks, task show, cancel and retry', () => {
  const first = json(
    'task',
    'enqueue',
    gmid,
    '--type',
    'memory.reindex',
    '--payload',
    '{"why":"test"}',
    '--idempotency-key',
    'k1',
  );
  expect(first).toMatchObject({
    created: true,
    task: { type: 'memory.reindex', status: 'pending', payload: { why: 'test' } },
  });
  const again = json('task', 'enqueue', gmid, '--type', 'memory.reindex', '--idempotency-key', 'k1');
  expect(again).toMatchObject({ created: false, task: { id: first.task.id } });
  const later = json(
    'task',
    'enqueue',
    gmid,
    '--type',
    'memory.reindex',
    '--run-at',
    '2030-01-01T00:00:00Z',
    '--priority',
    '-3',
  );
  expect(later.task).toMatchObject({ runAt: '2030-01-01T00:00:00.000Z', priority: -3 });

  const listed = json('tasks', gmid, '--status', 'pending');
  expect(listed.items.map((t: { id: string }) => t.id)).toEqual([first.task.id, later.task.id]);
  expect(json('task', 'show', first.task.id)).toMatchObject({ id: first.task.id, mindId: gmid });

  expect(json('task', 'cancel', first.task.id)).toMatchObject({ status: 'cancelled' });
  const notRetryable = genesis('task', 'retry', first.task.id);
  expect(notRetryable.code).toBe(1);
  expect(notRetryable.stderr).toMatch(
    /^genesis: INVALID_TRANSITION: Task .* is cancelled: only dead or failed tasks can be retried/,
  );
  const unknown = genesis('task', 'cancel', 'no-such-task');
  expect(unknown.stderr).toMatch(/^genesis: TASK_NOT_FOUND: No task "no-such-task"/);
});

test('an unknown task type is accepted with a warning naming it', () => {
  const res = genesis('task', 'enqueue', gmid, '--type', 'my.custom');
  expect(res.code).toBe(0);
  expect(res.stderr).toMatch(/no handler for task type \\"my\.custom\\"/);
});

test('bad task input is refused before anything is written, naming the option', () => {
  for (const [args, message] of [
    [['--type', 'x', '--payload', '{not json'], /--payload <json>.*must be JSON/],
    [['--type', 'x', '--run-at', 'next week'], /--run-at <iso>.*must be a date that exists/],
    [['--type', 'x', '--max-attempts', '0'], /--max-attempts <n>.*must be an integer from 1/],
    [['--type', 'x', '--timeout-ms', '-5'], /--timeout-ms <ms>.*must be an integer from 1/],
  ] as const) {
    const res = genesis('task', 'enqueue', gmid, ...args);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(message);
  }
  expect(json('tasks', gmid).items).toEqual([]);
  const missing = genesis('task', 'enqueue', 'GMD-2026-0000-0000', '--type', 'x');
  expect(missing.code).toBe(1);
  expect(missing.stderr).toMatch(/^genesis: MIND_NOT_FOUND/);
});

test('schedule add, schedules and remove; a bad cron or time zone is refused naming it', () => {
  const added = json(
    'schedule',
    'add',
    gmid,
    '--name',
    'morning',
    '--cron',
    '0 9 * * *',
    '--type',
    'memory.reindex',
    '--timezone',
    'Europe/Oslo',
  );
  expect(added).toMatchObject({ name: 'morning', cron: '0 9 * * *', timezone: 'Europe/Oslo', type: 'memory.reindex' });
  expect(new Date(added.nextRunAt).getTime()).toBeGreaterThan(Date.now());
  expect(json('schedules', gmid).items.map((s: { name: string }) => s.name)).toEqual(['morning']);
  const badCron = genesis('schedule', 'add', gmid, '--name', 'x', '--cron', '61 * * * *', '--type', 't');
  expect(badCron.code).toBe(1);
  expect(badCron.stderr).toMatch(/^genesis: INVALID_INPUT: cron must be a cron expression/);
  const badZone = genesis(
    'schedule',
    'add',
    gmid,
    '--name',
    'x',
    '--cron',
    '* * * * *',
    '--type',
    't',
    '--timezone',
    'Mars/Base',
  );
  expect(badZone.stderr).toMatch(/^genesis: INVALID_INPUT: timezone must be an IANA time zone/);
  expect(json('schedule', 'remove', gmid, 'morning')).toEqual({ removed: true });
  expect(json('schedules', gmid).items).toEqual([]);
});

test('daemon status with no daemon, and config show with secrets masked', () => {
  const status = json('daemon', 'status');
  expect(status.leases).toEqual([]);
  expect(status.tasks).toMatchObject({ pending: 0, running: 0, succeeded: 0 });
  writeFileSync(
    join(home, 'genesis.config.json'),
    JSON.stringify({ chroma: { url: 'http://127.0.0.1:1', token: 's3cret' } }),
  );
  const config = json('config', 'show');
  expect(config).toMatchObject({
    home,
    chroma: { url: 'http://127.0.0.1:1', token: '***' },
    embeddings: { provider: 'hash' },
  });
  writeFileSync(join(home, 'genesis.config.json'), JSON.stringify({ chroma: { urll: 'x' } }));
  const unknownKey = genesis('config', 'show');
  expect(unknownKey.code).toBe(1);
  expect(unknownKey.stderr).toMatch(
    /^genesis: INVALID_CONFIG: Configuration field "chroma" .* Unrecognized key: "urll"/,
  );
});
