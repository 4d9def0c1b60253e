import type { Clock } from '@genesis/mind-core';
import type { Io } from '../../cli/io';
import { runCli } from '../../cli/program';

/** What one run of the CLI did: its exit code and what it wrote (lines joined by newlines). */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The CLI in-process on a home, with a fixed clock and captured output (see {@link inProcessCli}). */
export interface InProcessCli {
  /** `genesis --home HOME ...args`, stdin empty. */
  run(home: string, ...args: string[]): Promise<CliResult>;
  /** The same, with `stdin` as all of its standard input. */
  runWithStdin(home: string, stdin: () => Promise<Buffer>, ...args: string[]): Promise<CliResult>;
  /** The stdout of a run that must succeed; one that does not throws with its args, code and stderr. */
  ok(home: string, ...args: string[]): Promise<string>;
  /** The parsed stdout of `genesis --home HOME --json ...args`, which must succeed. */
  json(home: string, ...args: string[]): Promise<any>;
}

/** Runs the CLI in-process (no child process, no build needed), with `clock` as its "now". */
export function inProcessCli(clock: Clock): InProcessCli {
  const runWithStdin = async (home: string, stdin: () => Promise<Buffer>, ...args: string[]): Promise<CliResult> => {
    const out: string[] = [];
    const err: string[] = [];
    const io: Io = { out: (t) => out.push(t), err: (t) => err.push(t), readStdin: stdin, progress: process.stderr };
    const code = await runCli(['--home', home, ...args], { io, clock });
    return { code, stdout: out.join('\n'), stderr: err.join('\n') };
  };
  const run = (home: string, ...args: string[]) => runWithStdin(home, async () => Buffer.alloc(0), ...args);
  const ok = async (home: string, ...args: string[]): Promise<string> => {
    const res = await run(home, ...args);
    if (res.code !== 0) throw new Error(`genesis ${args.join(' ')} failed (${res.code}): ${res.stderr}`);
    return res.stdout;
  };
  return { run, runWithStdin, ok, json: async (home, ...args) => JSON.parse(await ok(home, '--json', ...args)) };
}
