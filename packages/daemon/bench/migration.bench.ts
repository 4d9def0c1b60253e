/**
 * Benchmark of `genesis migrate` on a home laid out like the Python Genesis's (`writeOldHome` of the
 * daemon's tests: three Minds with rows in the old `genesis.db` and their files + `.bak`, a
 * plugin-heavy file, a truncated file, an old Chroma store) whose file-only Mind is a ~50 MB Mind
 * file: long non-ASCII conversation history, growing plugin state (transactions, tasks, files,
 * events, experiences, roles, people, places with visitors) and inline memories.
 *
 * The migrate runs in a child process (migration-child.ts), so its peak RSS is the migrate's own
 * (`process.resourceUsage().maxRSS`); a second run in another child shows the cost of a migrate
 * with nothing left to move. Items are messages + records + memories + rows of every kind moved
 * (people, places, concerns, tasks, …); the time includes the start of the local Chroma server.
 *
 *   pnpm bench
 *   BENCH_MIGRATION_MB=10 node dist-bench/bench/migration.bench.js
 *
 * Options: BENCH_MIGRATION_MB=50 (size of the big Mind file)  BENCH_MIGRATION_MEMORIES=5000 (inline
 * memories in it)  BENCH_MIGRATION_ROWS=2000 (messages per Mind in the old genesis.db; the other
 * tables get a tenth)  BENCH_MIGRATION_SECOND=1 (0: skip the second run)
 */
import 'reflect-metadata';
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { FILE_ONLY, writeOldHome } from '../src/__tests__/support/old-home';
import type { MigrationChildResult } from './migration-child';

const numberFrom = (name: string, fallback: number, allowZero = false) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(value) || value < 0 || (!allowZero && value === 0))
    throw new Error(`${name} must be a positive number`);
  return value;
};
const MB = numberFrom('BENCH_MIGRATION_MB', 50);
const MEMORIES = Math.round(numberFrom('BENCH_MIGRATION_MEMORIES', 5000, true));
const ROWS = Math.round(numberFrom('BENCH_MIGRATION_ROWS', 2000, true));
const SECOND = numberFrom('BENCH_MIGRATION_SECOND', 1, true) > 0;
const CHILD = join(__dirname, 'migration-child.js');

const progress = (line: string) => process.stderr.write(`[migration bench] ${line}\n`);
const fmt = (n: number, digits = 1) => n.toLocaleString('en-US', { maximumFractionDigits: digits });
const mb = (bytes: number) => fmt(bytes / 1e6);

/** Bytes each kind of item adds to a `legacyMindFile` (measured on the fixture), for sizing. */
const BYTES = { turn: 720, transaction: 96, task: 91, file: 130, event: 57, memory: 110, person: 286 };

/** The big Mind's shape: plugin state and memories scale with the size, history fills the rest. */
function shape(targetBytes: number) {
  const scale = targetBytes / 50e6;
  const n = (x: number) => Math.max(1, Math.round(x * scale));
  const rest = {
    transactions: n(100_000),
    tasks: n(20_000),
    files: n(20_000),
    events: n(20_000),
    experiences: n(2_000),
    roles: n(500),
    people: n(200),
    places: n(50),
    visitorsPerPlace: 40,
    memories: MEMORIES,
    dreams: n(2_000),
    thoughts: n(5_000),
  };
  const others =
    rest.transactions * BYTES.transaction +
    rest.tasks * BYTES.task +
    rest.files * BYTES.file +
    rest.events * BYTES.event +
    rest.memories * BYTES.memory +
    rest.people * BYTES.person +
    (rest.experiences + rest.roles + rest.dreams + rest.thoughts) * 60 +
    rest.places * rest.visitorsPerPlace * 70;
  const turns = Math.max(100, Math.round((targetBytes - others) / BYTES.turn));
  return { turns, times: 'naive' as const, contentChars: 400, ...rest };
}

function runChild(home: string): Promise<MigrationChildResult> {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('GENESIS_')) env[k] = v;
  return new Promise((resolve, reject) => {
    const child = fork(CHILD, [JSON.stringify({ home })], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env,
      execArgv: [],
    });
    let result: MigrationChildResult | undefined;
    child.on('message', (m: MigrationChildResult) => (result = m));
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (result && code === 0) resolve(result);
      else reject(new Error(`migration child ${child.pid} exited (${code ?? signal}) without a result`));
    });
  });
}

async function main() {
  const home = mkdtempSync(join(tmpdir(), 'genesis-bench-migration-'));
  try {
    const built = performance.now();
    const big = shape(MB * 1e6);
    const old = await writeOldHome(home, {
      fileOnly: big,
      rows: {
        conversation_messages: ROWS,
        concerns: Math.ceil(ROWS / 10),
        background_tasks: Math.ceil(ROWS / 10),
        thoughts: Math.ceil(ROWS / 10),
        gen_transactions: Math.ceil(ROWS / 10),
      },
    });
    // Memories with non-ASCII contents, as the history has.
    const memories = (old.fileOnly.memory as { memories: Record<string, { content: string }> }).memories;
    for (const m of Object.values(memories)) m.content = `${m.content} — ünïcødé 日本語 🙂 ${'·'.repeat(40)}`;
    const file = join(home, 'minds', `${FILE_ONLY}.json`);
    writeFileSync(file, JSON.stringify(old.fileOnly));
    const fileBytes = statSync(file).size;
    const sqlRows = Object.values(old.python.rows).reduce((n, rows) => n + rows.length, 0);
    progress(
      `old home built in ${fmt((performance.now() - built) / 1000)} s: ${FILE_ONLY}.json ${mb(fileBytes)} MB ` +
        `(${fmt(big.turns, 0)} turns, ${fmt(big.transactions, 0)} transactions, ${fmt(MEMORIES, 0)} memories, …), ` +
        `${fmt(sqlRows, 0)} rows in genesis.db`,
    );

    progress('first migrate (child process)…');
    const first = await runChild(home);
    const second = SECOND ? (progress('second migrate (nothing to move)…'), await runChild(home)) : undefined;
    const sizes = first.sizes[FILE_ONLY]!;
    const items = first.moved;
    progress(`moved by item: ${JSON.stringify(first.movedByItem)}`);
    if (first.failedMinds.length > 0)
      progress(`failed Minds (the truncated file is expected): ${first.failedMinds.join(', ')}`);
    if (second && second.moved > 0) progress(`WARNING: the second run moved ${second.moved} items`);

    console.log(`\nMigration of an old home (${cpus().length} cores, Node ${process.versions.node}):`);
    console.table([
      {
        run: 'first',
        'Mind file MB': mb(fileBytes),
        'items moved': fmt(items, 0),
        'wall s': fmt(first.ms / 1000, 2),
        'items/s': fmt(items / (first.ms / 1000), 0),
        'RSS before MB': mb(first.rssBefore),
        'peak RSS MB': mb(first.maxRss),
        'file before KB': fmt(sizes.oldBytes / 1024, 0),
        'file after KB': fmt(sizes.newBytes / 1024, 1),
      },
      ...(second
        ? [
            {
              run: 'second (nothing to move)',
              'Mind file MB': mb(fileBytes),
              'items moved': fmt(second.moved, 0),
              'wall s': fmt(second.ms / 1000, 2),
              'items/s': `(${fmt(second.alreadyThere, 0)} already there)`,
              'RSS before MB': mb(second.rssBefore),
              'peak RSS MB': mb(second.maxRss),
              'file before KB': fmt(second.sizes[FILE_ONLY]!.oldBytes / 1024, 0),
              'file after KB': fmt(second.sizes[FILE_ONLY]!.newBytes / 1024, 1),
            },
          ]
        : []),
    ]);
    const warnings = first.warnings + (second?.warnings ?? 0);
    const errors = first.errors + (second?.errors ?? 0);
    if (warnings + errors > 0) progress(`${warnings} warnings, ${errors} errors in the migrate processes`);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`migration bench failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
