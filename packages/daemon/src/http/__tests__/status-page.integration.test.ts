import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser } from 'playwright-core';
import { FakeClock, RecordingLogger, tempHome } from '@genesis/mind-core/testing';
import { openGenesis, type Genesis } from '../../composition/open-genesis';
import type { GenesisDaemon } from '../../runtime/genesis-daemon';
import { createHttpServer } from '../server';
import type { HttpApp } from '../context';
import { createObservability } from '../observability';

/**
 * The status page in a real headless browser (Debian's chromium driven by playwright-core): it
 * asks for the token, shows the held Minds, the queue and a Mind's last messages, and live events
 * arrive over the SSE stream (read with fetch, the token in the header).
 */
const CHROMIUM = '/usr/bin/chromium';
const NOON = Date.UTC(2026, 0, 10, 12);
const ADMIN = 'test-admin-token-0123456789';

const run = existsSync(CHROMIUM) ? test : test.skip;
const reason = existsSync(CHROMIUM) ? '' : ` — skipped: ${CHROMIUM} is missing (apt-get install chromium)`;

let home: ReturnType<typeof tempHome>;
let genesis: Genesis | undefined;
let daemon: GenesisDaemon | undefined;
let app: HttpApp | undefined;
let browser: Browser | undefined;
let stop: (() => void) | undefined;

afterEach(async () => {
  await browser?.close();
  await app?.close();
  stop?.();
  await daemon?.stop({ timeoutMs: 1000 });
  await genesis?.close();
  home?.cleanup();
});

run(`the page takes the token, shows a Mind's messages, live events and memory search${reason}`, async () => {
  home = tempHome('genesis-page-');
  const logger = new RecordingLogger();
  const g = (genesis = await openGenesis({
    home: home.path,
    env: { GENESIS_EMBEDDINGS: 'hash' },
    logger,
    clock: new FakeClock(NOON),
  }));
  const mind = await g.createMind({ name: 'Ada' });
  await mind.conversation.addMessage({ role: 'user', content: 'hello from Ann' });
  await mind.conversation.addMessage({ role: 'assistant', content: 'hello Ann, Ada here' });
  const d = (daemon = await g.startDaemon({ pollMs: 20, leaseMs: 5_000 }));
  const { events, metrics, plugins, close } = createObservability({ genesis: g, daemon: d, logger });
  stop = close;
  app = await createHttpServer(
    { genesis: g, daemon: d, events, metrics, logger },
    { port: 0, adminToken: ADMIN, rateLimit: false, extraPlugins: plugins },
  );
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;

  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu'],
  });
  const page = await browser.newPage();
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(message.text());
  });
  page.on('response', (response) => {
    if (response.status() >= 400) problems.push(`${response.status()} ${response.url()}`);
  });

  await page.goto(`${base}/`);
  await page.locator('#login').waitFor({ state: 'visible' });
  await page.fill('#token', ADMIN);
  await page.click('#login button[type="submit"]');
  await page.locator('#login').waitFor({ state: 'hidden' });

  // The overview and the Mind's last messages.
  await page.locator('#messages li', { hasText: 'hello Ann, Ada here' }).waitFor();
  expect(await page.locator('#messages li').allTextContents()).toEqual([
    expect.stringContaining('hello from Ann'),
    expect.stringContaining('hello Ann, Ada here'),
  ]);
  await page.locator('#held li', { hasText: mind.gmid }).waitFor();
  await page.locator('#queue td', { hasText: 'pending' }).waitFor();
  expect(await page.locator('#mind').inputValue()).toBe(mind.gmid);
  await page.locator('#stream-state', { hasText: 'live' }).waitFor();

  // A live event: a follow-up fired by the daemon's scheduler, its message shown too.
  await mind.concerns.create({
    type: 'health',
    description: 'knee surgery on Friday',
    followUpAt: NOON - 1000,
    urgency: 'critical',
  });
  await page.locator('#events li[data-type="follow-up.fired"]').waitFor({ timeout: 15_000 });
  await page.locator('#messages li', { hasText: 'knee surgery' }).waitFor();

  // The connection drops; what happens meanwhile arrives once the page reconnects (Last-Event-ID).
  await page.locator('#stream-state', { hasText: 'live' }).waitFor();
  await mind.conversation.addMessage({ role: 'user', content: 'heard live before the drop' });
  await page.locator('#events li', { hasText: 'heard live before the drop' }).waitFor();
  app.server.closeAllConnections();
  await page.locator('#stream-state', { hasText: 'reconnecting' }).waitFor();
  await mind.conversation.addMessage({ role: 'user', content: 'sent while the page was away' });
  await page.locator('#events li', { hasText: 'sent while the page was away' }).waitFor({ timeout: 15_000 });
  await page.locator('#messages li', { hasText: 'sent while the page was away' }).waitFor();
  expect(await page.locator('#events li[data-type="follow-up.fired"]').count()).toBe(1);
  expect(await page.locator('#events li', { hasText: 'heard live before the drop' }).count()).toBe(1);

  // The memory search box.
  await mind.memory.addMemory({ content: 'Ann loves hiking in the Alps', memoryType: 'semantic' });
  await page.fill('#search-query', 'hiking');
  await page.click('#search button[type="submit"]');
  await page.locator('#search-results li', { hasText: 'Ann loves hiking in the Alps' }).waitFor({ timeout: 15_000 });
  await page.locator('#events li[data-type="memory.added"]').waitFor();

  // The token is kept for the tab: a reload goes straight to the page.
  await page.reload();
  await page.locator('#messages li', { hasText: 'knee surgery' }).waitFor();
  expect(await page.locator('#login').isHidden()).toBe(true);
  expect(await page.evaluate('sessionStorage.getItem("genesis.token")')).toBe(ADMIN);
  // The one console line the drop we caused leaves (Chromium reports the cut stream); nothing else.
  expect(problems.filter((p) => !p.includes('ERR_INCOMPLETE_CHUNKED_ENCODING'))).toEqual([]);
});
