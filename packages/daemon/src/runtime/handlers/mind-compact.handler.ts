import { stat } from 'node:fs/promises';
import type { TaskHandler } from '@genesis/mind-core';

export const MIND_COMPACT_TASK = 'mind.compact';

/**
 * `mind.compact`: rewrites the Mind file when it is larger than the Mind's document written
 * compactly: an old-format file still at the Mind's path (its history was moved to SQL on load),
 * or a file edited by hand. Reports the sizes before and after; a file already compact is left
 * alone (no new revision).
 */
export const mindCompactHandler: TaskHandler = async ({ mind }) => {
  const bytesBefore = await stat(mind.file).then(
    (s) => s.size,
    () => 0,
  );
  // What save() would write: the document, with the next revision, as indented JSON.
  const compact = Buffer.byteLength(`${JSON.stringify({ ...mind.document, revision: mind.revision + 1 }, null, 2)}\n`);
  if (bytesBefore === 0 || bytesBefore <= compact)
    return { file: mind.file, rewritten: false, bytesBefore, bytesAfter: bytesBefore };
  const saved = await mind.save();
  return { file: mind.file, rewritten: true, bytesBefore, bytesAfter: saved.bytes, revision: saved.revision };
};
