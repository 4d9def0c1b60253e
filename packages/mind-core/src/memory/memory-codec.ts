import type { StoredVector, VectorScalar } from '../ports/memory-store';
import type { Memory, MemoryType, RelationshipContext } from './memory-input';

/** A memory as vector-store metadata: flat scalars; user metadata in one field of its own. */
export function toVectorMetadata(m: Memory): Record<string, VectorScalar> {
  return {
    memory_type: m.type,
    timestamp: m.timestamp,
    emotion: m.emotion ?? '',
    emotion_intensity: m.emotionIntensity,
    importance: m.importance,
    access_count: m.accessCount,
    last_accessed: m.lastAccessed ?? 0,
    tags: JSON.stringify(m.tags),
    related_ids: JSON.stringify(m.relatedMemoryIds),
    user_email: m.userEmail ?? '',
    relationship_context: m.relationshipContext,
    environment_id: m.environmentId ?? '',
    environment_name: m.environmentName ?? '',
    // User metadata lives in one field of its own, so it can never overwrite the fields above.
    meta_json: JSON.stringify(m.metadata),
  };
}

/** A list or object field written by {@link toVectorMetadata}; a damaged one reads as `fallback`. */
function parseField<T>(v: VectorScalar | undefined, fallback: T, onDamaged: (error: unknown) => void): T {
  if (typeof v !== 'string' || v === '') return fallback;
  try {
    return JSON.parse(v) as T;
  } catch (error) {
    onDamaged(error);
    return fallback;
  }
}

/** A stored vector back as a memory. `onDamaged` hears of fields that were not valid JSON. */
export function fromStoredVector(
  v: StoredVector,
  onDamaged: (field: string, error: unknown) => void = () => undefined,
): Memory {
  const md = v.metadata;
  const str = (k: string) => (typeof md[k] === 'string' && md[k] !== '' ? (md[k] as string) : null);
  const num = (k: string, d = 0) => (typeof md[k] === 'number' ? (md[k] as number) : d);
  const json = <T>(k: string, d: T) => parseField(md[k], d, (error) => onDamaged(k, error));
  return {
    id: v.id,
    type: (md.memory_type as MemoryType) ?? 'episodic',
    content: v.document,
    timestamp: num('timestamp'),
    emotion: str('emotion'),
    emotionIntensity: num('emotion_intensity'),
    importance: num('importance', 0.5),
    accessCount: num('access_count'),
    lastAccessed: num('last_accessed') || null,
    tags: json<string[]>('tags', []),
    relatedMemoryIds: json<string[]>('related_ids', []),
    userEmail: str('user_email'),
    relationshipContext: (md.relationship_context as RelationshipContext) ?? 'generic',
    environmentId: str('environment_id'),
    environmentName: str('environment_name'),
    metadata: json<Record<string, unknown>>('meta_json', {}),
  };
}
