import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { silentLogger } from '@genesis/mind-core';
import { tempHome } from '@genesis/mind-core/testing';
import { openGenesis, type Genesis } from '../composition/open-genesis';
import { createHttpServer } from '../http/server';
import { adminTokenFile, resolveAdminToken } from '../http/auth';
import type { HttpApp, HttpContext } from '../http/context';
import { DAEMON_DIST, requireProgramBuilt, startProgram, type ProgramChild } from './fixtures/children';

/**
 * The HTTP API over real HTTP on 127.0.0.1: `genesis daemon start --http 127.0.0.1:0` as a child
 * process (the built CLI) on a real SQLite home and a real Chroma server — every resource route's
 * success path and its refusals, and that a refused request writes nothing (row counts read by this
 * process). The daemon drives only a Mind of its own (`--mind`), so the tasks and concerns the tests
 * make through the API stay as the tests left them. Servers built inside a test (rate limit, a
 * failing route, a non-loopback address) run in this process.
 */

const ADMIN = 'admin-token-for-tests-0123456789';
const home = tempHome();
let genesis: Genesis;
let daemon: ProgramChild | undefined;
let base: string;

interface Answer {
  status: number;
  body: any;
  headers: Headers;
}

async function call(
  method: string,
  path: string,
  options: { body?: unknown; raw?: string; token?: string | null; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const token = options.token === undefined ? ADMIN : options.token;
  const hasBody = options.body !== undefined || options.raw !== undefined;
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(token !== null ? { authorization: `Bearer ${token}` } : {}),
      ...(hasBody ? { 'content-type': 'application/json' } : {}),
      ...options.headers,
    },
    ...(hasBody ? { body: options.raw ?? JSON.stringify(options.body) } : {}),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    // not JSON (the status page): kept as text
  }
  return { status: res.status, body, headers: res.headers };
}

/** Row counts of every SQL table, the memories of the Minds and the tokens: compared before and after a refusal. */
async function snapshot(...gmids: string[]): Promise<Record<string, number>> {
  const { rows } = await genesis.status();
  const memories: Record<string, number> = {};
  for (const gmid of gmids) memories[`memories:${gmid}`] = await (await genesis.loadMind(gmid)).memory.countMemories();
  return { ...rows, ...memories, tokens: (await genesis.apiTokens.list()).length };
}

function expectError(answer: Answer, status: number, code: string, field?: string): void {
  expect({ status: answer.status, code: answer.body?.error?.code }).toEqual({ status, code });
  expect(Object.keys(answer.body)).toEqual(['error']);
  expect(typeof answer.body.error.message).toBe('string');
  if (field !== undefined) expect(answer.body.error.field).toBe(field);
}

let ada: string;
let bob: string;
let adaToken: string;
let adaTokenId: string;
let idleMind: string;

beforeAll(async () => {
  requireProgramBuilt();
  genesis = await openGenesis({ home: home.path, env: { GENESIS_EMBEDDINGS: 'hash' } });
  // The daemon's own Mind: it holds only that one, so nothing runs the tests' tasks.
  idleMind = (await genesis.createMind({ name: 'Runtime only' })).gmid;
  await genesis.close();
  daemon = startProgram(['--home', home.path, 'daemon', 'start', '--mind', idleMind, '--http', '127.0.0.1:0'], {
    env: { GENESIS_API_TOKEN: ADMIN },
  });
  const listening = await daemon.line((l) => typeof l.msg === 'string' && l.msg.startsWith('HTTP API on '), 60_000);
  base = listening.url as string;
  genesis = await openGenesis({ home: home.path, env: { GENESIS_EMBEDDINGS: 'hash' } });
  ada = (await call('POST', '/v1/minds', { body: { name: 'Ada', creatorEmail: 'ann@example.com' } })).body.gmid;
  bob = (await call('POST', '/v1/minds', { body: { name: 'Bob' } })).body.gmid;
  const created = await genesis.apiTokens.create({ mindId: ada, name: 'chat front end' });
  adaToken = created.token;
  adaTokenId = created.info.id;
}, 120_000);

afterAll(async () => {
  daemon?.signal('SIGTERM');
  await daemon?.exited;
  await genesis?.close();
  home.cleanup();
});

describe('authentication', () => {
  test('every route but /healthz needs a valid bearer token: missing, malformed, unknown and revoked are 401', async () => {
    expect((await call('GET', '/healthz', { token: null })).status).toBe(200);
    for (const path of ['/v1/minds', `/v1/minds/${ada}/messages`, '/openapi.json', '/nope']) {
      expectError(await call('GET', path, { token: null }), 401, 'UNAUTHORIZED', 'authorization');
    }
    expectError(
      await call('GET', '/v1/minds', { token: null, headers: { authorization: `Basic ${ADMIN}` } }),
      401,
      'UNAUTHORIZED',
    );
    expectError(await call('GET', '/v1/minds', { token: 'gns_unknown-token-xxxxxxxxxxxxxxxx' }), 401, 'UNAUTHORIZED');
    const spare = await genesis.apiTokens.create({ mindId: ada, name: 'spare' });
    expect((await call('GET', `/v1/minds/${ada}`, { token: spare.token })).status).toBe(200);
    await genesis.apiTokens.revoke(spare.info.id);
    expectError(await call('GET', `/v1/minds/${ada}`, { token: spare.token }), 401, 'UNAUTHORIZED');
    // A token's use is recorded (never the token).
    expect((await genesis.apiTokens.list({ mindId: ada })).find((t) => t.id === spare.info.id)?.lastUsedAt).toEqual(
      expect.any(Number),
    );
  });

  test("a Mind's token reaches only that Mind: every other Mind answers 404 like one that does not exist", async () => {
    const before = await snapshot(ada, bob);
    const missing = 'GMD-2026-0000-0000';
    const paths: Array<[string, string, unknown?]> = [
      ['GET', `/v1/minds/${bob}`],
      ['GET', `/v1/minds/${bob}/stats`],
      ['GET', `/v1/minds/${bob}/messages`],
      ['POST', `/v1/minds/${bob}/messages`, { role: 'user', content: 'sneaky' }],
      ['GET', `/v1/minds/${bob}/context`],
      ['POST', `/v1/minds/${bob}/memories`, { content: 'sneaky', memoryType: 'semantic' }],
      ['POST', `/v1/minds/${bob}/memories/search`, { query: 'x' }],
      ['POST', `/v1/minds/${bob}/concerns`, { type: 'health', description: 'sneaky' }],
      ['GET', `/v1/minds/${bob}/concerns`],
      ['POST', `/v1/minds/${bob}/tasks`, { type: 'echo' }],
      ['GET', `/v1/minds/${bob}/tasks`],
      ['GET', `/v1/minds/${bob}/schedules`],
    ];
    for (const [method, path, body] of paths) {
      const answer = await call(method, path, { token: adaToken, ...(body !== undefined ? { body } : {}) });
      expectError(answer, 404, 'MIND_NOT_FOUND', 'gmid');
      const real = await call(method, path.replace(bob, missing), { ...(body !== undefined ? { body } : {}) });
      expect(real.status).toBe(404);
      expect(answer.body.error.message).toBe(real.body.error.message.replace(missing, bob));
    }
    // Its own Mind: fine. The list shows only it; creating and deleting Minds needs the admin token.
    expect((await call('GET', `/v1/minds/${ada}`, { token: adaToken })).body.gmid).toBe(ada);
    expect((await call('GET', '/v1/minds', { token: adaToken })).body.items.map((m: any) => m.gmid)).toEqual([ada]);
    expectError(await call('POST', '/v1/minds', { token: adaToken, body: { name: 'X' } }), 403, 'FORBIDDEN');
    expectError(await call('DELETE', `/v1/minds/${ada}`, { token: adaToken }), 403, 'FORBIDDEN');
    expect(await snapshot(ada, bob)).toEqual(before);
  });

  test('the admin token is GENESIS_API_TOKEN, or generated once into <home>/secrets/api-token (0600)', () => {
    const other = tempHome();
    try {
      const first = resolveAdminToken(other.path, {});
      expect(first).toMatchObject({ explicit: false, generated: true, file: adminTokenFile(other.path) });
      expect(statSync(adminTokenFile(other.path)).mode & 0o777).toBe(0o600);
      expect(resolveAdminToken(other.path, {})).toMatchObject({ token: first.token, generated: false });
      expect(resolveAdminToken(other.path, { GENESIS_API_TOKEN: ADMIN })).toEqual({
        token: ADMIN,
        explicit: true,
        file: null,
        generated: false,
      });
      expect(() => resolveAdminToken(other.path, { GENESIS_API_TOKEN: 'short' })).toThrow(/GENESIS_API_TOKEN/);
    } finally {
      other.cleanup();
    }
  });

  test('a non-loopback address is refused unless the admin token was configured explicitly', async () => {
    const context = stubContext();
    await expect(createHttpServer(context, { host: '0.0.0.0', port: 0, adminToken: ADMIN })).rejects.toMatchObject({
      code: 'INVALID_CONFIG',
      field: '--http',
    });
  });
});

describe('minds', () => {
  test('create, list (keyset pages), get, stats, delete', async () => {
    const created = await call('POST', '/v1/minds', { body: { name: 'Cleo', primaryPurpose: 'test' } });
    expect(created.status).toBe(201);
    const cleo = created.body.gmid as string;
    expect(created.body).toMatchObject({ name: 'Cleo', identity: { gmid: cleo, primaryPurpose: 'test' } });
    expect(created.body.identity.birthTimestamp).toMatch(/^\d{4}-\d\d-\d\dT/);

    // The daemon's own Mind first (made before the server started), then Ada, Bob and Cleo.
    const first = await call('GET', '/v1/minds?limit=2');
    expect(first.body.items.map((m: any) => m.gmid)).toEqual([idleMind, ada]);
    expect(first.body.items[0].createdAt).toMatch(/Z$/);
    const second = await call('GET', `/v1/minds?limit=2&cursor=${first.body.nextCursor}`);
    expect(second.body).toEqual({
      items: [expect.objectContaining({ gmid: bob }), expect.objectContaining({ gmid: cleo, name: 'Cleo' })],
      nextCursor: null,
    });

    expect((await call('GET', `/v1/minds/${cleo}`)).body).toMatchObject({ gmid: cleo, revision: expect.any(Number) });
    expect((await call('GET', `/v1/minds/${cleo}/stats`)).body).toMatchObject({ gmid: cleo, messages: 0, concerns: 0 });
    expect((await call('GET', `/v1/minds/${cleo}/stats`)).body.jsonFile).toBeUndefined();

    const cleoToken = await genesis.apiTokens.create({ mindId: cleo });
    const deleted = await call('DELETE', `/v1/minds/${cleo}`);
    // Its tokens go with it (an imported Mind of the same GMID later is not reached by them).
    expect(await genesis.apiTokens.list({ mindId: cleo })).toEqual([]);
    expectError(await call('GET', `/v1/minds/${cleo}`, { token: cleoToken.token }), 401, 'UNAUTHORIZED');
    expect(deleted.body).toMatchObject({ gmid: cleo, fileRemoved: true });
    expectError(await call('GET', `/v1/minds/${cleo}`), 404, 'MIND_NOT_FOUND');
    expectError(await call('DELETE', `/v1/minds/${cleo}`), 404, 'MIND_NOT_FOUND');
  });

  test('bad input: unknown field, bad GMID, bad cursor, bad limit, not JSON — nothing written', async () => {
    const before = await snapshot(ada, bob);
    const unknown = await call('POST', '/v1/minds', { body: { name: 'X', colour: 'red', size: 2 } });
    expectError(unknown, 400, 'INVALID_INPUT', 'colour');
    expect(unknown.body.error.message).toMatch(/"colour", "size"/);
    expectError(await call('POST', '/v1/minds', { body: { name: '' } }), 400, 'INVALID_INPUT', 'name');
    expectError(await call('GET', '/v1/minds/not-a-gmid'), 400, 'INVALID_GMID', 'gmid');
    expectError(await call('GET', '/v1/minds/..%2F..%2Fetc/stats'), 400, 'INVALID_GMID', 'gmid');
    expectError(await call('GET', '/v1/minds?cursor=garbage'), 400, 'INVALID_CURSOR', 'cursor');
    expectError(await call('GET', '/v1/minds?limit=0'), 400, 'INVALID_INPUT', 'query.limit');
    expectError(await call('GET', '/v1/minds?colour=red'), 400, 'INVALID_INPUT', 'query.colour');
    expectError(await call('POST', '/v1/minds', { raw: '{"name": "X"' }), 400, 'INVALID_INPUT', 'body');
    expectError(await call('GET', '/v1/nothing-here'), 404, 'ROUTE_NOT_FOUND');
    expect(await snapshot(ada, bob)).toEqual(before);
  });
});

describe('conversation', () => {
  test('one message, a batch, pages with filters, context', async () => {
    const one = await call('POST', `/v1/minds/${ada}/messages`, {
      token: adaToken,
      body: { role: 'user', content: 'My knee surgery is on Friday', userEmail: 'ann@example.com' },
    });
    expect(one.status).toBe(201);
    expect(one.body).toMatchObject({ mindId: ada, role: 'user', userEmail: 'ann@example.com', archived: false });
    expect(Date.parse(one.body.createdAt)).toBeGreaterThan(0);
    const batch = await call('POST', `/v1/minds/${ada}/messages`, {
      token: adaToken,
      body: {
        messages: [
          { role: 'assistant', content: 'I will ask how it went.' },
          { role: 'user', content: 'Thanks', userEmail: 'ann@example.com', metadata: { via: 'http' } },
          { role: 'system', content: 'note' },
        ],
      },
    });
    expect(batch).toMatchObject({ status: 201, body: { added: 3 } });

    const page1 = await call('GET', `/v1/minds/${ada}/messages?limit=3`, { token: adaToken });
    expect(page1.body.items.map((m: any) => m.content)).toEqual(['note', 'Thanks', 'I will ask how it went.']);
    const page2 = await call('GET', `/v1/minds/${ada}/messages?limit=3&cursor=${page1.body.nextCursor}`, {
      token: adaToken,
    });
    expect(page2.body).toEqual({ items: [expect.objectContaining({ id: one.body.id })], nextCursor: null });
    const users = await call('GET', `/v1/minds/${ada}/messages?user=ann@example.com&role=user&limit=10`);
    expect(users.body.items.map((m: any) => m.content)).toEqual(['Thanks', 'My knee surgery is on Friday']);
    const since = await call(
      'GET',
      `/v1/minds/${ada}/messages?since=${encodeURIComponent(one.body.createdAt)}&until=2999-01-01T00:00:00Z`,
    );
    expect(since.body.items).toHaveLength(4);

    const context = await call('GET', `/v1/minds/${ada}/context?maxMessages=2`, { token: adaToken });
    expect(context.body).toEqual({
      items: [
        { role: 'user', content: 'Thanks' },
        { role: 'system', content: 'note' },
      ],
    });
    const chars = await call('GET', `/v1/minds/${ada}/context?maxMessages=10&maxChars=10`);
    expect(chars.body.items).toEqual([
      { role: 'user', content: 'Thanks' },
      { role: 'system', content: 'note' },
    ]);
  });

  test('refusals write nothing: unknown fields (also inside a batch), bad role, a bad message in a batch, huge body', async () => {
    const before = await snapshot(ada, bob);
    const path = `/v1/minds/${ada}/messages`;
    expectError(
      await call('POST', path, { body: { role: 'user', content: 'x', mood: 'happy' } }),
      400,
      'INVALID_INPUT',
      'mood',
    );
    expectError(
      await call('POST', path, {
        body: {
          messages: [
            { role: 'user', content: 'ok' },
            { role: 'user', content: 'x', extra: 1 },
          ],
        },
      }),
      400,
      'INVALID_INPUT',
      'messages.1.extra',
    );
    expectError(await call('POST', path, { body: { role: 'robot', content: 'x' } }), 400, 'INVALID_INPUT');
    expectError(
      await call('POST', path, {
        body: {
          messages: [
            { role: 'user', content: 'ok' },
            { role: 'user', content: '   ' },
          ],
        },
      }),
      400,
      'INVALID_INPUT',
    );
    expectError(
      await call('POST', path, { body: { role: 'user', content: 'x', userEmail: 'not an email' } }),
      400,
      'INVALID_INPUT',
    );
    const huge = await call('POST', path, { body: { role: 'user', content: 'x'.repeat(1024 * 1024 + 10) } });
    expectError(huge, 413, 'PAYLOAD_TOO_LARGE', 'body');
    expectError(await call('GET', `${path}?cursor=bm9wZQ`), 400, 'INVALID_CURSOR', 'cursor');
    expectError(await call('GET', `${path}?since=2026-02-30`), 400, 'INVALID_INPUT', 'since');
    expectError(await call('GET', `${path}?limit=5000`), 400, 'INVALID_INPUT', 'query.limit');
    expectError(await call('GET', `/v1/minds/${ada}/context?maxMessages=abc`), 400, 'INVALID_INPUT');
    expect(await snapshot(ada, bob)).toEqual(before);
  });
});

describe('memories', () => {
  test('add one and a batch, search, get, patch, delete', async () => {
    const path = `/v1/minds/${ada}/memories`;
    const coffee = await call('POST', path, {
      token: adaToken,
      body: {
        content: 'Ann loves strong black coffee',
        memoryType: 'semantic',
        importance: 0.9,
        userEmail: 'ann@example.com',
        tags: ['ann'],
        timestamp: '2026-11-01T08:00:00Z',
      },
    });
    expect(coffee.status).toBe(201);
    expect(coffee.body).toMatchObject({ type: 'semantic', importance: 0.9, timestamp: '2026-11-01T08:00:00.000Z' });
    const batch = await call('POST', path, {
      body: {
        memories: [
          { content: 'The team meeting moved to Thursday', memoryType: 'episodic' },
          { content: 'Call the plumber next week', memoryType: 'prospective' },
        ],
      },
    });
    expect(batch.status).toBe(201);
    expect(batch.body.items).toHaveLength(2);

    const search = await call('POST', `${path}/search`, { token: adaToken, body: { query: 'coffee', limit: 2 } });
    expect(search.body.items[0]).toMatchObject({ id: coffee.body.id, similarity: expect.any(Number) });
    expect(search.body.nextCursor).toBeNull();

    const id = coffee.body.id as string;
    expect((await call('GET', `${path}/${id}`, { token: adaToken })).body).toMatchObject({ id, accessCount: 1 });
    const patched = await call('PATCH', `${path}/${id}`, { body: { importance: 0.3, tags: ['ann', 'drinks'] } });
    expect(patched.body).toMatchObject({ id, importance: 0.3, tags: ['ann', 'drinks'] });
    expect((await call('DELETE', `${path}/${id}`, { token: adaToken })).status).toBe(204);
    expectError(await call('GET', `${path}/${id}`), 404, 'MEMORY_NOT_FOUND', 'id');
    expectError(await call('DELETE', `${path}/${id}`), 404, 'MEMORY_NOT_FOUND', 'id');
    expectError(await call('PATCH', `${path}/${id}`, { body: { importance: 0.5 } }), 404, 'MEMORY_NOT_FOUND');
  }, 60_000);

  test('refusals write nothing: unknown field, bad type, bad id, empty patch', async () => {
    const before = await snapshot(ada, bob);
    const path = `/v1/minds/${ada}/memories`;
    expectError(
      await call('POST', path, { body: { content: 'x', memoryType: 'semantic', colour: 1 } }),
      400,
      'INVALID_INPUT',
      'colour',
    );
    expectError(await call('POST', path, { body: { content: 'x', memoryType: 'dream' } }), 400, 'INVALID_INPUT');
    expectError(
      await call('POST', path, { body: { memories: [{ content: 'x', memoryType: 'semantic', importance: 2 }] } }),
      400,
      'INVALID_INPUT',
    );
    expectError(await call('POST', `${path}/search`, { body: { query: 'x', k: 3 } }), 400, 'INVALID_INPUT', 'k');
    expectError(await call('GET', `${path}/bad%20id`), 400, 'INVALID_INPUT', 'path.id');
    expectError(await call('PATCH', `${path}/some-id`, { body: {} }), 400, 'INVALID_INPUT');
    expect(await snapshot(ada, bob)).toEqual(before);
  });
});

describe('concerns', () => {
  test('create, list, get, snooze, resolve, dismiss; final states refuse with 409', async () => {
    const path = `/v1/minds/${ada}/concerns`;
    const knee = await call('POST', path, {
      token: adaToken,
      body: {
        type: 'health',
        description: 'knee surgery',
        userEmail: 'ann@example.com',
        followUpAt: '2030-01-02T10:00:00Z',
        urgency: 'high',
      },
    });
    expect(knee.status).toBe(201);
    expect(knee.body).toMatchObject({
      concernType: 'health',
      status: 'active',
      nextCheckAt: '2030-01-02T10:00:00.000Z',
    });
    const mood = await call('POST', path, {
      body: { type: 'emotion', description: 'felt low', followUpAt: '2030-01-01T10:00:00Z' },
    });
    const list = await call('GET', `${path}?limit=1`, { token: adaToken });
    expect(list.body.items.map((c: any) => c.id)).toEqual([mood.body.id]);
    const rest = await call('GET', `${path}?limit=1&cursor=${list.body.nextCursor}`);
    expect(rest.body.items.map((c: any) => c.id)).toEqual([knee.body.id]);
    expect((await call('GET', `${path}?status=active&user=ann@example.com`)).body.items).toHaveLength(1);
    expect((await call('GET', `${path}/${knee.body.id}`)).body.description).toBe('knee surgery');

    const snoozed = await call('POST', `${path}/${knee.body.id}/snooze`, { body: { until: '2031-01-01T00:00:00Z' } });
    expect(snoozed.body).toMatchObject({ status: 'snoozed', nextCheckAt: '2031-01-01T00:00:00.000Z' });
    const resolved = await call('POST', `${path}/${knee.body.id}/resolve`, {
      token: adaToken,
      body: { note: 'went well' },
    });
    expect(resolved.body).toMatchObject({ status: 'resolved', metadata: { resolutionNote: 'went well' } });
    expect(resolved.body.resolvedAt).toMatch(/Z$/);
    expectError(await call('POST', `${path}/${knee.body.id}/dismiss`), 409, 'INVALID_TRANSITION');
    // A POST without a body, even one that says it is JSON.
    expect((await call('POST', `${path}/${mood.body.id}/dismiss`, { raw: '' })).body.status).toBe('dismissed');
  });

  test('refusals write nothing: unknown field, bad type, past snooze, unknown concern', async () => {
    const path = `/v1/minds/${ada}/concerns`;
    const live = (
      await call('POST', path, {
        body: { type: 'task', description: 'tax return', followUpAt: '2030-05-01T00:00:00Z' },
      })
    ).body;
    const before = await snapshot(ada, bob);
    expectError(
      await call('POST', path, { body: { type: 'health', description: 'x', priority: 1 } }),
      400,
      'INVALID_INPUT',
      'priority',
    );
    expectError(await call('POST', path, { body: { type: 'weather', description: 'x' } }), 400, 'INVALID_INPUT');
    expectError(
      await call('POST', path, { body: { type: 'health', description: 'x', followUpAt: '2026-13-01' } }),
      400,
      'INVALID_INPUT',
      'followUpAt',
    );
    expectError(
      await call('POST', `${path}/${live.id}/snooze`, { body: { until: '2001-01-01T00:00:00Z' } }),
      400,
      'INVALID_INPUT',
      'until',
    );
    expectError(
      await call('POST', `${path}/${live.id}/resolve`, { body: { note: 'x', extra: true } }),
      400,
      'INVALID_INPUT',
      'extra',
    );
    expectError(await call('GET', `${path}/00000000-0000-0000-0000-000000000000`), 404, 'CONCERN_NOT_FOUND');
    expectError(await call('POST', `${path}/00000000-0000-0000-0000-000000000000/resolve`), 404, 'CONCERN_NOT_FOUND');
    expectError(await call('GET', `${path}?status=sleeping`), 400, 'INVALID_INPUT', 'query.status');
    expect(await snapshot(ada, bob)).toEqual(before);
  });
});

describe('tasks', () => {
  test('enqueue (idempotent), list, get, cancel, retry refused; schedules', async () => {
    const path = `/v1/minds/${ada}/tasks`;
    const first = await call('POST', path, {
      token: adaToken,
      body: { type: 'echo', payload: { hello: 'world' }, idempotencyKey: 'k1', runAt: '2030-01-01T00:00:00Z' },
    });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({
      created: true,
      task: { type: 'echo', status: 'pending', runAt: '2030-01-01T00:00:00.000Z' },
    });
    expect(first.body.task.leaseToken).toBeUndefined();
    const again = await call('POST', path, { body: { type: 'echo', idempotencyKey: 'k1' } });
    expect(again).toMatchObject({ status: 200, body: { created: false, task: { id: first.body.task.id } } });
    await call('POST', path, { body: { type: 'echo', priority: 3 } });
    const page = await call('GET', `${path}?limit=1`, { token: adaToken });
    expect(page.body.items).toHaveLength(1);
    const next = await call('GET', `${path}?limit=5&cursor=${page.body.nextCursor}`);
    expect(next.body.items).toHaveLength(1);
    expect((await call('GET', `${path}?status=pending&type=echo`)).body.items).toHaveLength(2);
    expect((await call('GET', `${path}/${first.body.task.id}`)).body.payload).toEqual({ hello: 'world' });
    const cancelled = await call('POST', `${path}/${first.body.task.id}/cancel`, { token: adaToken });
    expect(cancelled.body.status).toBe('cancelled');
    expectError(await call('POST', `${path}/${first.body.task.id}/retry`), 409, 'INVALID_TRANSITION');
    expectError(await call('GET', `${path}/no-such-task`), 404, 'TASK_NOT_FOUND');

    const mind = await genesis.loadMind(ada);
    await mind.schedules.upsert({ name: 'digest', cron: '0 21 * * *', type: 'echo' });
    await mind.schedules.upsert({ name: 'hourly', cron: '0 * * * *', type: 'echo' });
    // Pages in next-run order (between 20:00 and 21:00 UTC both next run at 21:00: then by name).
    const schedules = await call('GET', `/v1/minds/${ada}/schedules?limit=1`, { token: adaToken });
    expect(schedules.body.items).toHaveLength(1);
    expect(schedules.body.items[0].nextRunAt).toMatch(/:00:00\.000Z$/);
    const more = await call('GET', `/v1/minds/${ada}/schedules?cursor=${schedules.body.nextCursor}`);
    expect(more.body).toEqual({ items: [expect.any(Object)], nextCursor: null });
    const [earlier, later] = [schedules.body.items[0], more.body.items[0]];
    expect([earlier.name, later.name].sort()).toEqual(['digest', 'hourly']);
    expect(Date.parse(earlier.nextRunAt)).toBeLessThanOrEqual(Date.parse(later.nextRunAt));
    const hourly = earlier.name === 'hourly' ? earlier : later;
    expect(Date.parse(hourly.nextRunAt) - Date.now()).toBeLessThanOrEqual(3_600_000);
  });

  test('refusals write nothing: unknown field, bad values, huge payload', async () => {
    const before = await snapshot(ada, bob);
    const path = `/v1/minds/${ada}/tasks`;
    expectError(await call('POST', path, { body: { type: 'echo', when: 'now' } }), 400, 'INVALID_INPUT', 'when');
    expectError(await call('POST', path, { body: { type: '' } }), 400, 'INVALID_INPUT', 'type');
    expectError(
      await call('POST', path, { body: { type: 'echo', maxAttempts: 0 } }),
      400,
      'INVALID_INPUT',
      'maxAttempts',
    );
    expectError(await call('POST', path, { body: { type: 'echo', runAt: 'tomorrow' } }), 400, 'INVALID_INPUT', 'runAt');
    expectError(
      await call('POST', path, { body: { type: 'echo', payload: { blob: 'x'.repeat(1024 * 1024) } } }),
      413,
      'PAYLOAD_TOO_LARGE',
    );
    expectError(await call('GET', `${path}?cursor=%%%`), 400, 'INVALID_CURSOR');
    expectError(await call('GET', `${path}?cursor=WzEsMl0`), 400, 'INVALID_CURSOR');
    expectError(
      await call('POST', `${path}/some-task/cancel`, { body: { force: true } }),
      400,
      'INVALID_INPUT',
      'force',
    );
    expectError(await call('GET', `/v1/minds/${ada}/schedules?cursor=abc`), 400, 'INVALID_CURSOR');
    expect(await snapshot(ada, bob)).toEqual(before);
  });
});

test('the OpenAPI document parses and names every route with its method', async () => {
  const answer = await call('GET', '/openapi.json');
  expect(answer.status).toBe(200);
  const doc = answer.body as { openapi: string; paths: Record<string, Record<string, unknown>> };
  expect(doc.openapi).toMatch(/^3\./);
  const routes = Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
  );
  const m = '/v1/minds/{gmid}';
  expect(routes).toEqual(
    expect.arrayContaining([
      'GET /v1/minds',
      'POST /v1/minds',
      `GET ${m}`,
      `DELETE ${m}`,
      `GET ${m}/stats`,
      `POST ${m}/messages`,
      `GET ${m}/messages`,
      `GET ${m}/context`,
      `POST ${m}/memories`,
      `POST ${m}/memories/search`,
      `GET ${m}/memories/{id}`,
      `PATCH ${m}/memories/{id}`,
      `DELETE ${m}/memories/{id}`,
      `POST ${m}/concerns`,
      `GET ${m}/concerns`,
      `GET ${m}/concerns/{id}`,
      `POST ${m}/concerns/{id}/resolve`,
      `POST ${m}/concerns/{id}/dismiss`,
      `POST ${m}/concerns/{id}/snooze`,
      `POST ${m}/tasks`,
      `GET ${m}/tasks`,
      `GET ${m}/tasks/{id}`,
      `POST ${m}/tasks/{id}/cancel`,
      `POST ${m}/tasks/{id}/retry`,
      `GET ${m}/schedules`,
      `GET ${m}/events`,
      'GET /healthz',
      'GET /readyz',
      'GET /metrics',
    ]),
  );
  // The body schema of a route is there, strict (no other fields).
  const post = (doc.paths[`${m}/concerns`] as Record<string, any>).post;
  expect(post.requestBody.content['application/json'].schema).toMatchObject({ additionalProperties: false });
});

test('rate limit per token: 429 in the error shape, other tokens unaffected; a server error leaks nothing', async () => {
  const context = stubContext();
  const failing = async (app: HttpApp) => {
    app.get('/boom', async () => {
      throw new Error('SQLITE_CORRUPT: secret row content at /home/ann/.genesis/genesis.db');
    });
  };
  const app = await createHttpServer(context, {
    port: 0,
    adminToken: ADMIN,
    rateLimit: { max: 3, timeWindowMs: 60_000 },
    extraPlugins: [failing],
  });
  const address = app.server.address();
  const limited = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  try {
    const get = (token: string) =>
      fetch(`${limited}/v1/minds`, { headers: { authorization: `Bearer ${token}` } }).then(async (r) => ({
        status: r.status,
        body: (await r.json()) as any,
      }));
    for (let i = 0; i < 3; i++) expect((await get(ADMIN)).status).toBe(200);
    const refused = await get(ADMIN);
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual({ error: { code: 'RATE_LIMITED', message: expect.stringMatching(/at most 3/) } });
    expect((await get(adaToken)).status).toBe(200);

    const boom = await fetch(`${limited}/boom`, { headers: { authorization: `Bearer ${adaToken}` } });
    const text = await boom.text();
    expect(boom.status).toBe(500);
    expect(JSON.parse(text)).toEqual({ error: { code: 'INTERNAL_ERROR', message: expect.any(String) } });
    expect(text).not.toMatch(/SQLITE|secret|genesis\.db|at \//);
  } finally {
    await app.close();
  }
});

/** A context with the real Genesis and no-op events and metrics (for servers built in one test). */
function stubContext(): HttpContext {
  return {
    genesis,
    daemon: null,
    logger: silentLogger,
    events: {
      publish: async () => ({ id: '1', mindId: '', type: '', data: {}, at: 0 }),
      since: async () => [],
      subscribe: () => () => undefined,
    },
    metrics: { observeRequest: () => undefined, render: async () => ({ contentType: 'text/plain', body: '' }) },
  };
}

test('a revoked Mind token in use is refused at once; tokens are stored as hashes only', async () => {
  expect((await call('GET', `/v1/minds/${ada}/stats`, { token: adaToken })).status).toBe(200);
  await genesis.apiTokens.revoke(adaTokenId);
  expectError(await call('GET', `/v1/minds/${ada}/stats`, { token: adaToken }), 401, 'UNAUTHORIZED');
  const stored = JSON.stringify(await genesis.apiTokens.list());
  expect(stored).not.toContain(adaToken);
});

test('the SDK (@genesis/daemon) never loads Fastify: the HTTP API is the subpath @genesis/daemon/http', () => {
  const script =
    "require('reflect-metadata'); require(process.argv[1]);" +
    'const hits = Object.keys(require.cache).filter((k) => /node_modules[\\\\/](fastify|@fastify|fastify-type-provider-zod)[\\\\/]/.test(k));' +
    'process.stdout.write(String(hits.length));';
  const sdk = spawnSync(process.execPath, ['-e', script, DAEMON_DIST], {
    cwd: __dirname,
    encoding: 'utf8',
    timeout: 30_000,
  });
  expect(sdk.stdout).toBe('0');
  const withHttp = spawnSync(process.execPath, ['-e', script, join(DAEMON_DIST, '..', 'http', 'index.js')], {
    cwd: __dirname,
    encoding: 'utf8',
    timeout: 30_000,
  });
  expect(Number(withHttp.stdout)).toBeGreaterThan(0);
});
