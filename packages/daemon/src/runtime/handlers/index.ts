import type { TaskHandlers } from '@genesis/mind-core';
import { echoHandler } from './echo.handler';
import { memoryReindexHandler } from './memory-reindex.handler';
import { mindCompactHandler } from './mind-compact.handler';

/** The task types every daemon can run. */
export const BUILT_IN_HANDLERS: TaskHandlers = {
  echo: echoHandler,
  'memory.reindex': memoryReindexHandler,
  'mind.compact': mindCompactHandler,
};

/**
 * `concern.follow-up` needs the daemon's notifier settings and the SDK user's composeFollowUp
 * hook: each daemon builds it with this factory (GenesisDaemon adds it to the built-ins).
 */
export { createFollowUpHandler, type FollowUpHandlerDependencies, type FollowUpNotifiers } from './follow-up.handler';
export { FOLLOW_UP_TASK } from '../follow-ups/follow-up-scanner';

/**
 * `retention.apply` needs the composition's RetentionService and the home's policy: the
 * composition builds it with this factory and registers it with the built-ins (TASK_HANDLERS).
 */
export {
  createRetentionApplyHandler,
  retentionSummary,
  RETENTION_APPLY_TASK,
  type RetentionHandlerDependencies,
} from './retention-apply.handler';
export { MIND_COMPACT_TASK } from './mind-compact.handler';
