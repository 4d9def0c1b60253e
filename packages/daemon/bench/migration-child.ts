/**
 * One `genesis migrate` in a process of its own, for the migration benchmark (forked by
 * migration.bench.ts with one JSON argument `{ home }`): opens the home, runs `migrateHome`, and
 * sends back the report's totals, the wall time of the migrate and the process's peak RSS
 * (`process.resourceUsage().maxRSS`: nothing else ran in this process).
 */
import { openGenesis } from '../src';
import { CountingLogger } from './support';

export interface MigrationChildResult {
  type: 'done';
  ms: number;
  /** RSS once the home is open, before the migrate (bytes). */
  rssBefore: number;
  /** Peak RSS of the process (bytes). */
  maxRss: number;
  /** Moved and already there, summed over every Mind and item. */
  moved: number;
  alreadyThere: number;
  /** Moved per item (messages, records, memories, concerns, …). */
  movedByItem: Record<string, number>;
  failedMinds: string[];
  /** Old and new file size of each Mind (bytes). */
  sizes: Record<string, { oldBytes: number; newBytes: number }>;
  warnings: number;
  errors: number;
}

const { home } = JSON.parse(process.argv[2] ?? '{}') as { home: string };

async function main(): Promise<void> {
  const logger = new CountingLogger(`migrate ${process.pid}`);
  const genesis = await openGenesis({ home, env: { GENESIS_EMBEDDINGS: 'hash' }, logger });
  try {
    const rssBefore = process.memoryUsage().rss;
    const started = performance.now();
    const report = await genesis.migrateHome();
    const ms = performance.now() - started;
    const maxRss = process.resourceUsage().maxRSS * 1024;
    const movedByItem: Record<string, number> = {};
    let moved = 0;
    let alreadyThere = 0;
    for (const mind of report.minds)
      for (const c of mind.counts) {
        movedByItem[c.item] = (movedByItem[c.item] ?? 0) + c.moved;
        moved += c.moved;
        alreadyThere += c.alreadyThere;
      }
    const result: MigrationChildResult = {
      type: 'done',
      ms,
      rssBefore,
      maxRss,
      moved,
      alreadyThere,
      movedByItem,
      failedMinds: report.minds.filter((m) => m.status === 'failed').map((m) => m.gmid),
      sizes: Object.fromEntries(report.minds.map((m) => [m.gmid, { oldBytes: m.oldBytes, newBytes: m.newBytes }])),
      warnings: logger.warnings,
      errors: logger.errors,
    };
    await new Promise<void>((resolve) => process.send!(result, undefined, {}, () => resolve()));
  } finally {
    await genesis.close();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`migration child failed: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
