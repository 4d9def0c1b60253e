'use strict';

/**
 * The watchdog of a home's local Chroma server (started by src/chroma-server.ts, never by hand):
 *
 *   node chroma-watchdog.js '<json: { ownerPid, command, args, logFile, pollMs?, graceMs? }>'
 *
 * It starts the server (`command args…`) as its own child, reports `{"pid":<server pid>}` on
 * stdout, and stops the server — then exits — as soon as the owning process is gone: the pipe on
 * its stdin (held by the owner) reaches end-of-file, or every `pollMs` the owner pid no longer
 * runs (a zombie counts as gone). So the server never outlives its owner, even one killed with
 * SIGKILL. SIGTERM/SIGINT/SIGHUP stop it the same way (the owner's close). It exits with the
 * server's exit code when the server exits on its own.
 */
const { spawn } = require('node:child_process');
const { closeSync, openSync, readFileSync } = require('node:fs');

const config = JSON.parse(process.argv[2] || '{}');
const ownerPid = Number(config.ownerPid);
const pollMs = Number(config.pollMs) > 0 ? Number(config.pollMs) : 500;
const graceMs = Number(config.graceMs) > 0 ? Number(config.graceMs) : 2000;

function log(message) {
  process.stderr.write(`[chroma-watchdog ${process.pid}] ${new Date().toISOString()} ${message}\n`);
}

/** True while `pid` runs: signal 0 reaches it and (on Linux) it is not a zombie. */
function running(pid) {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if (error.code !== 'EPERM') return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch (_unreadable) {
    return true; // no /proc (macOS) or a race with its exit: signal 0 already answered
  }
}

if (!Number.isInteger(ownerPid) || ownerPid <= 0 || typeof config.command !== 'string' || !Array.isArray(config.args)) {
  log(`bad configuration: ${process.argv[2]}`);
  process.exit(2);
}

const out = config.logFile ? openSync(config.logFile, 'a') : 'ignore';
const server = spawn(config.command, config.args, { stdio: ['ignore', out, out] });
if (typeof out === 'number') closeSync(out);

let stopping = false;
let exitCode = null;

server.once('error', (error) => {
  log(`cannot start the server: ${error.message}`);
  process.exit(1);
});
server.once('exit', (code, signal) => {
  exitCode = code === null ? (signal === 'SIGTERM' || signal === 'SIGKILL' ? 0 : 1) : code;
  if (!stopping) log(`server ${server.pid} exited on its own (code ${code}, signal ${signal})`);
  process.exit(exitCode);
});

function stop(reason) {
  if (stopping || exitCode !== null) return;
  stopping = true;
  log(`stopping server ${server.pid}: ${reason}`);
  server.kill('SIGTERM');
  setTimeout(() => {
    if (exitCode === null) {
      log(`server ${server.pid} ignored SIGTERM for ${graceMs} ms: SIGKILL`);
      server.kill('SIGKILL');
    }
  }, graceMs).unref();
}

if (server.pid !== undefined) process.stdout.write(`${JSON.stringify({ pid: server.pid })}\n`);

// The owner holds the other end of this pipe: end-of-file means it is gone.
process.stdin.on('data', () => undefined);
process.stdin.once('end', () => stop(`owner ${ownerPid} closed its pipe`));
process.stdin.once('error', (error) => stop(`owner pipe failed: ${error.message}`));
// Stdout is read once by the owner; a write after it closed must not kill the watchdog.
process.stdout.on('error', () => undefined);

for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.once(signal, () => stop(signal));

setInterval(() => {
  if (!running(ownerPid)) stop(`owner ${ownerPid} is gone`);
}, pollMs);
