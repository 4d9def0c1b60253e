import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tempHome } from '@genesis/mind-core/testing';

/** Runs the built program, as a user would, optionally feeding it stdin. */
const main = resolve(__dirname, '../../dist/main.js');
function genesis(args: string[], input?: Buffer) {
  const env = { ...process.env };
  delete env.GENESIS_DATABASE_URL;
  delete env.GENESIS_HOME;
  const res = spawnSync(process.execPath, [main, '--home', home, ...args], {
    env,
    timeout: 60_000,
    maxBuffer: 16 * 1024 * 1024,
    ...(input !== undefined ? { input } : {}),
  });
  return { code: res.status, stdout: res.stdout.toString('utf8'), stderr: res.stderr.toString('utf8') };
}
function json(args: string[], input?: Buffer) {
  const res = genesis(['--json', ...args], input);
  if (res.code !== 0) throw new Error(`genesis ${args.join(' ')} failed (${res.code}): ${res.stderr}`);
  return JSON.parse(res.stdout);
}

/**
 * About 300 KB of text that a shell would mangle as an argument: a byte-order mark, CRLF and LF
 * line ends, tabs, quotes, 2-, 3- and 4-byte UTF-8 characters, and a trailing newline.
 */
function bigText(): string {
  const lines: string[] = ['\uFEFFfirst line'];
  for (let i = 0; Buffer.byteLength(lines.join('\n')) < 300 * 1024; i++) {
    lines.push(`${i}\tcafé "quoted" 'single' $HOME \\back 日本語 🙂${i % 7 === 0 ? '\r' : ''}`);
  }
  return `${lines.join('\n')}\n`;
}

let home: string;
let cleanup: () => void;
let gmid: string;
beforeEach(() => {
  ({ path: home, cleanup } = tempHome('genesis-cli-content-'));
  gmid = json(['mind', 'create', '--name', 'Reader']).gmid;
});
afterEach(() => cleanup());

/** The newest message of the Mind, as stored. */
const newest = (): string => json(['messages', gmid, '--limit', '1']).items[0].content;

test('a 300 KB message is added through stdin (--content -) and stored byte for byte', () => {
  const text = bigText();
  const bytes = Buffer.from(text, 'utf8');
  expect(bytes.length).toBeGreaterThan(300 * 1024);
  const added = json(['message', 'add', gmid, '--role', 'user', '--content', '-'], bytes);
  expect(added.content).toBe(text);
  expect(Buffer.from(newest(), 'utf8').equals(bytes)).toBe(true);
});

test('a 300 KB message is added from a file (--content-file) and stored byte for byte', () => {
  const text = bigText();
  const bytes = Buffer.from(text, 'utf8');
  const file = join(home, 'message.txt');
  writeFileSync(file, bytes);
  json(['message', 'add', gmid, '--role', 'assistant', '--content-file', file, '--user', 'ann@example.com']);
  expect(Buffer.from(newest(), 'utf8').equals(bytes)).toBe(true);
  expect(json(['stats', gmid]).messages).toBe(1);
});

test('a missing --content-file is one line naming the file, and writes nothing', () => {
  const missing = join(home, 'no-such-message.txt');
  const res = genesis(['message', 'add', gmid, '--role', 'user', '--content-file', missing]);
  expect(res.code).toBe(1);
  expect(res.stderr.trim().split('\n')).toHaveLength(1);
  expect(res.stderr).toContain(
    `genesis: INVALID_INPUT: --content-file must name a readable file, got "${missing}" (no such file)`,
  );
  expect(res.stdout).toBe('');
  expect(json(['stats', gmid]).messages).toBe(0);
});

test('exactly one of --content and --content-file is required (usage error, exit 2)', () => {
  const neither = genesis(['message', 'add', gmid, '--role', 'user']);
  expect(neither.code).toBe(2);
  expect(neither.stderr.trim()).toBe(
    "error: one of the options '--content <text>' and '--content-file <file>' is required",
  );
  const both = genesis([
    'message',
    'add',
    gmid,
    '--role',
    'user',
    '--content',
    'x',
    '--content-file',
    join(home, 'x.txt'),
  ]);
  expect(both.code).toBe(2);
  expect(both.stderr).toMatch(/option '--content <text>' cannot be used with option '--content-file <file>'/);
  expect(json(['stats', gmid]).messages).toBe(0);
});

test('content that is not UTF-8 is refused, naming where it came from', () => {
  const res = genesis(
    ['message', 'add', gmid, '--role', 'user', '--content', '-'],
    Buffer.from([0x68, 0x69, 0xff, 0xfe]),
  );
  expect(res.code).toBe(1);
  expect(res.stderr.trim()).toBe('genesis: INVALID_INPUT: --content must be UTF-8 text, got other bytes from stdin');
  expect(json(['stats', gmid]).messages).toBe(0);
});
