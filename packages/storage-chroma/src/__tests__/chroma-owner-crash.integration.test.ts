import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tempHome } from '@genesis/mind-core/testing';
import { ChromaMemoryBackend } from '../chroma-memory-backend';
import { ChromaMemoryStore } from '../chroma-memory-store';
import { chromaDataDir, heartbeat, running, serverFilePath, serversOn, startEmbeddedChroma } from '../chroma-server';
import type { ChromaServerInfo } from '../chroma-server';

// Crash tests: a real owner process (on the BUILT package) is killed with SIGKILL, and what it
// leaves behind is checked from outside. Run `pnpm build` first.
const linuxOnly = process.platform === 'linux' ? test : test.skip;
const DIST = join(__dirname, '..', '..', 'dist', 'index.js');
const home = tempHome();
const owners: ChildProcessWithoutNullStreams[] = [];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

afterAll(async () => {
  for (const owner of owners) if (owner.exitCode === null && owner.signalCode === null) owner.kill('SIGKILL');
  // Nothing a test left behind may keep running.
  for (const pid of serversOn(home.path).concat(serversOnHome())) process.kill(pid, 'SIGKILL');
  home.cleanup();
});

function serversOnHome(): number[] {
  return ['a', 'b', 'c', 'd', 'e'].flatMap((h) => serversOn(chromaDataDir(join(home.path, h))));
}

const readInfo = (dataDir: string): ChromaServerInfo => JSON.parse(readFileSync(serverFilePath(dataDir), 'utf8'));

/** Starts a process that opens the embedded server of `dataDir` and stays alive; resolves with what it reports. */
async function startOwner(
  dataDir: string,
): Promise<{ child: ChildProcessWithoutNullStreams; url: string; pid: number }> {
  const script = `require(${JSON.stringify(DIST)}).startEmbeddedChroma({ dataDir: ${JSON.stringify(dataDir)} })
    .then((h) => { process.stdout.write(JSON.stringify({ url: h.url, pid: h.pid, started: h.started }) + '\\n'); setInterval(() => {}, 1000); })
    .catch((e) => { process.stderr.write(e.message); process.exit(1); });`;
  const child = spawn(process.execPath, ['-e', script]);
  owners.push(child);
  let out = '';
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const line = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`owner did not report within 60 s: ${err}`)), 60_000);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) {
        clearTimeout(timer);
        resolve(out.split('\n')[0]!);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`owner exited (code ${code}): ${err}`));
    });
  });
  const report = JSON.parse(line) as { url: string; pid: number; started: boolean };
  expect(report.started).toBe(true);
  return { child, url: report.url, pid: report.pid };
}

/** Milliseconds until `pid` stops running, polled every 20 ms for at most `limitMs` (then -1). */
async function msUntilGone(pid: number, since: number, limitMs = 5000): Promise<number> {
  for (let i = 0; i < limitMs / 20 && running(pid); i++) await sleep(20);
  return running(pid) ? -1 : Date.now() - since;
}

/** A process that opens the same folder: reuses the live server or starts one. */
function openFromAnotherProcess(dataDir: string): Promise<{ url: string; pid: number; started: boolean }> {
  const script = `require(${JSON.stringify(DIST)}).startEmbeddedChroma({ dataDir: ${JSON.stringify(dataDir)} })
    .then((h) => { process.stdout.write(JSON.stringify({ url: h.url, pid: h.pid, started: h.started })); return h.close(); })
    .catch((e) => { process.stderr.write(e.message); process.exit(1); });`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', script]);
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`exit ${code}`))));
  });
}

linuxOnly(
  'the server exits within seconds of its owner being SIGKILLed; the next open starts exactly one',
  async () => {
    const dataDir = chromaDataDir(join(home.path, 'a'));
    const owner = await startOwner(dataDir);
    const { watchdogPid, ownerPid } = readInfo(dataDir);
    expect(ownerPid).toBe(owner.child.pid);
    expect(await heartbeat(owner.url)).toBe(true);

    const killedAt = Date.now();
    process.kill(owner.child.pid!, 'SIGKILL');
    const ms = await msUntilGone(owner.pid, killedAt);
    console.log(`Chroma server ${owner.pid} exited ${ms} ms after its owner's SIGKILL`);
    expect(ms).toBeGreaterThanOrEqual(0);
    expect(ms).toBeLessThan(5000);
    expect(await msUntilGone(watchdogPid!, killedAt)).toBeGreaterThanOrEqual(0);
    expect(await heartbeat(owner.url)).toBe(false);

    const handle = await startEmbeddedChroma({ dataDir });
    try {
      expect(handle).toMatchObject({ started: true });
      expect(handle.pid).not.toBe(owner.pid);
      expect(readInfo(dataDir)).toMatchObject({ pid: handle.pid, url: handle.url, ownerPid: process.pid });
      expect(serversOn(dataDir)).toEqual([handle.pid]);
      // A second process reuses it instead of starting another.
      expect(await openFromAnotherProcess(dataDir)).toEqual({ url: handle.url, pid: handle.pid, started: false });
      expect(serversOn(dataDir)).toEqual([handle.pid]);
      expect(await heartbeat(handle.url)).toBe(true);
      const store = new ChromaMemoryStore({ url: handle.url });
      await store.open('GMD-2026-AAAA-0001', { provider: 'hash', dimension: 3 });
      await store.add('GMD-2026-AAAA-0001', [
        { id: 'm1', embedding: [1, 0, 0], document: 'after the crash', metadata: { n: 1 } },
      ]);
      expect(await store.count('GMD-2026-AAAA-0001')).toBe(1);
    } finally {
      await handle.close();
    }
    expect(serversOn(dataDir)).toEqual([]);
  },
);

linuxOnly.each([
  ['kept', 'b'],
  ['deleted', 'c'],
])(
  'a server left running without owner or watchdog (server file %s) is replaced, not doubled',
  async (fileState, name) => {
    const dataDir = chromaDataDir(join(home.path, name));
    const owner = await startOwner(dataDir);
    const { watchdogPid } = readInfo(dataDir);
    // The watchdog dies first, so nothing stops the server: it is left behind, still answering.
    process.kill(watchdogPid!, 'SIGKILL');
    process.kill(owner.child.pid!, 'SIGKILL');
    await sleep(1000);
    expect(running(owner.pid)).toBe(true);
    expect(await heartbeat(owner.url)).toBe(true);
    if (fileState === 'deleted') rmSync(serverFilePath(dataDir));

    const handle = await startEmbeddedChroma({ dataDir });
    try {
      expect(handle.started).toBe(true);
      expect(running(owner.pid)).toBe(false);
      expect(serversOn(dataDir)).toEqual([handle.pid]);
      expect(readInfo(dataDir).pid).toBe(handle.pid);
      expect(await heartbeat(handle.url)).toBe(true);
    } finally {
      await handle.close();
    }
  },
);

linuxOnly('a process reusing the server gets a working connection again after the owner died', async () => {
  const h = join(home.path, 'd');
  const dataDir = chromaDataDir(h);
  const owner = await startOwner(dataDir);
  const backend = new ChromaMemoryBackend({ home: h, embeddings: { provider: 'hash', dimension: 8 } });
  try {
    const { store, embedder } = await backend.connect();
    expect(await backend.serverUrl()).toBe(owner.url); // reused, not started
    const mind = 'GMD-2026-AAAA-0002';
    await store.open(mind, { provider: embedder.name, dimension: embedder.dimension });
    const [vector] = await embedder.embed(['kept across the crash']);
    await store.add(mind, [{ id: 'm1', embedding: vector!, document: 'kept across the crash', metadata: { n: 1 } }]);
    expect(await store.count(mind)).toBe(1);

    const killedAt = Date.now();
    process.kill(owner.child.pid!, 'SIGKILL');
    // Right away: the old server may still answer, or the call reconnects; either way it works.
    expect(await store.count(mind)).toBe(1);
    expect(await msUntilGone(owner.pid, killedAt)).toBeGreaterThanOrEqual(0);

    // The server is gone under it: concurrent calls fail, reconnect once (one new server), and succeed.
    const [count, got, hits] = await Promise.all([
      store.count(mind),
      store.get(mind, ['m1']),
      store.query(mind, vector!, 1),
    ]);
    expect(count).toBe(1);
    expect(got.map((r) => r.document)).toEqual(['kept across the crash']);
    expect(hits[0]?.id).toBe('m1');
    const url = await backend.serverUrl();
    expect(url).not.toBe(owner.url);
    expect(serversOn(dataDir)).toHaveLength(1);
    expect(readInfo(dataDir)).toMatchObject({ url, ownerPid: process.pid });
    await store.add(mind, [{ id: 'm2', embedding: vector!, document: 'after', metadata: { n: 2 } }]);
    expect(await store.count(mind)).toBe(2);
  } finally {
    await backend.close();
  }
  // It started the replacement, so its close stops it.
  expect(serversOn(dataDir)).toEqual([]);
});
