import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { heartbeat } from '../chroma-server';

/** Starts a Chroma server the way an operator would (not through the package), for remote-mode tests. */
export async function startStandaloneChroma(
  dataDir: string,
  port: number,
): Promise<{ url: string; process: ChildProcess; stop(): Promise<void> }> {
  const cli = join(dirname(require.resolve('chromadb')), '..', 'cli.mjs');
  const child = spawn(
    process.execPath,
    [cli, 'run', '--path', dataDir, '--port', String(port), '--host', '127.0.0.1'],
    { stdio: 'ignore' },
  );
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300 && !(await heartbeat(url, 300)); i++) await new Promise((r) => setTimeout(r, 100));
  return {
    url,
    process: child,
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}
