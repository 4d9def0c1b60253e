#!/usr/bin/env node
import 'reflect-metadata';
import { pino, type Logger as Pino } from 'pino';
import pretty from 'pino-pretty';
import { processIo } from './cli/io';
import { runCli } from './cli/program';
import { onShutdownSignal } from './process/signals';

// Commands log JSON lines on stderr, written synchronously so nothing is lost when the process
// exits. The level comes from the configuration (GENESIS_LOG_LEVEL, the config file); the CLI's
// default is warn.
const logger = pino({ level: 'warn' }, pino.destination({ fd: 2, sync: true }));

/** The daemon logs its work on stdout: JSON lines, or readable lines on a terminal. */
function daemonLogger(level: string): Pino {
  const out = process.stdout.isTTY ? pretty({ destination: 1, sync: true }) : pino.destination({ fd: 1, sync: true });
  return pino({ level }, out);
}

runCli(process.argv.slice(2), {
  io: processIo(),
  logger,
  daemonLogger,
  onShutdown: onShutdownSignal,
  onConfig: (config) => {
    logger.level = config.log.level;
  },
}).then((code) => {
  process.exitCode = code;
});
