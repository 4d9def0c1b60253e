import { z } from 'zod';
import type { StoredMessage } from '@genesis/mind-core';
import { cursorQuery, emailSchema, iso, limitQuery, metadataSchema, timeQuery } from './common';

const role = z.enum(['user', 'assistant', 'system', 'tool']);

export const newMessage = z.strictObject({
  role,
  content: z.string().min(1),
  userEmail: emailSchema.optional(),
  environmentId: z.string().min(1).max(64).optional(),
  metadata: metadataSchema.optional(),
});

/** One message, or `{ messages: [...] }` (all or nothing, one transaction). */
export const postMessagesBody = z.union([
  z.strictObject({ messages: z.array(newMessage).min(1).max(1000) }),
  newMessage,
]);

export const listMessagesQuery = z.strictObject({
  since: timeQuery.optional(),
  until: timeQuery.optional(),
  user: emailSchema.optional().describe('Only messages of this user (email)'),
  role: role.optional(),
  limit: limitQuery(50),
  cursor: cursorQuery,
});

export const contextQuery = z.strictObject({
  maxMessages: limitQuery(20),
  maxChars: z.coerce.number().int().min(1).optional(),
});

export function messageView(m: StoredMessage) {
  return {
    id: m.id,
    mindId: m.mindId,
    role: m.role,
    content: m.content,
    userEmail: m.userEmail,
    environmentId: m.environmentId,
    metadata: m.metadata,
    createdAt: iso(m.createdAt),
    archived: m.archived,
  };
}
