import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { FileLock, processAlive as alive } from '@genesis/mind-core';
import { MemoryTierError } from './errors';

/** Where the embedded Chroma server of a Genesis home keeps its data: `<home>/data/chroma`. */
export function chromaDataDir(home: string): string {
  return join(home, 'data', 'chroma');
}

export interface ChromaServerInfo {
  pid: number;
  port: number;
  url: string;
  dataDir: string;
  startedAt: string;
}

export interface ChromaServerHandle {
  url: string;
  /** True when this process started the server (and so stops it on close). */
  started: boolean;
  pid: number | null;
  close(): Promise<void>;
}

/** Server file next to the data folder: which process serves it, on which port. */
export const serverFilePath = (dataDir: string): string => join(dirname(dataDir), 'chroma.server.json');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function heartbeat(url: string, timeoutMs = 1000): Promise<boolean> {
  try {
    const res = await fetch(`${url}/api/v2/heartbeat`, { signal: AbortSignal.timeout(timeoutMs) });
    return res.ok;
  } catch {
    return false; // no answer (refused, timed out) is what this function reports
  }
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

export interface StartOptions {
  dataDir: string;
  /** How long to wait for the heartbeat. Default 30 s. */
  startupTimeoutMs?: number;
}

/**
 * Connects to the home's local Chroma server, starting one if none runs: `chroma run --path
 * <dataDir> --port <free port>` on 127.0.0.1. A server started by another process on the same
 * folder is reused (server file verified by pid and heartbeat); a server file left by a crashed
 * process is replaced. The server is stopped on close only by the process that started it.
 */
export async function startEmbeddedChroma(options: StartOptions): Promise<ChromaServerHandle> {
  const { dataDir } = options;
  const file = serverFilePath(dataDir);
  mkdirSync(dataDir, { recursive: true });
  // One process at a time decides whether to start the server (a dead holder's lock is taken at once).
  const release = await new FileLock(`${file}.lock`, {
    timeoutMs: (options.startupTimeoutMs ?? 30_000) + 30_000,
    code: 'CHROMA_START_TIMEOUT',
    hint: 'Another process is starting the Chroma server of this home.',
  }).acquire();
  try {
    const existing = readServerFile(file);
    if (existing && existing.dataDir === dataDir && alive(existing.pid) && (await heartbeat(existing.url))) {
      return { url: existing.url, started: false, pid: existing.pid, close: async () => undefined };
    }
    if (existing) rmSync(file, { force: true }); // stale: its process is gone or does not answer

    checkBindings();
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const logFile = join(dirname(dataDir), 'chroma.log');
    const log = openSync(logFile, 'a');
    const child = spawn(
      process.execPath,
      [chromaCli(), 'run', '--path', dataDir, '--port', String(port), '--host', '127.0.0.1'],
      {
        stdio: ['ignore', log, log],
        detached: true,
      },
    );
    closeSync(log);
    child.unref();
    let exited: number | null = null;
    child.once('exit', (code) => (exited = code ?? -1));

    const deadline = Date.now() + (options.startupTimeoutMs ?? 30_000);
    while (!(await heartbeat(url, 500))) {
      if (exited !== null) {
        const tail = readFileSync(logFile, 'utf8').split('\n').slice(-5).join(' ').trim();
        throw new MemoryTierError(
          'CHROMA_UNAVAILABLE',
          `The Chroma server for ${dataDir} exited (code ${exited}) before answering: ${tail} (log: ${logFile})`,
        );
      }
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new MemoryTierError(
          'CHROMA_START_TIMEOUT',
          `The Chroma server for ${dataDir} did not answer its heartbeat on ${url} within ${options.startupTimeoutMs ?? 30_000} ms (log: ${logFile})`,
        );
      }
      await sleep(100);
    }
    const info: ChromaServerInfo = { pid: child.pid!, port, url, dataDir, startedAt: new Date().toISOString() };
    writeFileSync(file, JSON.stringify(info, null, 2));
    return {
      url,
      started: true,
      pid: child.pid!,
      close: async () => {
        const current = readServerFile(file);
        if (current?.pid === child.pid) rmSync(file, { force: true });
        if (exited !== null || !alive(child.pid!)) return;
        child.kill('SIGTERM');
        for (let i = 0; i < 50 && alive(child.pid!); i++) await sleep(100);
        if (alive(child.pid!)) child.kill('SIGKILL');
      },
    };
  } finally {
    await release();
  }
}
