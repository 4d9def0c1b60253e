/**
 * What the task-queue benchmark and its child processes share: the messages they exchange, the
 * resource samples a child takes, and a logger that counts (and shows the first few) warnings.
 */
import type { Logger } from '@genesis/mind-core';

/** What a child is asked to do (its one JSON argument). */
export interface ChildArgs {
  home: string;
  /** undefined: the SQLite file of the home. */
  databaseUrl?: string;
  /** The Minds its daemon drives ('all': every free one). */
  minds: 'all' | string[];
  /** Daemon options; absent ones take the daemon's defaults. */
  concurrency?: number;
  perMindConcurrency?: number;
  leaseMs?: number;
  pollMs?: number;
  /** Sends 'done' once its handlers ran this many times. */
  expect?: number;
  /** Sends a 'ran' message (task id, Date.now()) as each handler starts. */
  reportStarts?: boolean;
  /** Takes a resource sample this often (ms) from the daemon's start to its stop. Default 1000. */
  sampleEveryMs?: number;
  /** The heap growth `genesis daemon start` sets (limitHeapGrowth); absent: V8's own choice. */
  heapGrowthPercent?: number;
}

/** One resource sample of a process: cumulative CPU time, memory, and when. */
export interface Sample {
  /** ms since the daemon started. */
  t: number;
  rss: number;
  heapUsed: number;
  /** Cumulative user + system CPU time of the process, µs. */
  cpuUs: number;
  /** Handlers run so far. */
  handled?: number;
}

export type ParentMessage = { type: 'start' } | { type: 'stop' };

export type ChildMessage =
  | { type: 'ready' }
  | { type: 'started' }
  | { type: 'ran'; id: string; at: number }
  | { type: 'done'; at: number; handled: number }
  | { type: 'stopped'; handled: number; samples: Sample[]; warnings: number; errors: number }
  | { type: 'failed'; error: string };

export function sample(since: number): Sample {
  const cpu = process.cpuUsage();
  const mem = process.memoryUsage();
  return { t: Date.now() - since, rss: mem.rss, heapUsed: mem.heapUsed, cpuUs: cpu.user + cpu.system };
}

/** Counts warnings and errors; shows the first few of each on stderr (the daemon is otherwise silent). */
export class CountingLogger implements Logger {
  warnings = 0;
  errors = 0;

  constructor(private readonly label: string) {}

  debug = (): void => undefined;
  info = (): void => undefined;
  warn = (fields: Record<string, unknown> | string, message?: string): void => {
    // Tasks are enqueued before the daemon that handles them starts: that warning is expected.
    if (message?.startsWith('no handler for task type')) return;
    if (++this.warnings <= 3) this.show('warn', fields, message);
  };
  error = (fields: Record<string, unknown> | string, message?: string): void => {
    if (++this.errors <= 3) this.show('error', fields, message);
  };
  child = (): Logger => this;

  private show(level: string, fields: Record<string, unknown> | string, message?: string): void {
    const text = typeof fields === 'string' ? fields : `${message ?? ''} ${describe(fields)}`;
    process.stderr.write(`[${this.label}] ${level}: ${text}\n`);
  }
}

function describe(fields: Record<string, unknown>): string {
  const { err, ...rest } = fields;
  const error = err instanceof Error ? ` ${err.name}: ${err.message}` : err === undefined ? '' : ` ${String(err)}`;
  return `${JSON.stringify(rest)}${error}`;
}
