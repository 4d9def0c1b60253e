import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/** The Genesis home: the explicit one, else GENESIS_HOME, else ~/.genesis. */
export function resolveHome(explicit?: string, env: NodeJS.ProcessEnv = process.env): string {
  const chosen = explicit ?? (env.GENESIS_HOME && env.GENESIS_HOME.trim() !== '' ? env.GENESIS_HOME : undefined);
  return resolve(chosen ?? join(homedir(), '.genesis'));
}

/** The SQL database: GENESIS_DATABASE_URL (PostgreSQL) when given, else `<home>/genesis.db`. */
export function resolveDatabaseUrl(home: string, explicit?: string, env: NodeJS.ProcessEnv = process.env): string {
  return (
    explicit ??
    (env.GENESIS_DATABASE_URL && env.GENESIS_DATABASE_URL.trim() !== ''
      ? env.GENESIS_DATABASE_URL
      : join(home, 'genesis.db'))
  );
}
