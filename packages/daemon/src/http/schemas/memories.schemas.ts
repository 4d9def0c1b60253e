import { z } from 'zod';
import type { MemorySearchHit } from '@genesis/mind-core';
import { emailSchema, metadataSchema, timeInput } from './common';

const memoryType = z.enum(['episodic', 'semantic', 'procedural', 'prospective', 'working']);

const memoryFields = {
  content: z.string().min(1),
  memoryType,
  timestamp: timeInput.optional(),
  emotion: z.string().max(40).optional(),
  emotionIntensity: z.number().min(0).max(1).optional(),
  importance: z.number().min(0).max(1).optional(),
  tags: z.array(z.string().max(100)).max(100).optional(),
  relatedMemoryIds: z.array(z.string().max(128)).max(100).optional(),
  userEmail: emailSchema.optional(),
  relationshipContext: z.enum(['personal', 'shared', 'generic']).optional(),
  environmentId: z.string().min(1).max(64).optional(),
  environmentName: z.string().min(1).max(200).optional(),
  metadata: metadataSchema.optional(),
};

export const newMemory = z.strictObject(memoryFields);

/** One memory, or `{ memories: [...], dedup? }` (embedded in one batch). */
export const postMemoriesBody = z.union([
  z.strictObject({ memories: z.array(newMemory).min(1).max(1000), dedup: z.boolean().optional() }),
  newMemory,
]);

export const patchMemoryBody = z
  .strictObject({
    content: memoryFields.content.optional(),
    memoryType: memoryType.optional(),
    timestamp: memoryFields.timestamp,
    emotion: memoryFields.emotion,
    emotionIntensity: memoryFields.emotionIntensity,
    importance: memoryFields.importance,
    tags: memoryFields.tags,
    relatedMemoryIds: memoryFields.relatedMemoryIds,
    userEmail: memoryFields.userEmail,
    relationshipContext: memoryFields.relationshipContext,
    environmentId: memoryFields.environmentId,
    environmentName: memoryFields.environmentName,
    metadata: memoryFields.metadata,
  })
  .refine((patch) => Object.keys(patch).length > 0, { message: 'must change at least one field' });

export const searchBody = z.strictObject({
  query: z.string().min(1).max(10_000),
  limit: z.number().int().min(1).max(1000).optional(),
  memoryType: memoryType.optional(),
  userEmail: emailSchema.optional(),
  environmentId: z.string().min(1).max(64).optional(),
  minImportance: z.number().min(0).max(1).optional(),
  since: timeInput.optional(),
  until: timeInput.optional(),
});

import { memoryJson } from '../../views/wire';
export { memoryJson as memoryView };

export function hitView(h: MemorySearchHit) {
  return memoryJson(h);
}
