import type { MovedCount } from './apply';

export type { MovedCount } from './apply';

/**
 * What importing one old Mind file did (or, with `dryRun`, would do). Counts are exact: `moved`
 * is what this run inserted, `alreadyThere` what an earlier import had already stored (by source
 * key), so a second run reports everything as already there.
 */
export interface LegacyFileReport {
  gmid: string;
  /** The Mind file read (`<home>/minds/{gmid}.json`, or its `.bak` when the file is missing). */
  file: string;
  /**
   * - `imported`: the old file was imported now (or would be, with dryRun);
   * - `already-imported`: the Mind file is compact already; its original (backup) and `.bak` were
   *   checked again and anything missing added;
   * - `not-legacy`: a Mind created by this Genesis, nothing to import;
   * - `failed`: the file cannot be imported (see `problems`); it was left untouched.
   */
  status: 'imported' | 'already-imported' | 'not-legacy' | 'failed';
  dryRun: boolean;
  /** The byte-identical copy of the old file (and of its `.bak` when history came from it). */
  backupFile: string | null;
  backupOfBak: string | null;
  oldBytes: number;
  /** Size of the compact document (as written, or as it would be written). */
  newBytes: number;
  messages: MovedCount & {
    /** Messages that came from the `.bak` only (history the file had lost). */
    fromBackup: number;
    /** `.bak` messages recognised as messages of the file (counted once). */
    duplicatesInBackup: number;
  };
  records: MovedCount;
  relationships: MovedCount;
  environments: MovedCount;
  /** Inline memories: moved to the memory tier now, or still pending (memory tier unreachable, or dryRun). */
  memories: { inline: number; moved: number; pending: number };
  /** Plugin collections moved to records or stores (`plugins.gen.gen.transaction_history`), with counts. */
  movedCollections: Array<{ path: string; count: number }>;
  /** Sections moved to records to keep the document under 50 KB (dotted paths). */
  movedSections: string[];
  /** Secrets moved to the secrets file (their paths, never their values). */
  secrets: string[];
  /** Anything odd: a `.tmp` left by a crash, an unreadable `.bak`, people without an email… */
  problems: string[];
}

export const emptyCount = (): MovedCount => ({ moved: 0, alreadyThere: 0 });

export function emptyReport(gmid: string, file: string, dryRun: boolean): LegacyFileReport {
  return {
    gmid,
    file,
    status: 'imported',
    dryRun,
    backupFile: null,
    backupOfBak: null,
    oldBytes: 0,
    newBytes: 0,
    messages: { ...emptyCount(), fromBackup: 0, duplicatesInBackup: 0 },
    records: emptyCount(),
    relationships: emptyCount(),
    environments: emptyCount(),
    memories: { inline: 0, moved: 0, pending: 0 },
    movedCollections: [],
    movedSections: [],
    secrets: [],
    problems: [],
  };
}
