import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer, type Socket } from 'node:net';
import { dirname, join, resolve as resolvePath } from 'node:path';
import { FileLock, processAlive, silentLogger, type Logger } from '@genesis/mind-core';
import { MemoryTierError } from './errors';

/** Where the embedded Chroma server of a Genesis home keeps its data: `<home>/data/chroma`. */
export function chromaDataDir(home: string): string {
  return join(home, 'data', 'chroma');
}

export interface ChromaServerInfo {
  /** The Chroma server process. */
  pid: number;
  port: number;
  url: string;
  dataDir: string;
  startedAt: string;
  /** The process that started the server: the server stops when it is gone. Absent in files of older versions. */
  ownerPid?: number;
  /** The watchdog between owner and server (parent of the server). */
  watchdogPid?: number;
}

export interface ChromaServerHandle {
  url: string;
  /** True when this process started the server (and so stops it on close). */
  started: boolean;
  /** The Chroma server process. */
  pid: number | null;
  close(): Promise<void>;
}

/** Server file next to the data folder: which process serves it, on which port, for which owner. */
export const serverFilePath = (dataDir: string): string => join(dirname(dataDir), 'chroma.server.json');

/**
 * The watchdog script shipped with the package (`scripts/` at the package root), found from the
 * compiled file whether it runs from `dist/` or from a nested build such as `dist-bench/src/`.
 */
export const watchdogScript = (): string => {
  for (let dir = __dirname; dir !== dirname(dir); dir = dirname(dir)) {
    const candidate = join(dir, 'scripts', 'chroma-watchdog.js');
    if (existsSync(candidate)) return candidate;
  }
  return join(__dirname, '..', 'scripts', 'chroma-watchdog.js');
};

/** How often the watchdog checks its owner, and how long it lets the server stop before SIGKILL. */
const WATCHDOG_POLL_MS = 500;
const WATCHDOG_GRACE_MS = 2000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function heartbeat(url: string, timeoutMs = 1000): Promise<boolean> {
  try {
    const res = await fetch(`${url}/api/v2/heartbeat`, { signal: AbortSignal.timeout(timeoutMs) });
    return res.ok;
  } catch {
    return false; // no answer (refused, timed out) is what this function reports
  }
}

/**
 * True while `pid` runs. A zombie (exited, not yet reaped — what an orphan becomes under an init
 * that does not reap) counts as gone; that is read from /proc on Linux.
 */
export function running(pid: number | undefined): boolean {
  if (pid === undefined || !Number.isInteger(pid) || pid <= 0 || !processAlive(pid)) return false;
  if (pid === process.pid || process.platform !== 'linux') return true;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = stat.lastIndexOf(')');
    return stat.slice(close + 2, close + 3) !== 'Z';
  } catch {
    return processAlive(pid); // gone between the two reads, or /proc unreadable: signal 0 decides
  }
}

/** The arguments of a process (Linux only; undefined elsewhere or when it is gone). */
function commandLine(pid: number): string[] | undefined {
  if (process.platform !== 'linux') return undefined;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return undefined; // the process is gone (or not ours to read): nothing to match
  }
}

/** True when these arguments are those of `chroma run --path <dataDir>`. */
function servesDataDir(args: readonly string[], dataDir: string): boolean {
  const path = args.indexOf('--path');
  return args.includes('run') && path >= 0 && args[path + 1] === dataDir;
}

/**
 * The running Chroma servers on `dataDir`, found by their command line (Linux: /proc; elsewhere
 * none can be found this way and only the server file is trusted).
 */
export function serversOn(dataDir: string): number[] {
  if (process.platform !== 'linux') return [];
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return []; // no /proc mounted: only the server file can tell
  }
  const found: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid) continue;
    const args = commandLine(pid);
    if (args && servesDataDir(args, dataDir) && running(pid)) found.push(pid);
  }
  return found;
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error; // already gone is fine
  }
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once every pid is gone (or after a bounded wait). */
async function stopAll(pids: readonly number[], graceMs = 5000): Promise<void> {
  for (const pid of pids) signal(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (pids.some(running) && Date.now() < deadline) await sleep(50);
  const stubborn = pids.filter(running);
  for (const pid of stubborn) signal(pid, 'SIGKILL');
  for (let i = 0; i < 40 && stubborn.some(running); i++) await sleep(50);
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

function readServerFile(file: string): ChromaServerInfo | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as ChromaServerInfo;
  } catch {
    return undefined; // missing or half-written: treated as no server, and replaced
  }
}

/** The installed chromadb package folder (its package.json is not exported). */
function chromaRoot(): string {
  return join(dirname(require.resolve('chromadb')), '..', '..');
}

function chromaCli(): string {
  return join(chromaRoot(), 'dist', 'cli.mjs');
}

/** Fails early, with the fix, when the native bindings the `chroma` CLI needs cannot load here. */
function checkBindings(): void {
  if (process.platform !== 'linux' || process.arch !== 'x64') return;
  try {
    // A native addon is loaded with require (there is no import of a .node file).
    createRequire(__filename)(require.resolve('chromadb-js-bindings-linux-x64-gnu', { paths: [chromaRoot()] }));
  } catch (cause) {
    throw new MemoryTierError(
      'CHROMA_BINDINGS',
      `The Chroma native bindings (chromadb-js-bindings-linux-x64-gnu) cannot load: ${(cause as Error).message.split('\n')[0]}. ` +
        'Versions from 1.0.6 on need glibc 2.38+: pin it to 1.0.5 (pnpm override, as this repository does), or run a Chroma server ' +
        'elsewhere and set GENESIS_CHROMA_URL=http://host:port.',
      { cause },
    );
  }
}

/**
 * Stops whatever still serves `dataDir` without a live owner: the server of a stale server file
 * (when it is verifiably a Chroma server on this folder) and its watchdog, and — on Linux — any
 * other `chroma run --path <dataDir>` process. Called holding the start lock, so none of them is
 * a server being started. Returns the pids stopped.
 */
async function clearLeftovers(dataDir: string, stale: ChromaServerInfo | undefined): Promise<number[]> {
  const pids = new Set(serversOn(dataDir));
  if (stale && stale.dataDir === dataDir && running(stale.pid)) {
    const args = commandLine(stale.pid);
    // Without /proc, a heartbeat on the recorded port is the evidence that the pid is that server.
    if (args ? servesDataDir(args, dataDir) : await heartbeat(stale.url, 500)) pids.add(stale.pid);
  }
  if (stale?.watchdogPid !== undefined && running(stale.watchdogPid)) {
    const args = commandLine(stale.watchdogPid);
    if (args?.some((a) => a.endsWith('chroma-watchdog.js'))) pids.add(stale.watchdogPid);
  }
  const found = [...pids];
  if (found.length > 0) await stopAll(found);
  return found;
}

/** The first line the watchdog writes: `{"pid": <server pid>}`; rejects if it exits first. */
function serverPid(watchdog: ChildProcess, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let buffer = '';
    const done = (error: Error | undefined, pid?: number) => {
      clearTimeout(timer);
      watchdog.stdout?.removeAllListeners('data');
      watchdog.off('exit', onExit);
      watchdog.stdout?.destroy(); // read once; nothing else comes this way
      if (error) reject(error);
      else resolve(pid!);
    };
    const onExit = (code: number | null) =>
      done(new Error(`the watchdog exited (code ${code}) before starting the server`));
    const timer = setTimeout(
      () => done(new Error(`the watchdog did not report the server within ${timeoutMs} ms`)),
      timeoutMs,
    );
    watchdog.once('exit', onExit);
    watchdog.stdout?.setEncoding('utf8');
    watchdog.stdout?.on('data', (chunk: string) => {
      buffer += chunk;
      const line = buffer.indexOf('\n');
      if (line < 0) return;
      try {
        done(undefined, (JSON.parse(buffer.slice(0, line)) as { pid: number }).pid);
      } catch (error) {
        done(error as Error);
      }
    });
  });
}

export interface StartOptions {
  dataDir: string;
  /** How long to wait for the heartbeat. Default 30 s. */
  startupTimeoutMs?: number;
  logger?: Logger;
}

/**
 * Connects to the home's local Chroma server, starting one if none runs: `chroma run --path
 * <dataDir> --port <free port>` on 127.0.0.1, as the child of a watchdog (scripts/chroma-watchdog.js)
 * that stops it within about a second once this process is gone — even killed with SIGKILL. So the
 * server never outlives the process that started it.
 *
 * A server started by another live process on the same folder is reused (server file verified by
 * server pid, owner pid and heartbeat); when its owner dies the server goes away, and the reuser's
 * next open starts a fresh one. A server whose owner is gone, or any other process still serving
 * the folder (Linux: found by command line), is stopped before a new one starts: one server per
 * folder. The server is stopped on close only by the process that started it.
 */
export async function startEmbeddedChroma(options: StartOptions): Promise<ChromaServerHandle> {
  // Absolute, so every process names the folder alike (in the server file and the server's command line).
  const dataDir = resolvePath(options.dataDir);
  const log = options.logger ?? silentLogger;
  const startupTimeoutMs = options.startupTimeoutMs ?? 30_000;
  const file = serverFilePath(dataDir);
  mkdirSync(dataDir, { recursive: true });
  // One process at a time decides whether to start the server (a dead holder's lock is taken at once).
  const release = await new FileLock(`${file}.lock`, {
    timeoutMs: startupTimeoutMs + 30_000,
    code: 'CHROMA_START_TIMEOUT',
    hint: 'Another process is starting the Chroma server of this home.',
  }).acquire();
  try {
    const existing = readServerFile(file);
    if (
      existing &&
      existing.dataDir === dataDir &&
      running(existing.pid) &&
      running(existing.ownerPid ?? existing.pid) &&
      (await heartbeat(existing.url))
    ) {
      return { url: existing.url, started: false, pid: existing.pid, close: async () => undefined };
    }
    if (existing) rmSync(file, { force: true }); // stale: its owner or server is gone, or it does not answer
    const stopped = await clearLeftovers(dataDir, existing);
    if (stopped.length > 0) log.info({ dataDir, pids: stopped }, 'stopped a Chroma server left without its owner');
    return await launch(dataDir, file, startupTimeoutMs, log);
  } finally {
    await release();
  }
}

async function launch(
  dataDir: string,
  file: string,
  startupTimeoutMs: number,
  log: Logger,
): Promise<ChromaServerHandle> {
  checkBindings();
  const script = watchdogScript();
  if (!existsSync(script)) {
    throw new MemoryTierError(
      'CHROMA_UNAVAILABLE',
      `The Chroma watchdog script is missing at ${script}: reinstall @genesis/storage-chroma (its "files" must include scripts/).`,
    );
  }
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const logFile = join(dirname(dataDir), 'chroma.log');
  const config = {
    ownerPid: process.pid,
    command: process.execPath,
    args: [chromaCli(), 'run', '--path', dataDir, '--port', String(port), '--host', '127.0.0.1'],
    logFile,
    pollMs: WATCHDOG_POLL_MS,
    graceMs: WATCHDOG_GRACE_MS,
  };
  const errors = openSync(logFile, 'a');
  // stdin: a pipe the watchdog watches for end-of-file (this process gone); stdout: the server pid.
  const watchdog = spawn(process.execPath, [script, JSON.stringify(config)], {
    stdio: ['pipe', 'pipe', errors],
    detached: true,
  });
  closeSync(errors);
  // Neither the watchdog nor its pipe keeps this process alive; the pipe closes when it exits.
  watchdog.unref();
  (watchdog.stdin as unknown as Socket).unref();
  let exited: number | null = null;
  watchdog.once('exit', (code) => (exited = code ?? -1));

  const stopWatchdog = async (pid: number | null) => {
    watchdog.stdin?.destroy();
    await stopAll(pid === null ? [watchdog.pid!] : [watchdog.pid!, pid], WATCHDOG_GRACE_MS + 3000);
  };

  let pid: number;
  try {
    pid = await serverPid(watchdog, 10_000);
  } catch (cause) {
    await stopWatchdog(null);
    throw new MemoryTierError(
      'CHROMA_UNAVAILABLE',
      `The Chroma server for ${dataDir} did not start: ${(cause as Error).message} (log: ${logFile})`,
      {
        cause,
      },
    );
  }

  const deadline = Date.now() + startupTimeoutMs;
  while (!(await heartbeat(url, 500))) {
    if (exited !== null) {
      const tail = readFileSync(logFile, 'utf8').split('\n').slice(-5).join(' ').trim();
      throw new MemoryTierError(
        'CHROMA_UNAVAILABLE',
        `The Chroma server for ${dataDir} exited (code ${exited}) before answering: ${tail} (log: ${logFile})`,
      );
    }
    if (Date.now() > deadline) {
      await stopWatchdog(pid);
      throw new MemoryTierError(
        'CHROMA_START_TIMEOUT',
        `The Chroma server for ${dataDir} did not answer its heartbeat on ${url} within ${startupTimeoutMs} ms (log: ${logFile})`,
      );
    }
    await sleep(100);
  }
  const info: ChromaServerInfo = {
    pid,
    port,
    url,
    dataDir,
    startedAt: new Date().toISOString(),
    ownerPid: process.pid,
    watchdogPid: watchdog.pid!,
  };
  writeFileSync(file, JSON.stringify(info, null, 2));
  log.debug({ url, pid, watchdogPid: watchdog.pid }, 'Chroma server started');
  let closed = false;
  return {
    url,
    started: true,
    pid,
    close: async () => {
      if (closed) return;
      closed = true;
      const current = readServerFile(file);
      if (current?.pid === pid) rmSync(file, { force: true });
      // The watchdog stops the server (SIGTERM, SIGKILL after its grace) and exits; both are waited for.
      await stopWatchdog(pid);
    },
  };
}
