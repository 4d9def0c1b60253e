import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile, mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { pathExists, silentLogger, type Logger } from '@genesis/mind-core';
import { StorageError } from './errors';

/**
 * Every SQLite file this Genesis creates is in WAL mode from its first write (byte 18 of the header
 * is 2). A file that exists in rollback-journal mode (byte 18 is 1) was written by something else —
 * the Python Genesis used SQLite's default — and opening it here changes it (WAL mode, tables
 * moved aside). So before the first open it is copied byte for byte to `copyTo`, with its hot
 * journal if a crash left one, and the copy is checked by SHA-256. Does nothing for our own files,
 * for a missing or empty file, or when the copy exists already.
 */
export async function preserveForeignFile(
  file: string,
  copyTo: string,
  logger: Logger = silentLogger,
): Promise<{ copied: boolean; sha256?: string }> {
  if (!(await isForeignSqliteFile(file))) return { copied: false };
  if (await pathExists(copyTo)) return { copied: false };
  await mkdir(dirname(copyTo), { recursive: true, mode: 0o700 });
  for (const suffix of ['-journal', '']) {
    const source = `${file}${suffix}`;
    if (suffix !== '' && !(await pathExists(source))) continue;
    const target = `${copyTo}${suffix}`;
    const temp = `${target}.${process.pid}.tmp`;
    try {
      await copyFile(source, temp);
      const [a, b] = await Promise.all([sha256(source), sha256(temp)]);
      if (a !== b) throw new Error(`the copy does not match (SHA-256 ${b} ≠ ${a})`);
      await rename(temp, target);
    } catch (cause) {
      await rm(temp, { force: true });
      throw new StorageError(
        'DATABASE_UNAVAILABLE',
        `${file} was written by another program (an earlier Genesis?) and is kept as it is before Genesis opens it, but copying it to ${target} failed: ${(cause as Error).message}. Nothing was changed.`,
        { cause },
      );
    }
  }
  const digest = await sha256(copyTo);
  logger.warn(
    { file, copy: copyTo },
    'a database written by another program: a byte-identical copy was kept before opening it',
  );
  return { copied: true, sha256: digest };
}

/** A SQLite file in rollback-journal mode: not one this Genesis made. */
export async function isForeignSqliteFile(file: string): Promise<boolean> {
  let handle;
  try {
    handle = await open(file, 'r');
    const header = Buffer.alloc(20);
    const { bytesRead } = await handle.read(header, 0, 20, 0);
    return bytesRead === 20 && header.toString('latin1', 0, 15) === 'SQLite format 3' && header[18] === 1;
  } catch {
    return false;
  } finally {
    await handle?.close();
  }
}

/** SHA-256 of a file's bytes (hex), read as a stream. */
export async function sha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
