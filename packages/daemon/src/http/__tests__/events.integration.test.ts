import type { AddressInfo } from 'node:net';
import { FakeClock, RecordingLogger, tempHome } from '@genesis/mind-core/testing';
import type { Mind } from '@genesis/mind-core';
import { openGenesis, type Genesis } from '../../composition/open-genesis';
import type { GenesisDaemon } from '../../runtime/genesis-daemon';
import { createHttpServer } from '../server';
import type { HttpApp, HttpContext } from '../context';
import type { MindEventLog } from '../events';
import { createObservability, type Observability } from '../observability';
import { connectSse, type SseClient } from './support/sse-client';

/**
 * The events stream over real HTTP (the daemon's server, SQLite, the daemon's runtime in this
 * process): a connected client hears the follow-up the scheduler fires; after a disconnect it
 * resumes with Last-Event-ID and gets exactly what it missed, then the live events again.
 */
const NOON = Date.UTC(2026, 0, 10, 12);
const ADMIN = 'test-admin-token-0123456789';

let home: ReturnType<typeof tempHome>;
let genesis: Genesis;
let daemon: GenesisDaemon;
let app: HttpApp;
let base: string;
let events: MindEventLog;
let observability: Observability;
const clients: SseClient[] = [];

beforeEach(async () => {
  home = tempHome('genesis-sse-');
  const logger = new RecordingLogger();
  genesis = await openGenesis({
    home: home.path,
    env: { GENESIS_EMBEDDINGS: 'hash' },
    logger,
    clock: new FakeClock(NOON),
  });
  daemon = await genesis.startDaemon({ pollMs: 20, leaseMs: 5_000, backoff: { baseMs: 5, capMs: 20 } });
  observability = createObservability({ genesis, daemon, logger, stream: { heartbeatMs: 50 }, processMetrics: false });
  events = observability.events;
  const context: HttpContext = { genesis, daemon, logger, events, metrics: observability.metrics };
  app = await createHttpServer(context, {
    port: 0,
    adminToken: ADMIN,
    rateLimit: false,
    extraPlugins: observability.plugins,
  });
  base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
});

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await app.close();
  observability.close();
  await daemon.stop({ timeoutMs: 1000 });
  await genesis.close();
  home.cleanup();
});

const auth = { authorization: `Bearer ${ADMIN}` };

async function connect(gmid: string, headers: Record<string, string> = {}): Promise<SseClient> {
  const client = await connectSse(`${base}/v1/minds/${gmid}/events`, { ...auth, ...headers });
  clients.push(client);
  return client;
}

async function post(path: string, body: unknown): Promise<Response> {
  return fetch(`${base}${path}`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

async function dueConcern(mind: Mind, description: string) {
  return mind.concerns.create({
    type: 'health',
    description,
    followUpAt: NOON - 1000,
    userEmail: 'ann@example.com',
    urgency: 'critical',
  });
}

const types = (c: SseClient) => c.events().map((e) => e.type);

test('a client hears a follow-up fired by the scheduler, and after a disconnect resumes with what it missed', async () => {
  const mind = await genesis.createMind({ name: 'Ada' });
  const other = await genesis.createMind({ name: 'Bo' });
  const first = await connect(mind.gmid);
  expect(first.status).toBe(200);
  expect(first.headers['content-type']).toMatch(/^text\/event-stream/);

  const knee = await dueConcern(mind, 'knee surgery on Friday');
  await first.waitFor((c) => types(c).includes('follow-up.fired'), 'the follow-up event');
  const fired = first.events().find((e) => e.type === 'follow-up.fired')!;
  expect(fired.data).toMatchObject({ concernId: knee.id, delivered: ['conversation'] });
  // Its message came first, with the text, and the task's end after it.
  const added = first.events().find((e) => e.type === 'message.added')!;
  expect(added.data.message).toMatchObject({
    id: fired.data.messageId,
    role: 'assistant',
    content: expect.stringContaining('knee surgery') as unknown,
    metadata: expect.objectContaining({ kind: 'follow-up', concernId: knee.id }) as unknown,
  });
  expect(first.events().find((e) => e.type === 'task.finished')?.data).toMatchObject({
    type: 'concern.follow-up',
    status: 'succeeded',
  });
  // Every frame has an id, ids increase, and heartbeats come as comments.
  const ids = first.frames.map((f) => Number(f.id));
  expect(ids.every((id) => Number.isSafeInteger(id) && id > 0)).toBe(true);
  expect([...ids].sort((a, b) => a - b)).toEqual(ids);
  await first.waitFor((c) => c.comments.includes('ping'), 'a heartbeat comment');
  const lastSeen = first.frames[first.frames.length - 1]!.id!;

  // Disconnect: the server lets go of the subscription.
  first.close();
  await first.closed;
  await first.waitFor(() => events.subscribers === 0, 'the server to unsubscribe the closed stream');

  // Missed while away: a message posted over HTTP, a second follow-up, and another Mind's message.
  expect(
    (
      await post(`/v1/minds/${mind.gmid}/messages`, {
        role: 'user',
        content: 'I am back',
        userEmail: 'ann@example.com',
      })
    ).status,
  ).toBe(201);
  expect((await post(`/v1/minds/${other.gmid}/messages`, { role: 'user', content: 'not for Ada' })).status).toBe(201);
  const dentist = await dueConcern(mind, 'dentist appointment');
  const deadline = Date.now() + 15_000;
  while ((await mind.tasks.counts()).succeeded < 2) {
    if (Date.now() > deadline) throw new Error('the second follow-up did not run');
    await new Promise((r) => setTimeout(r, 20));
  }

  const resumed = await connect(mind.gmid, { 'last-event-id': lastSeen });
  await resumed.waitFor((c) => types(c).includes('follow-up.fired'), 'the missed follow-up');
  const missed = resumed.events();
  expect(missed.every((e) => Number(e.id) > Number(lastSeen))).toBe(true);
  expect(missed.map((e) => e.mindId).every((id) => id === mind.gmid)).toBe(true);
  expect(missed.find((e) => e.type === 'message.added' && e.data.message)?.data.message).toMatchObject({
    role: 'user',
    content: 'I am back',
    userEmail: 'ann@example.com', // written in a unit of work (with Ann's interaction): told after its commit
  });
  expect(missed.find((e) => e.type === 'follow-up.fired')?.data).toMatchObject({ concernId: dentist.id });
  expect(new Set(missed.map((e) => e.id)).size).toBe(missed.length);

  // Then live again, once.
  const count = missed.length;
  expect((await post(`/v1/minds/${mind.gmid}/messages`, { role: 'user', content: 'live again' })).status).toBe(201);
  await resumed.waitFor((c) => c.events().length > count, 'the live message');
  expect(resumed.events().slice(count)).toEqual([
    expect.objectContaining({
      type: 'message.added',
      data: { message: expect.objectContaining({ content: 'live again' }) },
    }),
  ]);
});

test('the stream refuses a missing token, an unknown Mind and a malformed Last-Event-ID', async () => {
  const mind = await genesis.createMind({ name: 'Ada' });
  expect((await fetch(`${base}/v1/minds/${mind.gmid}/events`)).status).toBe(401);
  const unknown = await fetch(`${base}/v1/minds/GMD-2026-0000-0000/events`, { headers: auth });
  expect(unknown.status).toBe(404);
  expect(await unknown.json()).toMatchObject({ error: { code: 'MIND_NOT_FOUND' } });
  const bad = await fetch(`${base}/v1/minds/${mind.gmid}/events`, { headers: { ...auth, 'last-event-id': 'x' } });
  expect(bad.status).toBe(400);
  expect(await bad.json()).toMatchObject({ error: { code: 'INVALID_INPUT', field: 'Last-Event-ID' } });
  const scoped = await genesis.apiTokens.create({ mindId: mind.gmid });
  const foreign = await fetch(`${base}/v1/minds/${(await genesis.createMind({ name: 'Bo' })).gmid}/events`, {
    headers: { authorization: `Bearer ${scoped.token}` },
  });
  expect(foreign.status).toBe(404);
  expect(events.subscribers).toBe(0);
});

test('healthz needs no token; readyz and metrics do, and metrics count what happened', async () => {
  const mind = await genesis.createMind({ name: 'Ada' });
  expect(await (await fetch(`${base}/healthz`)).json()).toEqual({ status: 'ok' });
  expect((await fetch(`${base}/readyz`)).status).toBe(401);
  const ready = await fetch(`${base}/readyz`, { headers: auth });
  expect(ready.status).toBe(200);
  expect(await ready.json()).toEqual({ status: 'ready', sql: 'up', chroma: 'not-started' });

  expect((await post(`/v1/minds/${mind.gmid}/messages`, { role: 'user', content: 'hello' })).status).toBe(201);
  await dueConcern(mind, 'knee surgery');
  const deadline = Date.now() + 15_000;
  while ((await mind.tasks.counts()).succeeded < 1) {
    if (Date.now() > deadline) throw new Error('the follow-up did not run');
    await new Promise((r) => setTimeout(r, 20));
  }
  expect((await fetch(`${base}/metrics`)).status).toBe(401);
  const res = await fetch(`${base}/metrics`, { headers: auth });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
  const text = await res.text();
  const value = (series: string) =>
    Number(
      text
        .split('\n')
        .find((l) => l.startsWith(`${series} `))
        ?.slice(series.length + 1),
    );
  expect(value('genesis_messages_added_total')).toBe(2); // the posted one and the follow-up
  expect(value('genesis_follow_ups_fired_total')).toBe(1);
  expect(value('genesis_tasks_enqueued_total{type="concern.follow-up"}')).toBe(1);
  expect(value('genesis_tasks_succeeded_total{type="concern.follow-up"}')).toBe(1);
  expect(value('genesis_task_queue_depth{status="succeeded"}')).toBe(1);
  expect(value('genesis_held_minds')).toBe(1);
  expect(value('genesis_chroma_up')).toBe(0);
  expect(value('genesis_http_requests_total{route="/v1/minds/:gmid/messages",method="POST",status="201"}')).toBe(1);
  expect(value('genesis_http_requests_total{route="/metrics",method="GET",status="401"}')).toBe(1);
  expect(value('genesis_http_request_duration_seconds_count{route="/readyz",method="GET"}')).toBe(2);
});

test('memories: the stream carries memory.added; metrics count adds and searches; readyz sees Chroma up', async () => {
  const mind = await genesis.createMind({ name: 'Ada' });
  const client = await connect(mind.gmid);
  const added = await post(`/v1/minds/${mind.gmid}/memories`, {
    content: 'Ann loves hiking in the Alps',
    memoryType: 'semantic',
  });
  expect(added.status).toBe(201);
  await client.waitFor((c) => types(c).includes('memory.added'), 'the memory event');
  expect(client.events().find((e) => e.type === 'memory.added')?.data).toMatchObject({
    memory: { content: 'Ann loves hiking in the Alps', type: 'semantic' },
  });
  const search = await post(`/v1/minds/${mind.gmid}/memories/search`, { query: 'hiking', limit: 3 });
  expect(search.status).toBe(200);
  const ready = await fetch(`${base}/readyz`, { headers: auth });
  expect(await ready.json()).toEqual({ status: 'ready', sql: 'up', chroma: 'up' });
  const text = await (await fetch(`${base}/metrics`, { headers: auth })).text();
  const value = (series: string) =>
    Number(
      text
        .split('\n')
        .find((l) => l.startsWith(`${series} `))
        ?.slice(series.length + 1),
    );
  expect(value('genesis_memories_added_total')).toBe(1);
  expect(value('genesis_memory_searches_total')).toBe(1);
  expect(value('genesis_memory_search_duration_seconds_count')).toBe(1);
  expect(value('genesis_chroma_up')).toBe(1);
});
