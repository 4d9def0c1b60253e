import type { TaskHandler } from '@genesis/mind-core';

/** `memory.reindex`: re-embeds every memory of the Mind with the configured provider, reporting progress. */
export const memoryReindexHandler: TaskHandler = async ({ mind, progress }) => {
  let last = 0;
  const reindexed = await mind.memory.reindex((done, total) => {
    if (done === total || done - last >= 500) {
      last = done;
      void progress({ done, total });
    }
  });
  return { reindexed };
};
