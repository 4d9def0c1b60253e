import { MEMORY_TYPES, type AddMemoryInput, type MemoryType } from '../memory/memory-input';
import { isEmail, isRecord } from '../shared/validation';
import { legacyTime } from './time';
import { clamp, pick, text } from './values';

const KNOWN_FIELDS = [
  'id',
  'content',
  'memory_type',
  'memoryType',
  'type',
  'timestamp',
  'emotion',
  'emotion_intensity',
  'importance',
  'access_count',
  'last_accessed',
  'tags',
  'related_memories',
  'user_email',
  'relationship_context',
  'environment_id',
  'environment_name',
  'metadata',
];

/**
 * The inline memories of an old file (`memory.memories`, a map or a list) as imports for the
 * memory tier: ids kept (so importing twice stores each once), fields mapped, anything unknown kept
 * under `metadata.legacy`.
 */
export function legacyMemories(raw: unknown, fallbackTime: number): Array<AddMemoryInput & { id: string }> {
  const memory = isRecord(raw) && isRecord(raw.memory) ? raw.memory : {};
  const entries: Array<[string, unknown]> = isRecord(memory.memories)
    ? Object.entries(memory.memories)
    : Array.isArray(memory.memories)
      ? memory.memories.map((m, i) => [isRecord(m) && typeof m.id === 'string' ? m.id : `legacy-${i}`, m])
      : [];
  return entries.map(([key, value]) => {
    const m = isRecord(value) ? value : { content: value };
    const rest = Object.fromEntries(Object.entries(m).filter(([k]) => !KNOWN_FIELDS.includes(k)));
    const type = String(pick(m, 'memory_type', 'memoryType', 'type') ?? 'episodic').toLowerCase();
    const known = (MEMORY_TYPES as readonly string[]).includes(type);
    const email = text(m.user_email)?.trim().toLowerCase();
    const context = text(m.relationship_context);
    const content =
      typeof m.content === 'string' && m.content.trim() !== '' ? m.content : JSON.stringify(m.content ?? m);
    const emotion = text(m.emotion);
    const environmentId = text(m.environment_id);
    const environmentName = text(m.environment_name);
    return {
      id: String(pick(m, 'id') ?? key).slice(0, 200),
      content,
      memoryType: (known ? type : 'episodic') as MemoryType,
      timestamp: legacyTime(m.timestamp) ?? fallbackTime,
      ...(emotion ? { emotion } : {}),
      emotionIntensity: clamp(m.emotion_intensity, 0, 1, 0),
      importance: clamp(m.importance, 0, 1, 0.5),
      tags: Array.isArray(m.tags) ? m.tags.map(String) : [],
      relatedMemoryIds: Array.isArray(m.related_memories) ? m.related_memories.map(String) : [],
      ...(isEmail(email) ? { userEmail: email } : {}),
      relationshipContext: context === 'personal' || context === 'shared' ? context : 'generic',
      ...(environmentId ? { environmentId } : {}),
      ...(environmentName ? { environmentName } : {}),
      metadata: {
        ...(isRecord(m.metadata) ? m.metadata : {}),
        imported: true,
        ...(Object.keys(rest).length ? { legacy: rest } : {}),
        ...(known ? {} : { legacyType: type }),
        ...(typeof m.access_count === 'number' ? { legacyAccessCount: m.access_count } : {}),
      },
    };
  });
}
