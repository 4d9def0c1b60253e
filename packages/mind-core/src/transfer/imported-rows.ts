import { ENVIRONMENT_KINDS, type EnvironmentRecord } from '../ports/environment-store';
import { MESSAGE_ROLES, type StoredMessage } from '../ports/message-store';
import type { StoredRecord } from '../ports/record-store';
import { RELATIONSHIP_TYPES, type RelationshipRecord } from '../ports/relationship-store';
import type { StoredSchedule } from '../ports/schedule-store';
import { invalidInput } from '../shared/errors';
import {
  count,
  epochMs,
  isRecord,
  jsonObject,
  jsonValue,
  nonEmptyText,
  oneOf,
  stringList,
  unitInterval,
} from '../shared/validation';
import { MEMORY_TYPES, RELATIONSHIP_CONTEXTS, type Memory } from '../memory/memory-input';
import { scheduleFields } from '../schedules/new-schedule';

/**
 * Whole rows as every store's `importMany` checks them (a Mind moved from another home): every
 * field present and of its type, so a row is stored exactly as it was exported. Each returns a
 * fresh row holding only the known fields (deep copies of JSON values); errors name the field.
 */

const ID_MAX = 64;

function row(value: unknown, field: string): Record<string, unknown> {
  if (!isRecord(value)) throw invalidInput(field, 'must be an object');
  return value;
}

const at = (field: string) => (v: unknown) => epochMs(v, field);
const atOrNull = (v: unknown, field: string): number | null => (v === null ? null : epochMs(v, field));
const textOrNull = (v: unknown, field: string, max = Number.POSITIVE_INFINITY): string | null => {
  if (v === null) return null;
  if (typeof v !== 'string') throw invalidInput(field, 'must be a string or null');
  if (v.length > max) throw invalidInput(field, `must be at most ${max} characters, got ${v.length}`);
  return v;
};
const bool = (v: unknown, field: string): boolean => {
  if (typeof v !== 'boolean') throw invalidInput(field, 'must be true or false');
  return v;
};
const copyJson = <T>(v: T, field: string): T => JSON.parse(JSON.stringify(jsonValue(v, field))) as T;
const metadata = (v: unknown, field: string): Record<string, unknown> => copyJson(jsonObject(v, field), field);

export function checkImportedMessage(value: unknown, field = 'message'): StoredMessage {
  const m = row(value, field);
  if (typeof m.content !== 'string') throw invalidInput(`${field}.content`, 'must be a string');
  return {
    id: nonEmptyText(m.id, `${field}.id`, ID_MAX),
    mindId: nonEmptyText(m.mindId, `${field}.mindId`, ID_MAX),
    role: oneOf(m.role, MESSAGE_ROLES, `${field}.role`),
    content: m.content,
    userEmail: textOrNull(m.userEmail, `${field}.userEmail`, 320),
    environmentId: textOrNull(m.environmentId, `${field}.environmentId`, 200),
    metadata: metadata(m.metadata, `${field}.metadata`),
    createdAt: at(`${field}.createdAt`)(m.createdAt),
    archived: bool(m.archived, `${field}.archived`),
    sourceKey: m.sourceKey === null ? null : nonEmptyText(m.sourceKey, `${field}.sourceKey`, 200),
  };
}

export function checkImportedRecord(value: unknown, field = 'record'): StoredRecord {
  const r = row(value, field);
  if (!('data' in r)) throw invalidInput(`${field}.data`, 'is missing');
  return {
    id: nonEmptyText(r.id, `${field}.id`, ID_MAX),
    mindId: nonEmptyText(r.mindId, `${field}.mindId`, ID_MAX),
    namespace: nonEmptyText(r.namespace, `${field}.namespace`, 100),
    kind: nonEmptyText(r.kind, `${field}.kind`, 100),
    data: copyJson(r.data, `${field}.data`),
    createdAt: at(`${field}.createdAt`)(r.createdAt),
    sourceKey: r.sourceKey === null ? null : nonEmptyText(r.sourceKey, `${field}.sourceKey`, 200),
  };
}

export function checkImportedRelationship(value: unknown, field = 'relationship'): RelationshipRecord {
  const r = row(value, field);
  return {
    id: nonEmptyText(r.id, `${field}.id`, ID_MAX),
    mindId: nonEmptyText(r.mindId, `${field}.mindId`, ID_MAX),
    userEmail: nonEmptyText(r.userEmail, `${field}.userEmail`, 320),
    displayName: textOrNull(r.displayName, `${field}.displayName`, 200),
    relationshipType: oneOf(r.relationshipType, RELATIONSHIP_TYPES, `${field}.relationshipType`),
    trustLevel: unitInterval(r.trustLevel, `${field}.trustLevel`),
    interactionCount: count(r.interactionCount, `${field}.interactionCount`),
    firstInteractionAt: atOrNull(r.firstInteractionAt, `${field}.firstInteractionAt`),
    lastInteractionAt: atOrNull(r.lastInteractionAt, `${field}.lastInteractionAt`),
    notes: textOrNull(r.notes, `${field}.notes`),
    metadata: metadata(r.metadata, `${field}.metadata`),
    createdAt: at(`${field}.createdAt`)(r.createdAt),
    updatedAt: at(`${field}.updatedAt`)(r.updatedAt),
  };
}

export function checkImportedEnvironment(value: unknown, field = 'environment'): EnvironmentRecord {
  const e = row(value, field);
  return {
    id: nonEmptyText(e.id, `${field}.id`, ID_MAX),
    mindId: nonEmptyText(e.mindId, `${field}.mindId`, ID_MAX),
    name: nonEmptyText(e.name, `${field}.name`, 200),
    kind: oneOf(e.kind, ENVIRONMENT_KINDS, `${field}.kind`),
    description: textOrNull(e.description, `${field}.description`),
    isPrimary: bool(e.isPrimary, `${field}.isPrimary`),
    metadata: metadata(e.metadata, `${field}.metadata`),
    createdAt: at(`${field}.createdAt`)(e.createdAt),
    updatedAt: at(`${field}.updatedAt`)(e.updatedAt),
    lastActiveAt: atOrNull(e.lastActiveAt, `${field}.lastActiveAt`),
    visitCount: count(e.visitCount, `${field}.visitCount`),
  };
}

export function checkImportedSchedule(value: unknown, field = 'schedule'): StoredSchedule {
  const s = row(value, field);
  if (!('payload' in s)) throw invalidInput(`${field}.payload`, 'is missing');
  let fields;
  try {
    fields = scheduleFields(
      {
        mindId: s.mindId as string | null,
        name: s.name as string,
        cron: s.cron as string,
        timezone: s.timezone as string,
        type: s.type as string,
        payload: s.payload,
        enabled: bool(s.enabled, `${field}.enabled`),
        nextRunAt: s.nextRunAt as number,
      },
      epochMs(s.updatedAt, `${field}.updatedAt`),
    );
  } catch (error) {
    // scheduleFields names the field alone: name it inside the row.
    const e = error as { field?: string; message: string };
    if (e.field && !e.field.startsWith(field))
      throw invalidInput(`${field}.${e.field}`, e.message.replace(/^\S+ /, ''));
    throw error;
  }
  return {
    id: nonEmptyText(s.id, `${field}.id`, ID_MAX),
    ...fields,
    payload: copyJson(fields.payload, `${field}.payload`),
    lastSlotAt: atOrNull(s.lastSlotAt, `${field}.lastSlotAt`),
    createdAt: at(`${field}.createdAt`)(s.createdAt),
  };
}

/** A memory as exported (every field, its text; no embedding). */
export function checkImportedMemory(value: unknown, field = 'memory'): Memory {
  const m = row(value, field);
  return {
    id: nonEmptyText(m.id, `${field}.id`, 200),
    type: oneOf(m.type, MEMORY_TYPES, `${field}.type`),
    content: nonEmptyText(m.content, `${field}.content`),
    timestamp: at(`${field}.timestamp`)(m.timestamp),
    emotion: textOrNull(m.emotion, `${field}.emotion`, 100),
    emotionIntensity: unitInterval(m.emotionIntensity, `${field}.emotionIntensity`),
    importance: unitInterval(m.importance, `${field}.importance`),
    accessCount: count(m.accessCount, `${field}.accessCount`),
    lastAccessed: atOrNull(m.lastAccessed, `${field}.lastAccessed`),
    tags: [...stringList(m.tags, `${field}.tags`)],
    relatedMemoryIds: [...stringList(m.relatedMemoryIds, `${field}.relatedMemoryIds`)],
    userEmail: textOrNull(m.userEmail, `${field}.userEmail`, 320),
    relationshipContext: oneOf(m.relationshipContext, RELATIONSHIP_CONTEXTS, `${field}.relationshipContext`),
    environmentId: textOrNull(m.environmentId, `${field}.environmentId`, 200),
    environmentName: textOrNull(m.environmentName, `${field}.environmentName`, 200),
    metadata: metadata(m.metadata, `${field}.metadata`),
  };
}
