import { DAEMON_HEAP_GROWTH_PERCENT, describeHolder, limitHeapGrowth, type DaemonOptions } from '@genesis/daemon';
import { GenesisError, processAlive, silentLogger, type TaskHandlers } from '@genesis/mind-core';
import type { Command } from 'commander';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { hostname } from 'node:os';
import type { CommandContext } from '../program';
import { parseGmidArgument, positiveIntegerOption } from '../options';
import { runtimeStatusView } from '../views';

interface StartOptions {
  all?: boolean;
  handlers?: string;
  mind?: string[];
  concurrency?: number;
  perMind?: number;
  leaseMs?: number;
  pollMs?: number;
  stopTimeout: number;
  /** absent or true: the default address; text: [HOST:]PORT; false: --no-http. */
  http?: boolean | string;
  metricsPublic?: boolean;
  rateLimit?: number;
  /** Seconds the live events of each Mind are kept (resume with Last-Event-ID). */
  eventsRetention?: number;
  /** Percent V8 lets the heap grow between full collections (0: V8's own choice). */
  heapGrowth: number;
}

/** `--http` with no value, and the quick start (`genesis daemon start`): loopback only. */
const DEFAULT_HTTP = { host: '127.0.0.1', port: 7777 };

/** `[HOST:]PORT` of `--http` (`7777`, `0.0.0.0:8080`, `[::1]:7777`). */
export function parseHttpAddress(value: boolean | string | undefined): { host: string; port: number } | null {
  if (value === false) return null;
  if (value === undefined || value === true) return DEFAULT_HTTP;
  const m = /^(?:(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):)?(\d{1,5})$/.exec(value.trim());
  const port = m ? Number(m[2]) : Number.NaN;
  if (!m || port > 65_535) {
    throw new GenesisError(
      'INVALID_INPUT',
      `--http must be [HOST:]PORT like 7777 or 127.0.0.1:7777, got ${JSON.stringify(value)}`,
      { field: '--http' },
    );
  }
  return { host: m[1]?.replace(/^\[|\]$/g, '') ?? DEFAULT_HTTP.host, port };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Task handlers from a module the user names: `{ [type]: async (context) => result }` (or its `default`). */
function loadHandlers(file: string): TaskHandlers {
  const path = resolve(file);
  let loaded: unknown;
  try {
    loaded = createRequire(__filename)(path);
  } catch (cause) {
    throw new GenesisError(
      'INVALID_INPUT',
      `--handlers ${path} cannot be loaded: ${(cause as Error).message.split('\n')[0]}`,
      { field: '--handlers', cause },
    );
  }
  const module = (loaded as { default?: unknown }).default ?? loaded;
  const entries = typeof module === 'object' && module !== null ? Object.entries(module) : [];
  const bad = entries.filter(([, handler]) => typeof handler !== 'function').map(([type]) => type);
  if (entries.length === 0 || bad.length > 0) {
    throw new GenesisError(
      'INVALID_INPUT',
      `--handlers ${path} must export { [taskType]: async (context) => result }${bad.length ? `; not functions: ${bad.join(', ')}` : ''}`,
      { field: '--handlers' },
    );
  }
  return Object.fromEntries(entries) as TaskHandlers;
}

/**
 * Each running daemon process leaves `<home>/run/daemon-<pid>.json` (host, pid, since) so that
 * `genesis daemon stop` finds it even while it holds no Mind; the file goes when it stops.
 */
function daemonFile(home: string, pid: number): string {
  return join(home, 'run', `daemon-${pid}.json`);
}

function announceDaemon(home: string): () => void {
  const file = daemonFile(home, process.pid);
  mkdirSync(join(home, 'run'), { recursive: true });
  writeFileSync(file, JSON.stringify({ host: hostname(), pid: process.pid, since: new Date().toISOString() }));
  return () => rmSync(file, { force: true });
}

/** Pids of this home's daemons alive on this machine, from their run files (stale files removed). */
function announcedDaemons(home: string): number[] {
  let names: string[];
  try {
    names = readdirSync(join(home, 'run')).filter((n) => /^daemon-\d+\.json$/.test(n));
  } catch {
    return []; // no run directory: no daemon ever started here
  }
  const pids: number[] = [];
  for (const name of names) {
    const file = join(home, 'run', name);
    let entry: { host?: unknown; pid?: unknown };
    try {
      entry = JSON.parse(readFileSync(file, 'utf8')) as typeof entry;
    } catch {
      continue; // being written or removed right now: the lease list still names its daemon
    }
    if (entry.host !== hostname() || typeof entry.pid !== 'number') continue;
    if (processAlive(entry.pid)) pids.push(entry.pid);
    else rmSync(file, { force: true });
  }
  return pids;
}

export function registerDaemonCommands({ program, io, clock, withGenesis, print, deps }: CommandContext): void {
  const daemon = program.command('daemon').description('run the 24/7 daemon of this home, see it, stop it');

  daemon
    .command('start')
    .description('run the daemon in the foreground until SIGTERM/SIGINT (JSON-line logs on stdout)')
    .option('--all', 'drive every Mind of the home not held by another daemon (the default)')
    .option(
      '--mind <gmid...>',
      'drive only these Minds; exit non-zero if one is held elsewhere',
      (v: string, all: string[] = []) => [...all, parseGmidArgument(v)],
    )
    .option('--concurrency <n>', 'tasks running at once (default 8)', positiveIntegerOption('--concurrency', 1000))
    .option('--per-mind <n>', 'tasks running at once per Mind (default 2)', positiveIntegerOption('--per-mind', 1000))
    .option(
      '--lease-ms <ms>',
      'how long leases last unless renewed (default 30000)',
      positiveIntegerOption('--lease-ms'),
    )
    .option('--poll-ms <ms>', 'how often to look for due work (default 1000)', positiveIntegerOption('--poll-ms'))
    .option('--handlers <module>', 'a CommonJS module exporting { [taskType]: async (context) => result }')
    .option(
      '--stop-timeout <s>',
      'seconds running tasks get to finish on SIGTERM (default 10)',
      positiveIntegerOption('--stop-timeout', 86_400),
      10,
    )
    .option(
      '--http [address]',
      'serve the HTTP API on [HOST:]PORT (default 127.0.0.1:7777, on unless --no-http; a non-loopback HOST needs GENESIS_API_TOKEN)',
    )
    .option('--no-http', 'no HTTP API')
    .option('--metrics-public', 'GET /metrics without a token')
    .option(
      '--events-retention <seconds>',
      'how long the live events of each Mind are kept for clients that reconnect with Last-Event-ID (default 600)',
      positiveIntegerOption('--events-retention', 7 * 86_400),
    )
    .option('--rate-limit <n>', 'HTTP requests per minute per token (default 6000; 0: no limit)', (text: string) =>
      text.trim() === '0' ? 0 : positiveIntegerOption('--rate-limit', 100_000_000)(text),
    )
    .option(
      '--heap-growth <percent>',
      `how far the heap may grow between full garbage collections, in percent of the live heap (default ${DAEMON_HEAP_GROWTH_PERCENT}: a steady RSS; 0: V8's own choice)`,
      (text: string) => (text.trim() === '0' ? 0 : positiveIntegerOption('--heap-growth', 1000)(text)),
      DAEMON_HEAP_GROWTH_PERCENT,
    )
    .action(async (opts: StartOptions, command: Command) =>
      withGenesis(
        async (genesis) => {
          if (opts.all && opts.mind)
            throw new GenesisError('INVALID_INPUT', 'give --all or --mind, not both', { field: '--mind' });
          const options: DaemonOptions = {
            minds: opts.mind ?? 'all',
            ...(opts.handlers !== undefined ? { handlers: loadHandlers(opts.handlers) } : {}),
            ...(opts.concurrency !== undefined ? { concurrency: opts.concurrency } : {}),
            ...(opts.perMind !== undefined ? { perMindConcurrency: opts.perMind } : {}),
            ...(opts.leaseMs !== undefined ? { leaseMs: opts.leaseMs } : {}),
            ...(opts.pollMs !== undefined ? { pollMs: opts.pollMs } : {}),
          };
          if (!deps.onShutdown) return (await genesis.startDaemon(options)).stop({ timeoutMs: 0 });
          limitHeapGrowth(opts.heapGrowth); // the daemon's own process: a steady RSS over months of work
          const address = parseHttpAddress(opts.http);
          // Given as --http, a busy port stops the start; on by default (the quick start), it only warns.
          const httpAsked = command.getOptionValueSource('http') === 'cli';
          const unannounce = announceDaemon(genesis.home);
          let off: (() => void) | undefined;
          let http: { close(): Promise<void> } | undefined;
          try {
            const running = await genesis.startDaemon(options);
            if (address) {
              const log = deps.daemonLogger?.(genesis.config.log.level) ?? deps.logger ?? silentLogger;
              try {
                // Loaded only here: no other command loads Fastify.
                const { serveDaemonHttp } = await import('@genesis/daemon/http');
                http = await serveDaemonHttp({
                  genesis,
                  daemon: running,
                  logger: log,
                  env: deps.env ?? process.env,
                  ...address,
                  ...(opts.metricsPublic ? { metricsPublic: true } : {}),
                  ...(opts.eventsRetention !== undefined ? { eventsRetentionMs: opts.eventsRetention * 1000 } : {}),
                  ...(opts.rateLimit !== undefined
                    ? { rateLimit: opts.rateLimit === 0 ? false : { max: opts.rateLimit, timeWindowMs: 60_000 } }
                    : {}),
                });
              } catch (error) {
                if (httpAsked || (error as NodeJS.ErrnoException).code !== 'EADDRINUSE') {
                  await running.stop({ timeoutMs: 0 });
                  throw error;
                }
                log.warn(
                  { host: address.host, port: address.port },
                  `HTTP API not started: ${address.host}:${address.port} is in use (give --http [HOST:]PORT, or --no-http)`,
                );
              }
            }
            await new Promise<void>((resolve) => {
              off = deps.onShutdown?.((_signal, count) => {
                // First signal: finish what runs (within the stop timeout); second: give it back now.
                if (count === 1) void running.stop({ timeoutMs: opts.stopTimeout * 1000 }).then(resolve, resolve);
                else running.abortRunning();
              });
            });
          } finally {
            off?.();
            await http?.close();
            unannounce();
          }
        },
        { daemon: true },
      ),
    );

  daemon
    .command('status')
    .description('Minds held (by whom), task counts, next schedules, recent dead tasks')
    .action(async () =>
      withGenesis(async (genesis) => print(runtimeStatusView(await genesis.runtimeStatus(), clock.now()))),
    );

  daemon
    .command('stop')
    .description('ask the daemons of this home running on this machine to stop (SIGTERM), and wait')
    .option(
      '--timeout <s>',
      'seconds to wait for them to exit (default 30)',
      positiveIntegerOption('--timeout', 86_400),
      30,
    )
    .action(async (opts: { timeout: number }) =>
      withGenesis(async (genesis) => {
        const now = clock.now();
        const here = hostname();
        const leases = (await genesis.runtimeStatus()).leases.filter((l) => l.expiresAt > now);
        const pids = [
          ...new Set([
            ...leases.filter((l) => l.host === here && processAlive(l.pid)).map((l) => l.pid),
            ...announcedDaemons(genesis.home),
          ]),
        ].filter((pid) => pid !== process.pid);
        const elsewhere = leases.filter((l) => l.host !== here);
        for (const l of elsewhere)
          io.err(`genesis: ${l.mindId} is driven on another machine (${describeHolder(l)}); stop it there`);
        if (pids.length === 0) {
          print({ json: { stopped: [] }, text: 'No daemon of this home runs on this machine.' });
          return;
        }
        for (const pid of pids) process.kill(pid, 'SIGTERM');
        const deadline = Date.now() + opts.timeout * 1000;
        while (pids.some(processAlive) && Date.now() < deadline) await sleep(100);
        const alive = pids.filter(processAlive);
        if (alive.length > 0) {
          throw new GenesisError(
            'DAEMON_STOPPING',
            `daemon process(es) ${alive.join(', ')} still running after ${opts.timeout} s`,
          );
        }
        print({ json: { stopped: pids }, text: `Stopped daemon process(es) ${pids.join(', ')}.` });
      }),
    );
}
