import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { legacyMindFile, type LegacyMindShape } from '@genesis/mind-core/testing';
import { writeLegacyChromaStore, type LegacyChromaItem } from '@genesis/storage-chroma/testing';
import { writePythonHome, type PythonHome, type PythonHomeOptions } from '@genesis/storage-sqlite/testing';

/**
 * A home as the Python Genesis left it, for `genesis migrate` tests and the migration benchmark:
 * - `genesis.db` with the Python tables and rows for the SQL Minds (their files + `.bak` too);
 * - the first SQL Mind's file replaced by a plugin-heavy one (nested growing state, 100+ KB);
 * - a Mind that exists only as a file, with people, places and inline memories (`FILE_ONLY`);
 * - a truncated Mind file (`BROKEN`) and a `.tmp` a crash left beside a good file;
 * - an old per-Mind Chroma store for the first SQL Mind.
 */
export const SQL_MINDS = ['GMID-OLDH0001', 'GMID-OLDH0002', 'GMID-OLDH0003'] as const;
export const FILE_ONLY = 'GMID-OLDF0001';
export const BROKEN = 'GMID-OLDB0001';

export interface OldHomeOptions {
  rows?: PythonHomeOptions['rows'];
  /** The file-only Mind's shape (e.g. enough turns for a 50 MB file). */
  fileOnly?: LegacyMindShape;
  chromaItems?: number;
}

export interface OldHome {
  python: PythonHome;
  chroma: LegacyChromaItem[];
  /** The file-only Mind's document. */
  fileOnly: Record<string, unknown>;
  heavy: Record<string, unknown>;
}

export async function writeOldHome(home: string, options: OldHomeOptions = {}): Promise<OldHome> {
  const python = await writePythonHome(home, {
    minds: [...SQL_MINDS],
    ...(options.rows ? { rows: options.rows } : {}),
    badRows: true,
  });
  const minds = join(home, 'minds');
  mkdirSync(minds, { recursive: true });
  const [first, second] = SQL_MINDS;
  const heavy = {
    ...legacyMindFile(first, { turns: 40, transactions: 600, tasks: 150, files: 40, events: 60, configBytes: 2000 }),
    identity: { gmid: first, name: 'Heavy Mind', creator: 'someone@example.com' },
  };
  writeFileSync(join(minds, `${first}.json`), JSON.stringify(heavy, null, 2));
  writeFileSync(join(minds, `${second}.json.tmp`), '{"identity": {"gmid": "' + second + '", "na');

  const fileOnly = legacyMindFile(FILE_ONLY, {
    turns: 120,
    times: 'naive',
    people: 4,
    places: 3,
    visitorsPerPlace: 5,
    memories: 5,
    dreams: 6,
    thoughts: 8,
    ...options.fileOnly,
  });
  writeFileSync(join(minds, `${FILE_ONLY}.json`), JSON.stringify(fileOnly));
  writeFileSync(join(minds, `${BROKEN}.json`), JSON.stringify(legacyMindFile(BROKEN, { turns: 10 })).slice(0, 500));

  const chroma: LegacyChromaItem[] = Array.from({ length: options.chromaItems ?? 25 }, (_, i) => ({
    id: `old-chroma-${i}`,
    document: `an old memory number ${i} — über ${'x'.repeat(i)}`,
    metadata: {
      memory_type: i % 2 ? 'semantic' : 'episodic',
      timestamp: new Date(Date.UTC(2025, 1, 1) + i * 60_000).toISOString().slice(0, 19),
      importance: 0.5,
      user_email: 'user0@example.com',
      tags: JSON.stringify(['old', `n${i}`]),
    },
  }));
  await writeLegacyChromaStore(join(home, 'data', 'chroma'), first, chroma);
  return { python, chroma, fileOnly, heavy };
}
