#!/usr/bin/env node
import 'reflect-metadata';
import { pino } from 'pino';
import { processIo } from './cli/io';
import { runCli } from './cli/program';

// JSON lines on stderr, written synchronously so nothing is lost when the process exits. The level
// comes from the configuration (GENESIS_LOG_LEVEL, the config file; the CLI's default is warn).
const logger = pino({ level: 'warn' }, pino.destination({ fd: 2, sync: true }));

runCli(process.argv.slice(2), {
  io: processIo(),
  logger,
  onConfig: (config) => {
    logger.level = config.log.level;
  },
}).then((code) => {
  process.exitCode = code;
});
