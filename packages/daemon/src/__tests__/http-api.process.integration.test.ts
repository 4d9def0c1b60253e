import { readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { tempHome } from '@genesis/mind-core/testing';
import { requireProgramBuilt, runProgram, startProgram, type ProgramChild } from './fixtures/children';

/**
 * `genesis daemon start --http` as a real process on a free port of 127.0.0.1 (real SQLite, the
 * built CLI), with tokens made by `genesis token create|list|revoke` in other processes.
 */

let home: ReturnType<typeof tempHome>;
const programs: ProgramChild[] = [];

beforeAll(() => requireProgramBuilt());
beforeEach(() => {
  home = tempHome('genesis-http-process-');
});
afterEach(async () => {
  for (const p of programs.splice(0)) await p.kill();
  home.cleanup();
});

async function cli(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return runProgram(['--home', home.path, ...args], { ms: 60_000 });
}

async function http(base: string, method: string, path: string, token: string | null, body?: unknown) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    signal: AbortSignal.timeout(20_000),
  });
  return { status: res.status, body: (await res.json()) as any };
}

test('daemon start --http: admin token generated into secrets (never logged), Mind tokens from the CLI, SIGTERM stops it', async () => {
  const ada = JSON.parse((await cli('--json', 'mind', 'create', '--name', 'Ada')).stdout).gmid as string;
  const bob = JSON.parse((await cli('--json', 'mind', 'create', '--name', 'Bob')).stdout).gmid as string;
  const created = await cli('--json', 'token', 'create', ada, '--name', 'chat');
  expect(created.code).toBe(0);
  const token = JSON.parse(created.stdout) as { id: string; token: string; mindId: string; name: string };
  expect(token).toMatchObject({ mindId: ada, name: 'chat', token: expect.stringMatching(/^gns_/) });
  expect((await cli('token', 'create', 'GMD-2026-0000-0000')).stderr).toMatch(/MIND_NOT_FOUND/);

  const daemon = startProgram(['--home', home.path, 'daemon', 'start', '--http', '127.0.0.1:0', '--poll-ms', '100']);
  programs.push(daemon);
  const listening = await daemon.line((l) => typeof l.msg === 'string' && l.msg.startsWith('HTTP API on '));
  const base = listening.url as string;
  expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  const file = join(home.path, 'secrets', 'api-token');
  expect(listening.msg).toContain(file);
  expect(statSync(file).mode & 0o777).toBe(0o600);
  const admin = readFileSync(file, 'utf8').trim();

  expect((await http(base, 'GET', '/healthz', null)).status).toBe(200);
  expect((await http(base, 'GET', '/v1/minds', null)).status).toBe(401);
  expect((await http(base, 'GET', '/v1/minds', admin)).body.items.map((m: { gmid: string }) => m.gmid)).toEqual([
    ada,
    bob,
  ]);
  const posted = await http(base, 'POST', `/v1/minds/${ada}/messages`, token.token, { role: 'user', content: 'hello' });
  expect(posted).toMatchObject({ status: 201, body: { mindId: ada, content: 'hello' } });
  expect((await http(base, 'GET', `/v1/minds/${ada}/messages`, token.token)).body.items).toHaveLength(1);
  expect(await http(base, 'GET', `/v1/minds/${bob}/messages`, token.token)).toEqual({
    status: 404,
    body: { error: { code: 'MIND_NOT_FOUND', message: `No Mind ${bob}`, field: 'gmid' } },
  });
  expect(
    (await http(base, 'POST', `/v1/minds/${ada}/messages`, token.token, { role: 'user', content: 'x', y: 1 })).status,
  ).toBe(400);
  // The message the refused request carried is not there; the CLI sees the HTTP one.
  expect((await cli('--json', 'messages', ada)).stdout).toContain('hello');

  const list = await cli('--json', 'token', 'list');
  expect(JSON.parse(list.stdout).items).toEqual([expect.objectContaining({ id: token.id, revokedAt: null })]);
  expect(list.stdout).not.toContain(token.token);
  expect((await cli('token', 'revoke', token.id)).code).toBe(0);
  expect((await http(base, 'GET', `/v1/minds/${ada}/messages`, token.token)).status).toBe(401);
  expect((await cli('token', 'revoke', 'no-such-token')).stderr).toMatch(/API_TOKEN_NOT_FOUND/);

  daemon.signal('SIGTERM');
  expect((await daemon.exited).code).toBe(0);
  expect(daemon.stdout()).not.toContain(admin);
  expect(daemon.stdout()).not.toContain(token.token);
}, 120_000);

test('a non-loopback --http needs GENESIS_API_TOKEN; a bad address is refused', async () => {
  const open = await runProgram(['--home', home.path, 'daemon', 'start', '--http', '0.0.0.0:0'], { ms: 60_000 });
  expect(open.code).toBe(1);
  expect(open.stderr).toMatch(/INVALID_CONFIG: Refusing to serve the HTTP API on 0\.0\.0\.0/);
  const bad = await runProgram(['--home', home.path, 'daemon', 'start', '--http', 'nowhere:99999'], { ms: 60_000 });
  expect(bad.code).toBe(1);
  expect(bad.stderr).toMatch(/--http must be \[HOST:\]PORT/);
}, 120_000);

test('the quick-start daemon serves HTTP on 127.0.0.1:7777 by default: a busy default port only warns, a busy --http port fails', async () => {
  // Hold the default port (if something else holds it already, it is busy all the same).
  const blocker = createServer();
  await new Promise<void>((resolve) => {
    blocker.once('error', () => resolve());
    blocker.listen(7777, '127.0.0.1', () => resolve());
  });
  try {
    const quick = startProgram(['--home', home.path, 'daemon', 'start', '--poll-ms', '100']);
    programs.push(quick);
    const warned = await quick.line((l) => typeof l.msg === 'string' && l.msg.startsWith('HTTP API not started'));
    expect(warned).toMatchObject({ level: 40, port: 7777 });
    quick.signal('SIGTERM');
    expect((await quick.exited).code).toBe(0);

    const asked = await runProgram(['--home', home.path, 'daemon', 'start', '--http', '7777'], { ms: 60_000 });
    expect(asked.code).toBe(1);
    expect(asked.stderr).toMatch(/EADDRINUSE/);
  } finally {
    await new Promise<void>((resolve) => blocker.close(() => resolve()));
  }
}, 120_000);
