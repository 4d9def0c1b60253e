import { hostname } from 'node:os';
import { join } from 'node:path';
import { CLOCK, FileLock, GenesisError, isGmid, MIND_LEASE_STORE, MindService, processAlive } from '@genesis/mind-core';
import type { ComposedGenesis } from '../composition/container';
import { backupLegacyHome, LEGACY_BACKUP_FOLDER, legacySourceFiles } from './backup';
import {
  totalsOf,
  type HomeMigrationReport,
  type MemoryCatalogueReport,
  type MigrationProgress,
  type MindMigrationReport,
} from './report';
import { legacySteps, type LegacySteps } from './steps';

export interface MigrateHomeOptions {
  /** Reads everything and reports what would move, writing nothing (no backup either). */
  dryRun?: boolean;
  /** Hears each Mind's progress (for a progress bar). */
  onProgress?: (progress: MigrationProgress) => void;
}

/**
 * `genesis migrate`: brings an earlier (Python) Genesis home across, per Mind, exactly once.
 *
 * Order: (1) the originals are backed up and checked (`backup.ts`); (2) per Mind found — in the old
 * `genesis.db` (its `python_*` tables), as a Mind file (`minds/{GMID}.json`, `.bak`) or as an old
 * Chroma store (`data/chroma/{GMID}/`) — its SQL rows, then its Mind file, then its memories move,
 * each in batches that commit in one unit of work and carry a key from their source, so a run that
 * is killed and started again, or run twice, stores every item once; (3) the Mind is loaded and saved
 * (its file under 50 KB). One Mind that fails is reported and the others go on.
 */
export async function migrateHome(
  composed: ComposedGenesis,
  meta: { database: string; schemaApplied: string[] },
  options: MigrateHomeOptions = {},
  steps: LegacySteps = legacySteps(composed),
): Promise<HomeMigrationReport> {
  const { home } = composed.config;
  const dryRun = options.dryRun === true;
  const lock = new FileLock(join(home, LEGACY_BACKUP_FOLDER, '.migrate.lock'), {
    timeoutMs: 2000,
    code: 'MIGRATE_BUSY',
    hint: `Another genesis migrate is running on ${home}; wait for it to finish.`,
  });
  const run = async (): Promise<HomeMigrationReport> => {
    const gmids = await findLegacyMinds(home, steps);
    if (gmids.length === 0)
      return {
        home,
        database: meta.database,
        dryRun,
        schemaApplied: meta.schemaApplied,
        backup: null,
        minds: [],
        totals: totalsOf([]),
        catalogue: dryRun ? [] : await catalogueMemories(composed, options),
      };
    if (!dryRun) await refuseWhileDaemonsRun(composed, gmids);
    const backup = await backupLegacyHome(home, { dryRun });
    const minds: MindMigrationReport[] = [];
    for (const [i, gmid] of gmids.entries()) {
      const progress = (step: string, done: number, total: number) =>
        options.onProgress?.({ gmid, mind: i + 1, minds: gmids.length, step, done, total });
      minds.push(await migrateMind(gmid, steps, { dryRun, progress }));
    }
    return {
      home,
      database: meta.database,
      dryRun,
      schemaApplied: meta.schemaApplied,
      backup: { dir: backup.dir, created: backup.created, files: backup.files.length, bytes: backup.bytes },
      minds,
      totals: totalsOf(minds),
      catalogue: dryRun ? [] : await catalogueMemories(composed, options),
    };
  };
  try {
    return dryRun ? await run() : await lock.run(run);
  } finally {
    await steps.close();
  }
}

async function migrateMind(
  gmid: string,
  steps: LegacySteps,
  context: { dryRun: boolean; progress: (step: string, done: number, total: number) => void },
): Promise<MindMigrationReport> {
  const report: MindMigrationReport = {
    gmid,
    name: null,
    status: 'migrated',
    counts: [],
    oldBytes: 0,
    newBytes: 0,
    movedSections: [],
    problems: [],
  };
  try {
    await steps.sqlRows(gmid, report, context);
    await steps.mindFile(gmid, report, context);
    await steps.chromaStore(gmid, report, context);
    await steps.finish(gmid, report, context);
  } catch (error) {
    report.status = 'failed';
    report.error =
      error instanceof GenesisError
        ? { code: error.code, message: error.message }
        : { code: 'INTERNAL_ERROR', message: (error as Error).message };
  }
  return report;
}

/** The GMIDs an earlier home holds: in its old tables, its Mind files and its old Chroma stores. */
export async function findLegacyMinds(home: string, steps: Pick<LegacySteps, 'sqlGmids'>): Promise<string[]> {
  const found = new Set<string>(await steps.sqlGmids());
  const files = await legacySourceFiles(home);
  for (const file of files) {
    const match = /[\\/](?:minds|data[\\/]chroma)[\\/]([^\\/]+?)(?:\.json(?:\.bak|\.tmp)?)?(?:[\\/]|$)/.exec(file);
    if (match?.[1] && isGmid(match[1])) found.add(match[1]);
  }
  return [...found].sort();
}

/** A live daemon that holds one of these Minds would race the import: migrate waits for it to stop. */
async function refuseWhileDaemonsRun(composed: ComposedGenesis, gmids: readonly string[]): Promise<void> {
  const now = composed.container.resolve(CLOCK).now();
  const wanted = new Set(gmids);
  const held = (await composed.container.resolve(MIND_LEASE_STORE).list()).filter(
    (lease) =>
      wanted.has(lease.mindId) && lease.expiresAt > now && (lease.host !== hostname() || processAlive(lease.pid)),
  );
  const first = held[0];
  if (first)
    throw new GenesisError(
      'MIGRATE_BUSY',
      `A daemon (pid ${first.pid} on ${first.host}) runs Mind ${first.mindId}${held.length > 1 ? ` and ${held.length - 1} more` : ''}: stop it (genesis daemon stop) before genesis migrate.`,
    );
}

/**
 * The memory catalogue step: every Mind's memories get their SQL catalogue rows (memories stored
 * before the catalogue existed are back-filled, interrupted writes settled). Minds whose memory tier
 * was never used are passed over without starting it.
 */
async function catalogueMemories(
  composed: ComposedGenesis,
  options: MigrateHomeOptions,
): Promise<MemoryCatalogueReport[]> {
  if (!composed.memory.mayHoldMemories()) return [];
  const service = composed.container.resolve(MindService);
  const gmids = (await service.listMinds()).map((m) => m.gmid);
  const out: MemoryCatalogueReport[] = [];
  for (const [i, gmid] of gmids.entries()) {
    try {
      const mind = await service.loadMind(gmid);
      const repair = await mind.memory.repair((done, total) =>
        options.onProgress?.({ gmid, mind: i + 1, minds: gmids.length, step: 'memory catalogue', done, total }),
      );
      out.push({ gmid, ...repair });
    } catch (error) {
      out.push({
        gmid,
        error:
          error instanceof GenesisError
            ? { code: error.code, message: error.message }
            : { code: 'INTERNAL_ERROR', message: (error as Error).message },
      });
    }
  }
  return out;
}
