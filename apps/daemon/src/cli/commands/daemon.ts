import { describeHolder, type DaemonOptions } from '@genesis/daemon';
import { GenesisError, processAlive, type TaskHandlers } from '@genesis/mind-core';
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
    .action(async (opts: StartOptions) =>
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
          const unannounce = announceDaemon(genesis.home);
          let off: (() => void) | undefined;
          try {
            const running = await genesis.startDaemon(options);
            await new Promise<void>((resolve) => {
              off = deps.onShutdown?.((_signal, count) => {
                // First signal: finish what runs (within the stop timeout); second: give it back now.
                if (count === 1) void running.stop({ timeoutMs: opts.stopTimeout * 1000 }).then(resolve, resolve);
                else running.abortRunning();
              });
            });
          } finally {
            off?.();
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
