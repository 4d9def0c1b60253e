import type { TaskHandler } from '@genesis/mind-core';

/**
 * `memory.reindex`: re-embeds every memory of the Mind with the configured provider, reporting
 * progress. With payload `{ onlyIfStale: true }` (the maintenance schedule's) a Mind whose
 * memories were embedded by that provider already is left alone.
 */
export const memoryReindexHandler: TaskHandler = async ({ task, mind, progress }) => {
  const payload = task.payload as { onlyIfStale?: unknown } | null;
  const onlyIfStale = payload !== null && typeof payload === 'object' && payload.onlyIfStale === true;
  let last = 0;
  const reindexed = await mind.memory.reindex(
    (done, total) => {
      if (done === total || done - last >= 500) {
        last = done;
        void progress({ done, total });
      }
    },
    { onlyIfStale },
  );
  return { reindexed, ...(onlyIfStale ? { onlyIfStale } : {}) };
};
