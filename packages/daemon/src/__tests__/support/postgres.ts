import { spawnSync } from 'node:child_process';
import { dirname } from 'node:path';
import * as testEnv from '@genesis/jest-config/env';

/** The PostgreSQL server of the Postgres suites, as its admin user. */
export const POSTGRES_ADMIN_URL = testEnv.postgresUrl;

/**
 * Runs one statement as the admin user, in a child process (the `pg` driver is a dependency of
 * @genesis/storage-sqlite, not of this package; synchronous so a suite can probe at collection).
 * Null when it ran, else the reason it did not (the driver's last line).
 */
function adminSql(sql: string): string | null {
  const res = spawnSync(
    process.execPath,
    [
      '-e',
      "const {Client}=require('pg');const c=new Client({connectionString:process.argv[1],connectionTimeoutMillis:3000});" +
        'c.connect().then(()=>c.query(process.argv[2])).then(()=>c.end()).then(()=>process.exit(0),e=>{console.error(e.message);process.exit(1)})',
      POSTGRES_ADMIN_URL,
      sql,
    ],
    { cwd: dirname(require.resolve('@genesis/storage-sqlite/package.json')), encoding: 'utf8', timeout: 20_000 },
  );
  return res.status === 0
    ? null
    : ((res.stderr || res.error?.message || 'no answer').trim().split('\n').pop() ?? 'no answer');
}

/** Runs `define` when PostgreSQL answers, else skips (or fails where it is required): see @genesis/jest-config/env. */
export function withPostgres(suite: string, define: () => void): void {
  testEnv.withPostgres(
    suite,
    POSTGRES_ADMIN_URL,
    () => {
      const failed = adminSql('select 1');
      return failed === null ? { available: true } : { available: false, reason: failed };
    },
    define,
  );
}

/** Creates an empty database `<prefix>_<pid>_<time>` on the server (throws naming it when that fails). */
export function createDatabase(prefix: string): { name: string; url: string } {
  const name = `${prefix}_${process.pid}_${Date.now().toString(36)}`;
  const failed = adminSql(`CREATE DATABASE ${name}`);
  if (failed !== null) throw new Error(`CREATE DATABASE ${name}: ${failed}`);
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  return { name, url: url.toString() };
}

/** Drops the database `name`, closing its connections first; nothing when it is not there. */
export function dropDatabase(name: string): void {
  adminSql(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
}
