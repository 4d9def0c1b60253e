import { constants } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import type { Logger } from '../ports/logger';

/** Whether something exists at `path` (any error reads as no). */
export async function pathExists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/**
 * Fsyncs a folder, so that a rename inside it survives a power loss. Some file systems cannot
 * fsync a folder: that is logged at debug and not an error (the rename itself is done).
 */
export async function syncFolder(dir: string, log: Logger): Promise<void> {
  let handle;
  try {
    handle = await open(dir, constants.O_RDONLY);
    await handle.sync();
  } catch (error) {
    log.debug({ dir, err: error }, 'folder fsync not supported');
  } finally {
    await handle?.close();
  }
}
