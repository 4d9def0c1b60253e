/**
 * A daemon in a process of its own, for the task-queue benchmark (forked by tasks.bench.ts with one
 * JSON argument, see ChildArgs): opens the home, says 'ready'; on 'start' runs a daemon with a no-op
 * handler and samples its CPU and memory; on 'stop' stops it gracefully and reports.
 */
import { limitHeapGrowth, openGenesis } from '../src';
import { CountingLogger, sample, type ChildArgs, type ChildMessage, type ParentMessage, type Sample } from './support';

const args = JSON.parse(process.argv[2] ?? '{}') as ChildArgs;
const send = (message: ChildMessage) =>
  new Promise<void>((resolve) => {
    if (!process.send) resolve();
    else process.send(message, undefined, {}, () => resolve());
  });

async function main(): Promise<void> {
  const logger = new CountingLogger(`child ${process.pid}`);
  const genesis = await openGenesis({
    home: args.home,
    ...(args.databaseUrl ? { databaseUrl: args.databaseUrl } : {}),
    env: { GENESIS_EMBEDDINGS: 'hash' },
    logger,
  });
  let handled = 0;
  let startedAt = 0;
  const samples: Sample[] = [];
  let sampler: NodeJS.Timeout | undefined;
  let daemon: Awaited<ReturnType<typeof genesis.startDaemon>> | undefined;

  const start = async () => {
    if (args.heapGrowthPercent !== undefined) limitHeapGrowth(args.heapGrowthPercent);
    daemon = await genesis.startDaemon({
      minds: args.minds,
      handlers: {
        noop: async ({ task }) => {
          if (args.reportStarts) void send({ type: 'ran', id: task.id, at: Date.now() });
          if (++handled === args.expect) void send({ type: 'done', at: Date.now(), handled });
          return null;
        },
      },
      ...(args.concurrency ? { concurrency: args.concurrency } : {}),
      ...(args.perMindConcurrency ? { perMindConcurrency: args.perMindConcurrency } : {}),
      ...(args.leaseMs ? { leaseMs: args.leaseMs } : {}),
      ...(args.pollMs ? { pollMs: args.pollMs } : {}),
    });
    startedAt = Date.now();
    const take = () => samples.push({ ...sample(startedAt), handled });
    take();
    sampler = setInterval(take, args.sampleEveryMs ?? 1000);
    await send({ type: 'started' });
  };

  const stop = async () => {
    if (sampler) clearInterval(sampler);
    samples.push({ ...sample(startedAt), handled });
    await daemon?.stop({ timeoutMs: 10_000 });
    await genesis.close();
    await send({ type: 'stopped', handled, samples, warnings: logger.warnings, errors: logger.errors });
    process.disconnect?.();
  };

  process.on('message', (message: ParentMessage) => {
    const work = message.type === 'start' ? start() : stop();
    work.catch(fail);
  });
  // The benchmark went away: do not outlive it.
  process.on('disconnect', () => setTimeout(() => process.exit(0), 100).unref());
  await send({ type: 'ready' });
}

function fail(error: unknown): void {
  void send({ type: 'failed', error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  setTimeout(() => process.exit(1), 200);
}

main().catch(fail);
