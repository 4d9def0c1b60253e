/** What `genesis migrate` did, per Mind and for the home. */
import type { CatalogRepair } from '@genesis/mind-core';

/** One kind of item of one Mind (messages, concerns, memories…): how many were read and where they went. */
export interface ItemCount {
  /** What was counted: `messages`, `concerns`, `tasks`, `records`, `memories`, `relationships`, `environments`. */
  item: string;
  /** Where they came from: `genesis.db`, the Mind file, its `.bak`, the old Chroma store. */
  source: string;
  read: number;
  /** Written by this run. */
  moved: number;
  /** Found already in place (an earlier run, or an earlier load of the Mind). */
  alreadyThere: number;
  /** Left out, each with its reason. */
  skipped: Array<{ id: string; reason: string }>;
}

export interface MindMigrationReport {
  gmid: string;
  name: string | null;
  status: 'migrated' | 'failed';
  counts: ItemCount[];
  /** Size of the old Mind file (0 when there was none) and of the compact one after. */
  oldBytes: number;
  newBytes: number;
  /** Plugin sections moved to records to keep the Mind file under 50 KB. */
  movedSections: string[];
  /** Problems met that did not stop the Mind (a leftover .tmp, an unreadable Chroma store…). */
  problems: string[];
  /** Why the Mind could not be migrated (status `failed`); the other Minds went on. */
  error?: { code: string; message: string };
}

export interface HomeMigrationReport {
  home: string;
  database: string;
  dryRun: boolean;
  /** Schema migrations applied while opening. */
  schemaApplied: string[];
  backup: { dir: string; created: boolean; files: number; bytes: number } | null;
  minds: MindMigrationReport[];
  /** Sums over every Mind. */
  totals: { read: number; moved: number; alreadyThere: number; skipped: number; failedMinds: number };
  /** The memory catalogue step, per registered Mind (empty in a dry run or when no Mind has memories). */
  catalogue: MemoryCatalogueReport[];
}

/** What the memory catalogue step did for one Mind (see `MemoryManager.repair`), or why it failed. */
export type MemoryCatalogueReport =
  ({ gmid: string } & CatalogRepair) | { gmid: string; error: { code: string; message: string } };

/** Progress of one Mind's import, for a progress bar. */
export interface MigrationProgress {
  gmid: string;
  /** Position of this Mind among the Minds found (1-based) and their count. */
  mind: number;
  minds: number;
  /** The step under way (`genesis.db`, `mind file`, `memories`, `chroma`). */
  step: string;
  done: number;
  total: number;
}

export function totalsOf(minds: readonly MindMigrationReport[]): HomeMigrationReport['totals'] {
  const totals = { read: 0, moved: 0, alreadyThere: 0, skipped: 0, failedMinds: 0 };
  for (const mind of minds) {
    if (mind.status === 'failed') totals.failedMinds++;
    for (const c of mind.counts) {
      totals.read += c.read;
      totals.moved += c.moved;
      totals.alreadyThere += c.alreadyThere;
      totals.skipped += c.skipped.length;
    }
  }
  return totals;
}
