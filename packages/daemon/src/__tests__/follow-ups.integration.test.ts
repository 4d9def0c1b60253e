import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHmac, timingSafeEqual } from 'node:crypto';
import {
  CONCERN_STORE,
  MESSAGE_STORE,
  RELATIONSHIP_STORE,
  UNIT_OF_WORK,
  DEFAULT_FOLLOW_UP_POLICY,
} from '@genesis/mind-core';
import type { Mind, StoredMessage } from '@genesis/mind-core';
import { FakeClock, RecordingLogger, tempHome } from '@genesis/mind-core/testing';
import { openGenesis, type Genesis, type OpenGenesisOptions } from '../composition/open-genesis';
import { resolveConfig } from '../composition/config';
import { composeGenesis, type ComposedGenesis } from '../composition/container';
import type { GenesisDaemon } from '../runtime/genesis-daemon';
import { FollowUpScanner, FOLLOW_UP_TASK } from '../runtime/follow-ups';
import { sleep, until } from './fixtures/children';

/**
 * Follow-ups on a real SQLite home, the daemon in this process: a due check fires one message,
 * every due concern fires (no cap), racing scanners fire each check once, and the webhook is
 * signed, retried, then dead — without holding back the other follow-ups.
 */
const NOON = Date.UTC(2026, 0, 10, 12);
const SECRET = 'test-webhook-secret';

let home: ReturnType<typeof tempHome>;
const opened: Genesis[] = [];
const composed: ComposedGenesis[] = [];
const daemons: GenesisDaemon[] = [];
let server: Server | undefined;
const logger = new RecordingLogger();

beforeEach(() => {
  home = tempHome('genesis-follow-ups-');
});
afterEach(async () => {
  for (const d of daemons.splice(0)) await d.stop({ timeoutMs: 1000 });
  for (const g of opened.splice(0)) await g.close();
  for (const c of composed.splice(0)) await c.close();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
  home.cleanup();
});

async function open(options: Partial<OpenGenesisOptions> = {}): Promise<Genesis> {
  const genesis = await openGenesis({ home: home.path, env: { GENESIS_EMBEDDINGS: 'hash' }, logger, ...options });
  opened.push(genesis);
  return genesis;
}

async function start(genesis: Genesis, options: Parameters<Genesis['startDaemon']>[0] = {}): Promise<GenesisDaemon> {
  const daemon = await genesis.startDaemon({
    pollMs: 20,
    leaseMs: 5_000,
    backoff: { baseMs: 5, capMs: 20 },
    ...options,
  });
  daemons.push(daemon);
  return daemon;
}

/** Every follow-up message of a Mind (role assistant, metadata.kind follow-up). */
async function followUpMessages(mind: Mind): Promise<StoredMessage[]> {
  const out: StoredMessage[] = [];
  let cursor: string | null = null;
  do {
    const page = await mind.conversation.listMessages({ limit: 1000, cursor });
    out.push(...page.items.filter((m) => m.role === 'assistant' && m.metadata.kind === 'follow-up'));
    cursor = page.nextCursor;
  } while (cursor);
  return out;
}

test('a due critical concern fires exactly one follow-up message (composeFollowUp writes it)', async () => {
  const clock = new FakeClock(NOON);
  const genesis = await open({ clock });
  const mind = await genesis.createMind({ name: 'Ada' });
  const concern = await mind.concerns.create({
    type: 'health',
    description: 'knee surgery on Friday',
    followUpAt: NOON,
    userEmail: 'ann@example.com',
    urgency: 'critical',
  });
  await start(genesis, {
    composeFollowUp: (c, m) => `${m.name} here: how did the ${c.description.replace(/ on .*/, '')} go?`,
  });
  await until(async () => (await mind.tasks.counts()).succeeded === 1, 'the follow-up task succeeded');
  // Many more ticks (and time passing, still before the next check): nothing fires again.
  for (let i = 0; i < 5; i++) {
    clock.advance(60_000);
    await sleep(60);
  }
  const messages = await followUpMessages(mind);
  expect(messages).toHaveLength(1);
  expect(messages[0]).toMatchObject({
    role: 'assistant',
    content: 'Ada here: how did the knee surgery go?',
    userEmail: 'ann@example.com',
    metadata: { kind: 'follow-up', concernId: concern.id, check: NOON },
  });
  expect(await mind.concerns.fires(concern.id)).toEqual([
    expect.objectContaining({ concernId: concern.id, checkAt: NOON, firedAt: NOON }),
  ]);
  expect(await mind.concerns.get(concern.id)).toMatchObject({
    followUpCount: 1,
    lastCheckedAt: NOON,
    nextCheckAt: NOON + 6 * 3_600_000,
  });
});

test('250 due concerns all fire: 250 messages, no silent cap', async () => {
  const clock = new FakeClock(NOON);
  const genesis = await open({ clock });
  const mind = await genesis.createMind({ name: 'Many' });
  const created = await mind.concerns.createMany(
    Array.from({ length: 250 }, (_, i) => ({
      type: 'personal' as const,
      description: `concern ${i}`,
      followUpAt: NOON - 1000 + (i % 10),
      userEmail: `user${i}@example.com`,
    })),
  );
  await start(genesis, { concurrency: 8, perMindConcurrency: 8 });
  await until(async () => (await mind.tasks.counts()).succeeded === 250, '250 follow-up tasks succeeded', 60_000);
  const messages = await followUpMessages(mind);
  expect(messages).toHaveLength(250);
  expect(new Set(messages.map((m) => m.metadata.concernId)).size).toBe(250);
  expect(await mind.concerns.fires(created.map((c) => c.id))).toHaveLength(250);
  expect(await mind.concerns.count({ status: 'active', dueBefore: NOON + 1 })).toBe(0);
});

test('two scanners on two connections to one SQLite file fire each check once', async () => {
  const genesis = await open();
  const mind = await genesis.createMind({ name: 'Raced' });
  const past = Date.now() - 60_000;
  const created = await mind.concerns.createMany(
    Array.from({ length: 120 }, (_, i) => ({
      type: 'task' as const,
      description: `raced ${i}`,
      followUpAt: past,
      urgency: 'critical' as const,
    })),
  );
  const scanners = [];
  for (let i = 0; i < 2; i++) {
    const c = await composeGenesis(
      resolveConfig({ overrides: { home: home.path }, env: { GENESIS_EMBEDDINGS: 'hash' } }),
    );
    composed.push(c);
    scanners.push(
      new FollowUpScanner(
        c.container.resolve(CONCERN_STORE),
        c.container.resolve(MESSAGE_STORE),
        c.container.resolve(RELATIONSHIP_STORE),
        c.container.resolve(UNIT_OF_WORK),
        { now: () => Date.now() },
        logger,
        { minds: () => [mind.gmid], policy: DEFAULT_FOLLOW_UP_POLICY, timezone: null, maxAttempts: 5, pageSize: 13 },
      ),
    );
  }
  // A second tick of a scanner while its first runs joins it (the same scan): two scans race here.
  const ticks = await Promise.all([scanners[0]!.tick(), scanners[1]!.tick(), scanners[0]!.tick(), scanners[1]!.tick()]);
  expect(ticks[0]).toBe(ticks[2]);
  const scans = [ticks[0]!, ticks[1]!];
  const fired = scans.reduce((n, s) => n + s.fired, 0);
  expect(scans.reduce((n, s) => n + s.failed, 0)).toBe(0);
  expect(fired).toBe(120);
  // They did race: one found checks the other had fired (and rolled its own attempt back).
  expect(scans.reduce((n, s) => n + s.skipped, 0)).toBeGreaterThan(0);
  const fires = await mind.concerns.fires(created.map((c) => c.id));
  expect(fires).toHaveLength(120);
  expect(new Set(fires.map((f) => f.concernId)).size).toBe(120);
  expect((await mind.tasks.list({ type: FOLLOW_UP_TASK, limit: 1000 })).items).toHaveLength(120);
});

interface Received {
  headers: IncomingMessage['headers'];
  body: string;
}

/** A webhook receiver on 127.0.0.1: answers 500 to concerns whose description has "fail", else 204. */
async function receiver(): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = [];
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      received.push({ headers: req.headers, body });
      res.statusCode = body.includes('fail') ? 500 : 204;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', () => resolve()));
  return { url: `http://127.0.0.1:${(server!.address() as AddressInfo).port}/hooks/genesis`, received };
}

/** What a receiver does: recompute the HMAC over `${timestamp}.${body}` and compare in constant time. */
function verified(r: Received, secret: string): boolean {
  const timestamp = String(r.headers['x-genesis-timestamp']);
  const signature = String(r.headers['x-genesis-signature']);
  const expected = `sha256=${createHmac('sha256', secret).update(`${timestamp}.${r.body}`).digest('hex')}`;
  return signature.length === expected.length && timingSafeEqual(Buffer.from(signature), Buffer.from(expected));
}

test('webhook: signed POST; a 500 is retried, then dead and visible; the other follow-ups are delivered', async () => {
  const hook = await receiver();
  const genesis = await open({
    followUps: {
      maxAttempts: 3,
      notifiers: { log: true, webhook: { url: hook.url, secret: SECRET, timeoutMs: 2000 } },
    },
  });
  const mind = await genesis.createMind({ name: 'Hooked' });
  const past = Date.now() - 1000;
  const failing = await mind.concerns.create({
    type: 'task',
    description: 'this one will fail',
    followUpAt: past,
    urgency: 'critical',
  });
  const fine = await mind.concerns.createMany(
    [1, 2, 3].map((n) => ({
      type: 'task' as const,
      description: `deliverable ${n}`,
      followUpAt: past,
      urgency: 'critical' as const,
    })),
  );
  await start(genesis);
  await until(async () => {
    const counts = await mind.tasks.counts();
    return counts.succeeded === 3 && counts.dead === 1;
  }, 'three delivered, one dead');
  // The failing check: 3 attempts, each a signed POST; dead with its last error; still one message.
  const [dead] = (await mind.tasks.list({ status: 'dead', limit: 10 })).items;
  expect(dead).toMatchObject({ type: FOLLOW_UP_TASK, attempts: 3, payload: { concernId: failing.id } });
  expect(dead!.lastError).toMatch(/answered 500/);
  const toFailing = hook.received.filter((r) => r.body.includes('this one will fail'));
  expect(toFailing).toHaveLength(3);
  // The others: delivered once each, signed, with the text of their conversation message.
  const messages = await followUpMessages(mind);
  expect(messages).toHaveLength(4);
  for (const concern of fine) {
    const posts = hook.received.filter((r) => JSON.parse(r.body).concern.id === concern.id);
    expect(posts).toHaveLength(1);
    const body = JSON.parse(posts[0]!.body);
    expect(body).toMatchObject({
      type: 'concern.follow-up',
      id: `concern:${concern.id}:${concern.nextCheckAt}`,
      mind: { gmid: mind.gmid, name: 'Hooked' },
      check: concern.nextCheckAt,
      text: messages.find((m) => m.metadata.concernId === concern.id)!.content,
    });
    expect(posts[0]!.headers['content-type']).toBe('application/json');
  }
  for (const r of hook.received) expect(verified(r, SECRET)).toBe(true);
  expect(verified(hook.received[0]!, 'another-secret')).toBe(false);
  expect(Math.abs(Number(hook.received[0]!.headers['x-genesis-timestamp']) - Date.now() / 1000)).toBeLessThan(60);
  // The log notifier wrote one structured line per delivered attempt.
  expect(logger.lines.filter((l) => l.message === 'follow-up' && l.fields.concernId === fine[0]!.id)).toHaveLength(1);
  // Visible: the runtime status lists it among the dead tasks.
  expect((await genesis.runtimeStatus()).dead.map((t) => t.id)).toContain(dead!.id);
});

test('a webhook that does not answer in time fails the attempt (timeout), not the daemon', async () => {
  server = createServer(() => undefined); // never answers
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', () => resolve()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slow`;
  const genesis = await open({
    followUps: { maxAttempts: 1, notifiers: { conversation: false, webhook: { url, secret: SECRET, timeoutMs: 200 } } },
  });
  const mind = await genesis.createMind({ name: 'Slow' });
  await mind.concerns.create({
    type: 'task',
    description: 'slow hook',
    followUpAt: Date.now() - 1000,
    urgency: 'critical',
  });
  await start(genesis);
  await until(async () => (await mind.tasks.counts()).dead === 1, 'the timed-out follow-up is dead');
  const [dead] = (await mind.tasks.list({ status: 'dead', limit: 1 })).items;
  expect(dead!.lastError).toMatch(/did not answer within 200 ms/);
  expect(await followUpMessages(mind)).toHaveLength(0); // conversation notifier off
  server.closeAllConnections();
});

test('followUps.enabled false: the daemon fires nothing', async () => {
  const genesis = await open({ followUps: { enabled: false } });
  const mind = await genesis.createMind({ name: 'Quiet' });
  const concern = await mind.concerns.create({
    type: 'task',
    description: 'not now',
    followUpAt: Date.now() - 1000,
    urgency: 'critical',
  });
  const daemon = await start(genesis);
  expect((await daemon.status()).handlers).toContain(FOLLOW_UP_TASK);
  await sleep(300); // fifteen polls
  expect(await mind.concerns.fires(concern.id)).toEqual([]);
  expect(await followUpMessages(mind)).toHaveLength(0);
});
