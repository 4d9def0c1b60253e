/** What the benchmarks share: PostgreSQL databases made for a run, and percentiles. */
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';

export const DEFAULT_POSTGRES = 'postgres://postgres@127.0.0.1:5432/test';

export interface PgClient {
  connect(): Promise<void>;
  query(sql: string): Promise<unknown>;
  end(): Promise<void>;
}
type PgClientClass = new (options: { connectionString: string; connectionTimeoutMillis: number }) => PgClient;

/** `pg` as the SQL tier has it (this package does not depend on it itself). */
export function pgClient(url: string): PgClient {
  const fromStorage = createRequire(require.resolve('@genesis/storage-sqlite'));
  const { Client } = fromStorage('pg') as { Client: PgClientClass };
  return new Client({ connectionString: url, connectionTimeoutMillis: 3000 });
}

/**
 * A fresh database `genesis_bench_<prefix>_…` next to the one in `url` (dropped with `drop()`), or
 * why PostgreSQL is skipped.
 */
export async function freshPostgresDatabase(
  prefix: string,
  url: string,
): Promise<{ url: string; drop(): Promise<void> } | { skipped: string }> {
  const name = `genesis_bench_${prefix}_${process.pid}_${randomBytes(3).toString('hex')}`;
  const admin = pgClient(url);
  try {
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
  } catch (error) {
    return { skipped: `PostgreSQL skipped: ${(error as Error).message}` };
  } finally {
    await admin.end().catch(() => undefined);
  }
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return {
    url: parsed.toString(),
    async drop() {
      const c = pgClient(url);
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/** The p-th percentile of ascending values (0 for none). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** A positive number from environment variable `name` (unset or empty: `fallback`). */
export function numberFrom(name: string, fallback: number): number {
  const value = Number(process.env[name] || fallback);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`);
  return value;
}
