import 'reflect-metadata';
import { container as rootContainer, type DependencyContainer } from 'tsyringe';
import { CLOCK, systemClock, type Clock } from '@genesis/mind-core';
import { registerSqlStorage, SqlDatabase } from '@genesis/storage-sqlite';
import { resolveDatabaseUrl, resolveHome } from './home';

export interface OpenStorageOptions {
  /** Default: GENESIS_HOME, else ~/.genesis. */
  home?: string;
  /** Default: GENESIS_DATABASE_URL, else `<home>/genesis.db`. */
  databaseUrl?: string;
  /** Apply pending migrations on open. Default true. */
  migrate?: boolean;
  clock?: Clock;
}

export interface GenesisStorage {
  home: string;
  db: SqlDatabase;
  /** A child container holding CLOCK, SQL_DATABASE and every store token of mind-core. */
  container: DependencyContainer;
  /** Names of the migrations applied while opening. */
  migrationsApplied: string[];
  close(): Promise<void>;
}

/** The composition root of the SQL tier: resolves the home, opens and migrates the database. */
export async function openGenesisStorage(options: OpenStorageOptions = {}): Promise<GenesisStorage> {
  const home = resolveHome(options.home);
  const { db, applied: migrationsApplied } = await SqlDatabase.openMigrated({
    url: resolveDatabaseUrl(home, options.databaseUrl),
    ...(options.migrate === false ? { migrate: false } : {}),
  });
  const container = rootContainer.createChildContainer();
  container.registerInstance(CLOCK, options.clock ?? systemClock);
  registerSqlStorage(container, db);
  return {
    home,
    db,
    container,
    migrationsApplied,
    async close() {
      await container.dispose();
      await db.close();
    },
  };
}
