import { silentLogger } from '@genesis/mind-core';
import { tempHome } from '@genesis/mind-core/testing';
import { openGenesis, type Genesis } from '../../composition/open-genesis';
import { serveDaemonHttp, type DaemonHttp } from '../server';

/**
 * The messages routes reuse a loaded Mind for a second instead of loading it (reading and validating
 * its JSON file, touching its registry row) on every request; a Mind deleted through the server is
 * never reached again. Real HTTP on 127.0.0.1, a real SQLite home.
 */

const ADMIN = 'admin-token-for-tests-0123456789';
const home = tempHome('genesis-http-mind-reuse-');
let genesis: Genesis;
let server: DaemonHttp;
let loads = 0;

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${ADMIN}`,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    signal: AbortSignal.timeout(30_000),
  });
  return { status: res.status, body: await res.json() };
}

beforeAll(async () => {
  genesis = await openGenesis({ home: home.path, env: { GENESIS_EMBEDDINGS: 'hash' } });
  // The same Genesis, counting the loads the routes ask for.
  const counting = Object.assign(Object.create(genesis) as Genesis, {
    loadMind: (gmid: string) => {
      loads++;
      return genesis.loadMind(gmid);
    },
  });
  server = await serveDaemonHttp({
    genesis: counting,
    daemon: null,
    logger: silentLogger,
    env: { GENESIS_API_TOKEN: ADMIN },
    host: '127.0.0.1',
    port: 0,
    rateLimit: false,
  });
}, 60_000);

afterAll(async () => {
  await server?.close();
  await genesis?.close();
  home.cleanup();
});

test('many requests to one Mind load it about once a second, not once per request', async () => {
  const gmid = (await call('POST', '/v1/minds', { name: 'Ada' })).body.gmid as string;
  loads = 0;
  const started = Date.now();
  const posted = await Promise.all(
    Array.from({ length: 40 }, (_, i) =>
      call('POST', `/v1/minds/${gmid}/messages`, { role: 'user', content: `m${i}` }),
    ),
  );
  for (let i = 0; i < 20; i++) expect((await call('GET', `/v1/minds/${gmid}/messages?limit=10`)).status).toBe(200);
  const seconds = Math.ceil((Date.now() - started) / 1000);
  expect(posted.map((p) => p.status)).toEqual(Array(40).fill(201));
  expect(loads).toBeGreaterThanOrEqual(1);
  expect(loads).toBeLessThanOrEqual(seconds + 1);
  expect((await call('GET', `/v1/minds/${gmid}/stats`)).body.messages).toBe(40);
});

test('a Mind deleted through the server is not reached by the next request, and nothing is written for it', async () => {
  const gmid = (await call('POST', '/v1/minds', { name: 'Bob' })).body.gmid as string;
  expect((await call('POST', `/v1/minds/${gmid}/messages`, { role: 'user', content: 'hello' })).status).toBe(201);
  expect((await call('GET', `/v1/minds/${gmid}/messages`)).body.items).toHaveLength(1);
  expect((await call('DELETE', `/v1/minds/${gmid}`)).status).toBe(200);
  const before = (await genesis.status()).rows;

  const posted = await call('POST', `/v1/minds/${gmid}/messages`, { role: 'user', content: 'too late' });
  expect({ status: posted.status, code: posted.body.error?.code }).toEqual({ status: 404, code: 'MIND_NOT_FOUND' });
  expect((await call('GET', `/v1/minds/${gmid}/messages`)).status).toBe(404);
  expect((await call('GET', `/v1/minds/${gmid}/context`)).status).toBe(404);
  expect((await genesis.status()).rows).toEqual(before);
});

test('an unknown Mind is not remembered as missing: each request looks again', async () => {
  const missing = 'GMD-2026-0000-0000';
  loads = 0;
  expect((await call('GET', `/v1/minds/${missing}/messages`)).status).toBe(404);
  expect((await call('GET', `/v1/minds/${missing}/messages`)).status).toBe(404);
  expect(loads).toBe(2);
});
