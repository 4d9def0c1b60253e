import { randomUUID } from 'node:crypto';
import { invalidInput } from '../shared/errors';
import { jsonObject, nonEmptyText, oneOf, parseEmail, stringList, toEpochMs, unitInterval } from '../shared/validation';
import type { TimeInput } from '../shared/validation';

/** Kinds of memory, as users of the original API write them: `MemoryType.EPISODIC`. */
export const MemoryType = {
  EPISODIC: 'episodic',
  SEMANTIC: 'semantic',
  PROCEDURAL: 'procedural',
  PROSPECTIVE: 'prospective',
  WORKING: 'working',
} as const;
export type MemoryType = (typeof MemoryType)[keyof typeof MemoryType];
export const MEMORY_TYPES: readonly MemoryType[] = Object.values(MemoryType);

export const RELATIONSHIP_CONTEXTS = ['personal', 'shared', 'generic'] as const;
export type RelationshipContext = (typeof RELATIONSHIP_CONTEXTS)[number];

export interface Memory {
  id: string;
  type: MemoryType;
  content: string;
  timestamp: number;
  emotion: string | null;
  emotionIntensity: number;
  importance: number;
  accessCount: number;
  lastAccessed: number | null;
  tags: string[];
  relatedMemoryIds: string[];
  userEmail: string | null;
  relationshipContext: RelationshipContext;
  environmentId: string | null;
  environmentName: string | null;
  metadata: Record<string, unknown>;
}

export interface AddMemoryInput {
  content: string;
  memoryType: MemoryType;
  timestamp?: TimeInput;
  emotion?: string;
  emotionIntensity?: number;
  importance?: number;
  tags?: string[];
  relatedMemoryIds?: string[];
  userEmail?: string;
  relationshipContext?: RelationshipContext;
  environmentId?: string;
  environmentName?: string;
  metadata?: Record<string, unknown>;
}

const MAX_METADATA_BYTES = 16 * 1024;
/** The most text one memory holds (what an embedding provider is asked to embed at once). */
export const MAX_MEMORY_CONTENT_BYTES = 32 * 1024;

/** Text to embed: not empty, at most MAX_MEMORY_CONTENT_BYTES (a memory's content, a search query). */
export function embeddableText(value: unknown, field: string): string {
  const text = nonEmptyText(value, field);
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_MEMORY_CONTENT_BYTES)
    throw invalidInput(
      field,
      `is ${bytes} bytes of text; at most ${MAX_MEMORY_CONTENT_BYTES} are embedded at once (split it into several memories)`,
    );
  return text;
}

/** Validates a memory as given and builds it (keeping the id and access counts of `existing`). */
export function buildMemory(input: AddMemoryInput, now: number, existing?: Memory): Memory {
  if (typeof input !== 'object' || input === null) throw invalidInput('memory', 'must be an object');
  return {
    id: existing?.id ?? randomUUID(),
    type: oneOf(input.memoryType, MEMORY_TYPES, 'memoryType'),
    content: embeddableText(input.content, 'content'),
    timestamp: input.timestamp === undefined ? now : toEpochMs(input.timestamp, 'timestamp'),
    emotion: input.emotion ?? null,
    emotionIntensity:
      input.emotionIntensity === undefined ? 0 : unitInterval(input.emotionIntensity, 'emotionIntensity'),
    importance: input.importance === undefined ? 0.5 : unitInterval(input.importance, 'importance'),
    accessCount: existing?.accessCount ?? 0,
    lastAccessed: existing?.lastAccessed ?? null,
    tags: input.tags === undefined ? [] : stringList(input.tags, 'tags'),
    relatedMemoryIds:
      input.relatedMemoryIds === undefined ? [] : stringList(input.relatedMemoryIds, 'relatedMemoryIds'),
    userEmail: input.userEmail === undefined ? null : parseEmail(input.userEmail),
    relationshipContext: oneOf(input.relationshipContext ?? 'generic', RELATIONSHIP_CONTEXTS, 'relationshipContext'),
    environmentId: input.environmentId ?? null,
    environmentName: input.environmentName ?? null,
    metadata: input.metadata === undefined ? {} : jsonObject(input.metadata, 'metadata', MAX_METADATA_BYTES),
  };
}

/** The input that would build `m` again. */
export function memoryToInput(m: Memory): AddMemoryInput {
  return {
    content: m.content,
    memoryType: m.type,
    timestamp: m.timestamp,
    ...(m.emotion ? { emotion: m.emotion } : {}),
    emotionIntensity: m.emotionIntensity,
    importance: m.importance,
    tags: m.tags,
    relatedMemoryIds: m.relatedMemoryIds,
    ...(m.userEmail ? { userEmail: m.userEmail } : {}),
    relationshipContext: m.relationshipContext,
    ...(m.environmentId ? { environmentId: m.environmentId } : {}),
    ...(m.environmentName ? { environmentName: m.environmentName } : {}),
    metadata: m.metadata,
  };
}
