import 'reflect-metadata';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { openGenesisStorage } from '@genesis/daemon';
import { MIND_REGISTRY } from '@genesis/mind-core';
import { StorageError } from '@genesis/storage-sqlite';

interface GlobalOptions {
  home?: string;
  json?: boolean;
}

interface Io {
  out(text: string): void;
  err(text: string): void;
}

const TABLES = ['minds', 'environments', 'relationships', 'conversation_messages', 'concerns', 'background_tasks'] as const;

function parseLimit(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 1000) throw new InvalidArgumentError('must be an integer from 1 to 1000.');
  return n;
}

function print(io: Io, json: boolean | undefined, value: unknown, human: () => string): void {
  io.out(json ? JSON.stringify(value, null, 2) : human());
}

/** Builds the `genesis` command line. */
export function buildCli(io: Io): Command {
  const program = new Command('genesis')
    .description('Genesis: long-running AI Minds whose state stays small, indexed and crash-safe')
    .option('--home <dir>', 'Genesis home (default: $GENESIS_HOME, else ~/.genesis)')
    .option('--json', 'print one JSON document on stdout')
    .showHelpAfterError('(run "genesis --help" for usage)')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) });

  const globals = () => program.opts<GlobalOptions>();

  program
    .command('migrate')
    .description('create or upgrade the SQL schema (safe to run any number of times)')
    .action(async () => {
      const { home, json } = globals();
      const storage = await openGenesisStorage({ home, migrate: false });
      try {
        const applied = await storage.db.migrate();
        const result = { home: storage.home, database: storage.db.location, applied, appliedCount: applied.length };
        print(io, json, result, () =>
          applied.length === 0
            ? `Schema of ${storage.db.location} is up to date.`
            : `Applied ${applied.length} migration(s) to ${storage.db.location}: ${applied.join(', ')}`,
        );
      } finally {
        await storage.close();
      }
    });

  program
    .command('status')
    .description('open the home (applying pending migrations) and show its database and row counts')
    .action(async () => {
      const { home, json } = globals();
      const storage = await openGenesisStorage({ home });
      const db = storage.db;
      try {
        const applied = await db.appliedMigrations();
        const rows: Record<string, number> = {};
        for (const table of TABLES) {
          const [row] = await db.all<{ n: unknown }>(`SELECT COUNT(*) AS n FROM ${table}`);
          rows[table] = Number(row?.n ?? 0);
        }
        const result = {
          home: storage.home,
          database: db.location,
          dialect: db.dialect,
          migrations: { applied, appliedNow: storage.migrationsApplied },
          rows,
        };
        print(io, json, result, () =>
          [
            `home:       ${storage.home}`,
            `database:   ${db.location} (${db.dialect})`,
            `migrations: ${applied.length} applied${storage.migrationsApplied.length ? ` (${storage.migrationsApplied.length} just now)` : ''}, schema up to date`,
            ...TABLES.map((t) => `  ${t.padEnd(22)} ${rows[t]}`),
          ].join('\n'),
        );
      } finally {
        await storage.close();
      }
    });

  const mind = program.command('mind').description('the registry of Minds');
  mind
    .command('list')
    .description('list registered Minds')
    .option('--limit <n>', 'page size (1..1000)', parseLimit, 100)
    .option('--cursor <c>', 'cursor of the next page')
    .action(async (opts: { limit: number; cursor?: string }) => {
      const { home, json } = globals();
      const limit = opts.limit;
      const storage = await openGenesisStorage({ home });
      try {
        const page = await storage.container.resolve(MIND_REGISTRY).list({ limit, cursor: opts.cursor ?? null });
        print(io, json, page, () =>
          page.items.length === 0
            ? 'No Minds yet.'
            : page.items.map((m) => `${m.gmid}  ${m.status.padEnd(8)} ${m.name}`).join('\n') +
              (page.nextCursor ? `\n(more: --cursor ${page.nextCursor})` : ''),
        );
      } finally {
        await storage.close();
      }
    });

  return program;
}

/** Runs the CLI and returns the process exit code. Errors become one line on stderr. */
export async function runCli(argv: readonly string[], io: Io): Promise<number> {
  const program = buildCli(io);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    const message = error instanceof StorageError ? `${error.code}: ${error.message}` : (error as Error).message;
    io.err(`genesis: ${message.split('\n')[0]}`);
    return 1;
  }
}
