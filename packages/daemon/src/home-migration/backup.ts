import { copyFile, mkdir, readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { GenesisError, isGmid } from '@genesis/mind-core';
import { sha256 } from '@genesis/storage-sqlite';

/**
 * Before `genesis migrate` changes anything, every file it reads from an earlier Genesis home is
 * copied byte for byte to `<home>/backup/python-import/`, each copy checked against its source by
 * SHA-256, and a manifest naming each file and its digest written last (temp → rename). A backup
 * with a manifest is complete: a later run checks it instead of copying again; one without (a
 * killed copy) is made again from the start.
 *
 * `genesis.db` is not copied here: the first open of the home (any command) already kept the
 * Python file byte for byte as `backup/python-import/genesis.db` before changing it (see
 * `preserveForeignFile` in storage-sqlite); the manifest lists that copy.
 */

export const LEGACY_BACKUP_FOLDER = join('backup', 'python-import');
const MANIFEST = 'manifest.json';

export interface BackupEntry {
  /** Path relative to the home, with `/` separators. */
  path: string;
  bytes: number;
  sha256: string;
}

export interface HomeBackup {
  /** The backup folder. */
  dir: string;
  /** Made by this run (false: an earlier run's backup, verified). */
  created: boolean;
  files: BackupEntry[];
  bytes: number;
}

/** The files of an old home that the import reads: the database, the Mind files, the old Chroma stores. */
export async function legacySourceFiles(home: string): Promise<string[]> {
  const files: string[] = [];
  const minds = join(home, 'minds');
  for (const name of await names(minds)) {
    const gmid = name.replace(/\.json(\.bak|\.tmp)?$/, '');
    if (gmid !== name && isGmid(gmid) && (await isFile(join(minds, name)))) files.push(join(minds, name));
  }
  // Old per-Mind Chroma stores sit in folders named by GMID (ours never makes such a folder).
  const chroma = join(home, 'data', 'chroma');
  for (const name of await names(chroma)) {
    if (isGmid(name)) files.push(...(await walk(join(chroma, name))));
  }
  return files.sort();
}

/**
 * Makes (or checks) the backup of an old home. Throws `BACKUP_FAILED` when a copy does not match its
 * source or an earlier backup no longer matches its manifest: migrate then changes nothing.
 */
export async function backupLegacyHome(home: string, options: { dryRun?: boolean } = {}): Promise<HomeBackup> {
  const dir = join(home, LEGACY_BACKUP_FOLDER);
  const manifestFile = join(dir, MANIFEST);
  if (await isFile(manifestFile)) {
    const manifest = JSON.parse(await readFile(manifestFile, 'utf8')) as { files: BackupEntry[] };
    for (const entry of manifest.files) {
      const copy = join(dir, ...entry.path.split('/'));
      const digest = await sha256(copy).catch(() => null);
      if (digest !== entry.sha256)
        throw new GenesisError(
          'BACKUP_FAILED',
          `The backup ${copy} no longer matches its manifest (${MANIFEST}): migrate changes nothing until it is restored or the backup folder ${dir} is moved away.`,
          { field: 'backup' },
        );
    }
    return { dir, created: false, files: manifest.files, bytes: total(manifest.files) };
  }
  const sources = await legacySourceFiles(home);
  const files: BackupEntry[] = [];
  for (const name of ['genesis.db', 'genesis.db-journal']) {
    const kept = join(dir, name);
    if (await isFile(kept)) files.push({ path: name, bytes: (await stat(kept)).size, sha256: await sha256(kept) });
  }
  for (const source of sources) {
    const path = relative(home, source).split(sep).join('/');
    const digest = await sha256(source);
    const bytes = (await stat(source)).size;
    if (!options.dryRun) {
      const copy = join(dir, ...path.split('/'));
      await mkdir(dirname(copy), { recursive: true });
      await copyFile(source, copy);
      const copied = await sha256(copy);
      if (copied !== digest)
        throw new GenesisError(
          'BACKUP_FAILED',
          `The copy of ${source} in ${dir} does not match it (SHA-256 ${copied} ≠ ${digest}): is the disk full or the file being written? Nothing was migrated.`,
          { field: 'backup' },
        );
    }
    files.push({ path, bytes, sha256: digest });
  }
  if (!options.dryRun) {
    await mkdir(dir, { recursive: true });
    const temp = `${manifestFile}.tmp`;
    await writeFile(temp, `${JSON.stringify({ createdAt: new Date().toISOString(), home, files }, null, 2)}\n`);
    await rename(temp, manifestFile);
  }
  return { dir, created: !options.dryRun, files, bytes: total(files) };
}

const total = (files: BackupEntry[]) => files.reduce((n, f) => n + f.bytes, 0);

async function isFile(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isFile(),
    () => false,
  );
}

async function names(dir: string): Promise<string[]> {
  return readdir(dir).catch(() => [] as string[]);
}

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await walk(path)));
    else if (entry.isFile()) out.push(path);
  }
  return out;
}
