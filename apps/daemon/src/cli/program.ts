import { Command, CommanderError } from 'commander';
import { openGenesis, resolveConfig, type Genesis, type GenesisConfig } from '@genesis/daemon';
import { silentLogger, systemClock, toGenesisError, type Clock, type Logger, type Mind } from '@genesis/mind-core';
import { parseGmidArgument } from './options';
import type { Io } from './io';
import type { View } from './views';
import { registerConcernCommands } from './commands/concern';
import { registerMemoryCommands } from './commands/memory';
import { registerMessageCommands } from './commands/message';
import { registerMigrateCommand } from './commands/migrate';
import { registerMindCommands } from './commands/mind';
import { registerStatsCommand } from './commands/stats';
import { registerStatusCommand } from './commands/status';
import { registerDaemonCommands } from './commands/daemon';
import { registerTaskCommands } from './commands/task';
import { registerScheduleCommands } from './commands/schedule';
import { registerConfigCommands } from './commands/config';
import { registerRetentionCommands } from './commands/retention';
import { registerRelationshipCommands } from './commands/relationship';
import { registerEnvironmentCommands } from './commands/environment';
import { registerTokenCommands } from './commands/token';

/** What the process hands the CLI. */
export interface CliDependencies {
  io: Io;
  /** The source of "now" for Genesis and for the CLI's own defaults. Default: the system clock. */
  clock?: Clock;
  /** Where Genesis logs (pino in the process). Default: silent. */
  logger?: Logger;
  /** Called once the configuration is resolved, before Genesis opens (the process applies `log.level`). */
  onConfig?(config: GenesisConfig): void;
  /** The environment the configuration is read from. Default: `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** The daemon's log: JSON lines on stdout (pretty on a terminal) at `level`. Default: `logger`. */
  daemonLogger?(level: string): Logger;
  /** Registers what to do on SIGTERM/SIGINT (with how many came); returns its removal. Default: never called. */
  onShutdown?(handler: (signal: string, count: number) => void): () => void;
}

interface GlobalOptions {
  home?: string;
  json?: boolean;
}

/** What every command group receives from the program. */
export interface CommandContext {
  program: Command;
  io: Io;
  clock: Clock;
  /** Prints a view: its JSON with `--json`, else its text. */
  print(view: View): void;
  /** Opens Genesis on the chosen home, runs `fn`, and always closes it. */
  withGenesis<T>(fn: (genesis: Genesis) => Promise<T>, options?: { migrate?: boolean; daemon?: boolean }): Promise<T>;
  /** Opens Genesis, loads the Mind `gmid`, runs `fn`, and always closes it. */
  withMind<T>(gmid: string, fn: (mind: Mind) => Promise<T>): Promise<T>;
  /** A subcommand of `parent` whose first argument is a Mind's GMID (validated). */
  mindCommand(parent: Command, name: string, description: string): Command;
  /** What the process supplied (loggers, signals). */
  deps: CliDependencies;
}

/** Builds the `genesis` command line. */
export function buildProgram(deps: CliDependencies): Command {
  const { io, clock = systemClock, logger = silentLogger, onConfig } = deps;
  const program = new Command('genesis')
    .description('Genesis: long-running AI Minds whose state stays small, indexed and crash-safe')
    .option('--home <dir>', 'Genesis home (default: $GENESIS_HOME, else ~/.genesis)')
    .option('--json', 'print one JSON document on stdout')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) });

  const globals = () => program.opts<GlobalOptions>();
  /** Opens Genesis on the chosen home (its configuration resolved once), runs `fn`, always closes it. */
  const withGenesis: CommandContext['withGenesis'] = async (fn, options = {}) => {
    const { home } = globals();
    // The CLI keeps stderr for errors: it logs warnings and worse unless configured otherwise; the
    // daemon logs its work (info) on stdout.
    const config = resolveConfig({
      overrides: home !== undefined ? { home } : {},
      defaults: { log: { level: options.daemon ? 'info' : 'warn' } },
      ...(deps.env ? { env: deps.env } : {}),
    });
    onConfig?.(config);
    const genesis = await openGenesis({
      config,
      clock,
      logger: options.daemon && deps.daemonLogger ? deps.daemonLogger(config.log.level) : logger,
      ...(options.migrate === false ? { migrate: false } : {}),
    });
    try {
      return await fn(genesis);
    } finally {
      await genesis.close();
    }
  };
  const context: CommandContext = {
    program,
    io,
    clock,
    print: (view) => io.out(globals().json ? JSON.stringify(view.json, null, 2) : view.text),
    withGenesis,
    withMind: (gmid, fn) => withGenesis(async (genesis) => fn(await genesis.loadMind(gmid))),
    deps,
    mindCommand: (parent, name, description) =>
      parent.command(name).description(description).argument('<gmid>', 'the Mind', parseGmidArgument),
  };

  for (const register of [
    registerStatusCommand,
    registerMigrateCommand,
    registerMindCommands,
    registerMessageCommands,
    registerConcernCommands,
    registerMemoryCommands,
    registerStatsCommand,
    registerDaemonCommands,
    registerTaskCommands,
    registerScheduleCommands,
    registerConfigCommands,
    registerRetentionCommands,
    registerRelationshipCommands,
    registerEnvironmentCommands,
    registerTokenCommands,
  ]) {
    register(context);
  }
  return program;
}

/**
 * Runs the CLI and returns the process exit code: 0 on success, 2 for a usage error (reported by
 * commander), 1 for any other error, reported as one line `genesis: CODE: message` on stderr.
 */
export async function runCli(argv: readonly string[], deps: CliDependencies): Promise<number> {
  const program = buildProgram(deps);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    const failure = toGenesisError(error);
    (deps.logger ?? silentLogger).debug({ err: error }, 'command failed');
    deps.io.err(`genesis: ${failure.code}: ${failure.message.split('\n')[0]}`);
    return 1;
  }
}
