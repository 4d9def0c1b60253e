import { z } from 'zod';
import { cursorQuery, emailSchema, limitQuery, metadataSchema, timeInput, timeQuery } from './common';

const status = z.enum(['active', 'snoozed', 'resolved', 'dismissed', 'expired']);

export const newConcernBody = z.strictObject({
  type: z.enum(['health', 'emotion', 'task', 'relationship', 'financial', 'personal']),
  description: z.string().min(1).max(10_000),
  followUpAt: timeInput.optional(),
  userEmail: emailSchema.optional(),
  severity: z.number().min(0).max(1).optional(),
  urgency: z.enum(['critical', 'high', 'normal', 'low']).optional(),
  memoryId: z.string().min(1).max(128).optional(),
  expiresAt: timeInput.optional(),
  metadata: metadataSchema.optional(),
});

export const listConcernsQuery = z.strictObject({
  status: status.optional(),
  user: emailSchema.optional().describe('Only concerns about this user (email)'),
  dueBefore: timeQuery.optional(),
  dueAfter: timeQuery.optional(),
  limit: limitQuery(50),
  cursor: cursorQuery,
});

export const resolveBody = z.strictObject({ note: z.string().max(10_000).optional() });
export const emptyBody = z.strictObject({});
export const snoozeBody = z.strictObject({ until: timeInput });

export { concernJson as concernView } from '../../views/wire';
