import type { ChromaMemoryBackend } from '@genesis/storage-chroma';
import type { SqlDatabase } from '@genesis/storage-sqlite';

export interface GenesisHealth {
  /** The SQL tier answered `SELECT 1`. */
  sql: boolean;
  /** The Chroma heartbeat answered (`up`), did not (`down`), or the embedded server has not started yet. */
  chroma: 'up' | 'down' | 'not-started';
}

const TIMEOUT_MS = 2000;

/** Asks both tiers, each within 2 s; never throws. */
export async function genesisHealth(
  db: SqlDatabase,
  memory: ChromaMemoryBackend,
  configuredUrl: string | null,
): Promise<GenesisHealth> {
  const sql = within(
    db.all('SELECT 1 AS ok').then(() => true),
    false,
  );
  const chroma = (async (): Promise<GenesisHealth['chroma']> => {
    const url = (await memory.serverUrl().catch(() => null)) ?? configuredUrl;
    if (!url) return 'not-started';
    try {
      const res = await fetch(`${url.replace(/\/$/, '')}/api/v2/heartbeat`, {
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      return res.ok ? 'up' : 'down';
    } catch {
      return 'down'; // refused or timed out: that is the answer
    }
  })();
  return { sql: await sql, chroma: await chroma };
}

function within<T>(work: Promise<T>, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<T>((resolve) => (timer = setTimeout(() => resolve(fallback), TIMEOUT_MS)));
  return Promise.race([work.catch(() => fallback), timeout]).finally(() => clearTimeout(timer));
}
