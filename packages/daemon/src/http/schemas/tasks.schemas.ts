import { z } from 'zod';
import { cursorQuery, limitQuery, timeInput } from './common';

export const enqueueBody = z.strictObject({
  type: z.string().min(1).max(100),
  payload: z.unknown().optional(),
  runAt: timeInput.optional(),
  priority: z.number().int().optional(),
  maxAttempts: z.number().int().min(1).max(1000).optional(),
  idempotencyKey: z.string().min(1).max(200).optional(),
  timeoutMs: z.number().int().min(1).optional(),
});

export const listTasksQuery = z.strictObject({
  status: z.enum(['pending', 'running', 'succeeded', 'failed', 'dead', 'cancelled']).optional(),
  type: z.string().min(1).max(100).optional(),
  limit: limitQuery(50),
  cursor: cursorQuery,
});

export const listSchedulesQuery = z.strictObject({ limit: limitQuery(100), cursor: cursorQuery });

export { taskJson as taskView, scheduleJson as scheduleView } from '../../views/wire';
