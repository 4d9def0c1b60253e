import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { tempHome } from '../../testing/temp-home';
import { FileMindDocumentStore } from '../file-document-store';

const GMID = 'GMD-2026-4A7F-9B23';

/** The pid of a process that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

let home: ReturnType<typeof tempHome>;
beforeEach(() => (home = tempHome()));
afterEach(() => home.cleanup());

test('a lock left by a process that died is taken at once', async () => {
  const store = new FileMindDocumentStore(home.path, { lockTimeoutMs: 5_000 });
  mkdirSync(store.location, { recursive: true });
  writeFileSync(`${store.pathFor(GMID)}.lock`, JSON.stringify({ pid: deadPid(), host: hostname(), at: Date.now() }));
  const started = Date.now();
  await store.withLock(GMID, () => store.write(GMID, '{"ok":true}\n'));
  expect(Date.now() - started).toBeLessThan(1_000);
  expect(existsSync(`${store.pathFor(GMID)}.lock`)).toBe(false);
  expect((await store.read(GMID))?.value).toEqual({ ok: true });
});

test('a lock held by a live process waits, then fails with MIND_LOCKED naming the holder', async () => {
  const store = new FileMindDocumentStore(home.path, { lockTimeoutMs: 200 });
  mkdirSync(store.location, { recursive: true });
  writeFileSync(`${store.pathFor(GMID)}.lock`, JSON.stringify({ pid: process.ppid, host: hostname(), at: Date.now() }));
  await expect(store.withLock(GMID, async () => 'never')).rejects.toMatchObject({
    code: 'MIND_LOCKED',
    message: expect.stringContaining(`process ${process.ppid}`),
  });
});

test('a lock of another host is taken once it is older than the stale period', async () => {
  const store = new FileMindDocumentStore(home.path, { lockTimeoutMs: 2_000, staleLockMs: 100 });
  mkdirSync(store.location, { recursive: true });
  writeFileSync(`${store.pathFor(GMID)}.lock`, JSON.stringify({ pid: 1, host: 'elsewhere.example', at: Date.now() }));
  await expect(store.withLock(GMID, async () => 'done')).resolves.toBe('done');
});

test('two sections of work on one Mind never overlap', async () => {
  const store = new FileMindDocumentStore(home.path);
  const events: string[] = [];
  const work = (name: string) =>
    store.withLock(GMID, async () => {
      events.push(`${name}:in`);
      await new Promise((r) => setTimeout(r, 20));
      events.push(`${name}:out`);
    });
  await Promise.all([work('a'), work('b'), work('c')]);
  for (let i = 0; i < events.length; i += 2) expect(events[i]!.split(':')[0]).toBe(events[i + 1]!.split(':')[0]);
});

test('opening a home removes temp files and locks of writers that died, and keeps everything else', async () => {
  const dead = deadPid();
  const minds = join(home.path, 'minds');
  mkdirSync(join(minds, 'backup'), { recursive: true });
  writeFileSync(join(minds, `.a1b2c3.${dead}.tmp`), 'half a file');
  writeFileSync(join(minds, 'backup', `.d4e5f6.${dead}.tmp`), 'half a backup');
  writeFileSync(join(minds, `${GMID}.json.lock`), JSON.stringify({ pid: dead, host: hostname(), at: 1 }));
  writeFileSync(join(minds, `.ffffff.${process.pid}.tmp`), 'a live writer');
  writeFileSync(join(minds, `${GMID}.json`), '{}');
  await FileMindDocumentStore.open(home.path);
  expect(readdirSync(minds).sort()).toEqual([`.ffffff.${process.pid}.tmp`, `${GMID}.json`, 'backup'].sort());
  expect(readdirSync(join(minds, 'backup'))).toEqual([]);
});

test('a file that is not JSON is named, its contents never quoted', async () => {
  const store = new FileMindDocumentStore(home.path);
  const file = join(home.path, 'passwd');
  writeFileSync(file, 'root:x:0:0:root:/root:/bin/bash\n');
  const error = await store.readFile(file).catch((e: unknown) => e as Error);
  expect(error).toMatchObject({ code: 'INVALID_MIND_FILE', message: expect.stringContaining(file) });
  expect((error as Error).message).not.toMatch(/root:x/);
});

test('a write that cannot happen is a MIND_FILE_WRITE_FAILED and leaves the old file and no temp file', async () => {
  const store = new FileMindDocumentStore(home.path);
  await store.write(GMID, '{"v":1}\n');
  mkdirSync(join(store.location, 'blocker'), { recursive: true });
  // A folder where the file should go: the rename fails.
  const blocked = new FileMindDocumentStore(home.path);
  Object.defineProperty(blocked, 'pathFor', { value: () => join(store.location, 'blocker') });
  await expect(blocked.write(GMID, '{"v":2}\n')).rejects.toMatchObject({ code: 'MIND_FILE_WRITE_FAILED' });
  expect((await store.read(GMID))?.value).toEqual({ v: 1 });
  expect(readdirSync(store.location).filter((n) => n.endsWith('.tmp'))).toEqual([]);
});
