import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { Client } from 'pg';
import * as testEnv from '@genesis/jest-config/env';
import { tempHome } from '@genesis/mind-core/testing';

/** A database a suite runs against: created fresh, dropped afterwards. */
export interface TestTarget {
  name: 'sqlite' | 'postgres';
  /** Creates a new empty database and returns its URL (SQLite: a file path). */
  create(): Promise<string>;
  /** Drops every database this target created. */
  cleanup(): Promise<void>;
}

export function sqliteTarget(): TestTarget {
  const dirs: Array<ReturnType<typeof tempHome>> = [];
  return {
    name: 'sqlite',
    async create() {
      const dir = tempHome('genesis-sql-');
      dirs.push(dir);
      return join(dir.path, 'genesis.db');
    },
    async cleanup() {
      for (const dir of dirs.splice(0)) dir.cleanup();
    },
  };
}

export const POSTGRES_ADMIN_URL = testEnv.postgresUrl;

/** Runs `define` when PostgreSQL answers, else skips (or fails where it is required): see @genesis/jest-config/env. */
export function withPostgres(suite: string, define: () => void): void {
  testEnv.withPostgres(suite, POSTGRES_ADMIN_URL, probePostgres, define);
}

/**
 * Whether a PostgreSQL server answers at POSTGRES_ADMIN_URL (checked synchronously, so a suite can
 * decide at collection time whether to run or skip).
 */
export function probePostgres(): { available: true } | { available: false; reason: string } {
  const script =
    "const {Client}=require('pg');const c=new Client({connectionString:process.argv[1],connectionTimeoutMillis:3000});" +
    "c.connect().then(()=>c.query('select 1')).then(()=>c.end()).then(()=>process.exit(0),e=>{console.error(e.message);process.exit(1)})";
  const res = spawnSync(process.execPath, ['-e', script, POSTGRES_ADMIN_URL], {
    cwd: __dirname,
    encoding: 'utf8',
    timeout: 10_000,
  });
  if (res.status === 0) return { available: true };
  const reason = (res.stderr || res.error?.message || 'no answer').trim().split('\n').pop();
  return { available: false, reason: reason ?? 'no answer' };
}

export function postgresTarget(): TestTarget {
  const created: string[] = [];
  const admin = async <T>(fn: (c: Client) => Promise<T>): Promise<T> => {
    const client = new Client({ connectionString: POSTGRES_ADMIN_URL });
    await client.connect();
    try {
      return await fn(client);
    } finally {
      await client.end();
    }
  };
  return {
    name: 'postgres',
    async create() {
      const name = `genesis_t_${process.pid}_${Date.now().toString(36)}_${created.length}`;
      await admin((c) => c.query(`CREATE DATABASE ${name}`));
      created.push(name);
      const url = new URL(POSTGRES_ADMIN_URL);
      url.pathname = `/${name}`;
      return url.toString();
    },
    async cleanup() {
      const names = created.splice(0);
      if (names.length === 0) return;
      await admin(async (c) => {
        for (const name of names) await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      });
    },
  };
}
