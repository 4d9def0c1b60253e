import { rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  GenesisError,
  importLegacyChroma,
  importPythonRows,
  MIND_DOCUMENT_STORE,
  MindService,
  pathExists,
  UNIT_OF_WORK,
} from '@genesis/mind-core';
import type { PythonMindIdentity, PythonTableReport } from '@genesis/mind-core';
import { legacyTables, PythonRowSource, SqlDatabase } from '@genesis/storage-sqlite';
import { findLegacyChromaStores, openLegacyChromaStore } from '@genesis/storage-chroma';
import { LEGACY_BACKUP_FOLDER } from './backup';
import type { ComposedGenesis } from '../composition/container';
import type { ItemCount, MindMigrationReport } from './report';

export interface StepContext {
  dryRun: boolean;
  progress(step: string, done: number, total: number): void;
}

type Step = (gmid: string, report: MindMigrationReport, context: StepContext) => Promise<void>;

/** The parts of one Mind's import, in order; each is idempotent and commits in batches. */
export interface LegacySteps {
  /** GMIDs found in the old tables. */
  sqlGmids(): Promise<string[]>;
  /** The Mind's rows of the old `genesis.db` (its `python_*` tables). */
  sqlRows: Step;
  /** The Mind file (`minds/{GMID}.json` and its `.bak`), or a Mind made from the old `minds` row. */
  mindFile: Step;
  /** The old per-Mind Chroma store (`data/chroma/{GMID}/`). */
  chromaStore: Step;
  /** Loads the Mind and saves it: its file is compact and under 50 KB. */
  finish: Step;
  /** Closes what the steps opened (the old SQLite file of a PostgreSQL home). */
  close(): Promise<void>;
}

export function legacySteps(composed: ComposedGenesis): LegacySteps {
  const { container, config } = composed;
  const minds = container.resolve(MindService);
  const documents = container.resolve(MIND_DOCUMENT_STORE);
  let opened: SqlDatabase | null = null;
  let picked: Promise<PythonRowSource> | null = null;
  /**
   * Where the old rows are: the home's database — or, for a home that now runs on PostgreSQL, the
   * Python `genesis.db` still in the home folder (opened like any SQLite home: kept byte for byte
   * first, its tables moved aside under python_*).
   */
  const source = () =>
    (picked ??= (async () => {
      const file = join(config.home, 'genesis.db');
      if (composed.db.dialect === 'sqlite' || (await legacyTables(composed.db)).length > 0 || !(await pathExists(file)))
        return new PythonRowSource(composed.db);
      opened = (
        await SqlDatabase.openMigrated({
          url: file,
          foreignFileCopy: join(config.home, LEGACY_BACKUP_FOLDER, 'genesis.db'),
        })
      ).db;
      return new PythonRowSource(opened);
    })());
  const unitOfWork = container.resolve(UNIT_OF_WORK);
  /** The old `minds` row of each Mind (for a Mind that has rows but no file). */
  const identities = new Map<string, PythonMindIdentity | null>();
  const fileSize = (path: string) =>
    stat(path).then(
      (s) => s.size,
      () => 0,
    );
  return {
    sqlGmids: async () => (await source()).gmids(),
    async close() {
      await opened?.close();
    },
    async sqlRows(gmid, report, context) {
      const result = await importPythonRows({
        source: await source(),
        unitOfWork,
        gmid,
        dryRun: context.dryRun,
        onProgress: (done, total) => context.progress('genesis.db', done, total),
      });
      identities.set(gmid, result.identity);
      if (result.identity?.name) report.name = result.identity.name;
      for (const table of result.tables) report.counts.push(tableCount(table));
    },
    async mindFile(gmid, report, context) {
      const file = documents.pathFor(gmid);
      if (!(await pathExists(file)) && !(await pathExists(`${file}.bak`))) {
        // Rows (or an old Chroma store) but no file: the Mind is made from its old `minds` row.
        if (context.dryRun) {
          report.problems.push(
            `no Mind file: one would be made from ${identities.get(gmid) ? 'its old minds row' : 'its GMID'}`,
          );
          return;
        }
        await writeAtomically(file, `${JSON.stringify(oldFormatMind(gmid, identities.get(gmid) ?? null), null, 2)}\n`);
        report.problems.push(
          `no Mind file: made from ${identities.get(gmid) ? 'its old minds row' : 'its GMID (no minds row either)'}`,
        );
      }
      const result = await minds.importLegacyMind(gmid, {
        dryRun: context.dryRun,
        onProgress: (done, total) => context.progress('mind file', done, total),
      });
      report.oldBytes = result.oldBytes;
      report.newBytes = result.newBytes;
      report.movedSections.push(...result.movedSections);
      if (result.status === 'failed') {
        // The last problem says why; the ones before it (a .tmp, the parse error) stay as notes.
        report.problems.push(...result.problems.slice(0, -1));
        throw new GenesisError('INVALID_MIND_FILE', result.problems.at(-1) ?? `${result.file} could not be imported`, {
          field: 'file',
        });
      }
      report.problems.push(...result.problems);
      const source = result.file.endsWith('.bak') ? 'mind file .bak' : 'mind file';
      const count = (item: string, c: { moved: number; alreadyThere: number }, from = source): ItemCount => ({
        item,
        source: from,
        read: c.moved + c.alreadyThere,
        moved: c.moved,
        alreadyThere: c.alreadyThere,
        skipped: [],
      });
      report.counts.push(
        count('messages', result.messages),
        count('records', result.records),
        count('relationships', result.relationships),
        count('environments', result.environments),
      );
      const { inline, moved, pending } = result.memories;
      report.counts.push({
        item: 'memories',
        source: 'mind file',
        read: inline,
        moved: context.dryRun ? pending : moved,
        alreadyThere: Math.max(0, inline - moved - pending),
        skipped: [],
      });
      if (pending > 0 && !context.dryRun)
        report.problems.push(
          `${pending} inline memories wait for the memory tier; they move on the next load or migrate`,
        );
    },
    async chromaStore(gmid, report, context) {
      // Read from the checked backup when there is one: the originals are never opened.
      const backup = join(config.home, LEGACY_BACKUP_FOLDER, 'data', 'chroma');
      const roots = [backup, join(config.home, 'data', 'chroma')];
      let location;
      for (const root of roots) {
        location = (await findLegacyChromaStores(root)).find((s) => s.gmid === gmid);
        if (location) break;
      }
      if (!location) return;
      let store;
      try {
        store = await openLegacyChromaStore(location.dir);
      } catch (error) {
        report.problems.push(`old Chroma store not imported: ${(error as Error).message}`);
        return;
      }
      try {
        const total = store.count;
        const result = await importLegacyChroma({
          mind: context.dryRun ? null : await minds.loadMind(gmid),
          records: store.records(),
          dryRun: context.dryRun,
          onProgress: (p) => context.progress('chroma', p.read, total),
        });
        report.counts.push({
          item: 'memories',
          source: 'chroma store',
          read: result.read,
          moved: result.moved,
          alreadyThere: result.alreadyThere,
          skipped: result.skipped,
        });
        if (result.failed) report.problems.push(`old Chroma store read in part: ${result.failed.message}`);
      } finally {
        await store.close();
      }
    },
    async finish(gmid, report, context) {
      if (context.dryRun) return;
      const mind = await minds.loadMind(gmid);
      report.name = mind.name;
      await mind.save();
      report.newBytes = await fileSize(join(config.home, 'minds', `${gmid}.json`));
    },
  };
}

/** What each Python table's rows became. */
const ITEM_OF_TABLE: Record<string, string> = {
  conversation_messages: 'messages',
  concerns: 'concerns',
  background_tasks: 'tasks',
  environments: 'environments',
};

function tableCount(table: PythonTableReport): ItemCount {
  return {
    item: ITEM_OF_TABLE[table.table] ?? 'records',
    source: `genesis.db ${table.table}`,
    read: table.read,
    moved: table.moved,
    alreadyThere: table.alreadyThere,
    skipped: table.skipped,
  };
}

async function writeAtomically(file: string, text: string): Promise<void> {
  const temp = `${file}.${process.pid}.migrate`;
  await writeFile(temp, text, { mode: 0o600 });
  await rename(temp, file);
}

/** An old-format Mind made from the Mind's row of the old `minds` table (or only its GMID). */
function oldFormatMind(gmid: string, identity: PythonMindIdentity | null): Record<string, unknown> {
  const iso = (ms: number | null) => (ms === null ? undefined : new Date(ms).toISOString());
  return {
    identity: {
      ...(identity?.rest ?? {}),
      gmid,
      name: identity?.name ?? gmid,
      creator: identity?.creator ?? null,
      birth_timestamp: iso(identity?.birthAt ?? null),
      status: identity?.status ?? 'active',
      ...(identity?.lastActiveAt ? { last_active_at: iso(identity.lastActiveAt) } : {}),
    },
    emotional_state: {},
  };
}
