import type { TaskHandlers } from '@genesis/mind-core';
import { echoHandler } from './echo.handler';
import { memoryReindexHandler } from './memory-reindex.handler';

/** The task types every daemon can run. */
export const BUILT_IN_HANDLERS: TaskHandlers = {
  echo: echoHandler,
  'memory.reindex': memoryReindexHandler,
};
