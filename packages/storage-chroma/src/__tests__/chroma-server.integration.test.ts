import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromaDataDir, heartbeat, serverFilePath, startEmbeddedChroma } from '../chroma-server';
import { openMemoryTier } from '../memory-tier';
import { tempHome } from '@genesis/mind-core/testing';
import { startStandaloneChroma } from './support';

const home = tempHome();
afterAll(() => home.cleanup());

/** Runs startEmbeddedChroma in another Node process and reports what it found. */
function fromAnotherProcess(dataDir: string): { url: string; started: boolean; pid: number | null } {
  const script = `require(${JSON.stringify(join(__dirname, '..', '..', 'dist', 'chroma-server.js'))}).startEmbeddedChroma({ dataDir: ${JSON.stringify(dataDir)} })
    .then((h) => { console.log(JSON.stringify({ url: h.url, started: h.started, pid: h.pid })); process.exit(0); })
    .catch((e) => { console.error(e.message); process.exit(1); });`;
  return JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 60_000 }));
}

test('starts a local server, a second process reuses it, and the starter stops it on close', async () => {
  const dataDir = chromaDataDir(home.path);
  const first = await startEmbeddedChroma({ dataDir });
  try {
    expect(first.started).toBe(true);
    expect(first.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(await heartbeat(first.url)).toBe(true);
    expect(JSON.parse(readFileSync(serverFilePath(dataDir), 'utf8'))).toMatchObject({
      pid: first.pid,
      url: first.url,
      dataDir,
    });

    const second = fromAnotherProcess(dataDir);
    expect(second).toEqual({ url: first.url, started: false, pid: first.pid });
    expect(await heartbeat(first.url)).toBe(true);
  } finally {
    await first.close();
  }
  expect(await heartbeat(first.url)).toBe(false);
});

test('a server file left by a crashed process is detected and replaced', async () => {
  const dataDir = chromaDataDir(join(home.path, 'crashed'));
  const dead = spawnSync(process.execPath, ['-e', 'process.pid'], { encoding: 'utf8' }).pid;
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(
    serverFilePath(dataDir),
    JSON.stringify({ pid: dead, port: 1, url: 'http://127.0.0.1:1', dataDir, startedAt: '2020-01-01T00:00:00Z' }),
  );
  const handle = await startEmbeddedChroma({ dataDir });
  try {
    expect(handle.started).toBe(true);
    expect(handle.url).not.toBe('http://127.0.0.1:1');
    expect(JSON.parse(readFileSync(serverFilePath(dataDir), 'utf8')).pid).toBe(handle.pid);
  } finally {
    await handle.close();
  }
});

test('remote mode uses a server it did not start, and leaves it running', async () => {
  const remote = await startStandaloneChroma(join(home.path, 'remote-data'), 18000 + Math.floor(Math.random() * 2000));
  try {
    const tier = await openMemoryTier({ home: join(home.path, 'remote-home'), url: remote.url });
    expect(tier.server).toBeNull();
    await tier.store.open('GMD-2026-AAAA-0001', { provider: 'hash', dimension: 3 });
    await tier.store.add('GMD-2026-AAAA-0001', [
      { id: 'a', embedding: [1, 0, 0], document: 'remote memory', metadata: { k: 'v' } },
    ]);
    expect(await tier.store.count('GMD-2026-AAAA-0001')).toBe(1);
    await tier.close();
    expect(await heartbeat(remote.url)).toBe(true);
  } finally {
    await remote.stop();
  }
  await expect(openMemoryTier({ home: home.path, url: remote.url })).rejects.toMatchObject({
    code: 'CHROMA_UNAVAILABLE',
    message: expect.stringContaining('GENESIS_CHROMA_URL'),
  });
});
