import { MEMORY_TYPES, RELATIONSHIP_CONTEXTS, type AddMemoryInput, type MemoryType } from '../memory/memory-input';
import { isEmail, isRecord } from '../shared/validation';
import { legacyTime } from './time';
import { pick, text } from './values';

/** An old memory as an import for the memory tier: its own id, and the access counts it had. */
export type LegacyMemoryImport = AddMemoryInput & { id: string; accessCount?: number; lastAccessed?: number };

/** Fields of an old memory that map to fields of ours; anything else is kept under `metadata.legacy`. */
const KNOWN_FIELDS = new Set([
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
  'related_memory_ids',
  'user_email',
  'relationship_context',
  'environment_id',
  'environment_name',
  'metadata',
]);

/**
 * The inline memories of an old file (`memory.memories`, a map or a list) as imports for the
 * memory tier: ids kept (so importing twice stores each once), fields mapped, anything unknown kept
 * under `metadata.legacy`.
 */
export function legacyMemories(raw: unknown, fallbackTime: number): LegacyMemoryImport[] {
  const memory = isRecord(raw) && isRecord(raw.memory) ? raw.memory : {};
  const entries: Array<[string, unknown]> = isRecord(memory.memories)
    ? Object.entries(memory.memories)
    : Array.isArray(memory.memories)
      ? memory.memories.map((m, i) => [isRecord(m) && typeof m.id === 'string' ? m.id : `legacy-${i}`, m])
      : [];
  return entries.map(([key, value]) => legacyMemory(key, value, fallbackTime));
}

/** A number, also from numeric text (old metadata stores kept some numbers as text). */
const numeric = (v: unknown): number | null => {
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  return typeof n === 'number' && Number.isFinite(n) ? n : null;
};

/** A list of strings from a list, JSON text of a list, or comma-separated text (`"a, b"`). */
export function legacyList(value: unknown): string[] | null {
  if (Array.isArray(value)) return value.filter((v) => v !== null && v !== undefined).map(String);
  if (typeof value !== 'string') return null;
  const trimmed = value.trim();
  if (trimmed === '') return [];
  if (trimmed.startsWith('[')) {
    try {
      const parsed: unknown = JSON.parse(trimmed);
      if (Array.isArray(parsed)) return legacyList(parsed);
    } catch {
      // Not JSON after all: read as comma-separated text below.
    }
  }
  return trimmed
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '');
}

/** `episodic`, `EPISODIC` or Python's `MemoryType.EPISODIC` → `episodic`. */
const typeName = (v: unknown): string =>
  String(v ?? 'episodic')
    .trim()
    .replace(/^memorytype\./i, '')
    .toLowerCase();

/**
 * One memory of the Python Genesis — an inline memory of an old Mind file (`key` is its key in
 * `memory.memories`), or the metadata of an old Chroma record with its document as `content` — as
 * an import. Every field is kept: mapped to ours when it has a valid value, else kept under
 * `metadata.legacy` (unknown fields, a value out of range, an unknown type or context, an invalid
 * email); `metadata` of the old memory (an object, or JSON text of one) is the metadata.
 */
export function legacyMemory(key: string, value: unknown, fallbackTime: number): LegacyMemoryImport {
  const m = isRecord(value) ? value : { content: value };
  const legacy: Record<string, unknown> = Object.fromEntries(Object.entries(m).filter(([k]) => !KNOWN_FIELDS.has(k)));
  const type = typeName(pick(m, 'memory_type', 'memoryType', 'type'));
  const known = (MEMORY_TYPES as readonly string[]).includes(type);
  const content = typeof m.content === 'string' && m.content.trim() !== '' ? m.content : JSON.stringify(m.content ?? m);

  const unit = (field: string, dflt: number): number => {
    const n = numeric(m[field]);
    if (n === null) {
      if (m[field] !== undefined && m[field] !== null && m[field] !== '') legacy[field] = m[field];
      return dflt;
    }
    const clamped = Math.min(1, Math.max(0, n));
    if (clamped !== n) legacy[field] = m[field];
    return clamped;
  };
  const emotionIntensity = unit('emotion_intensity', 0);
  const importance = unit('importance', 0.5);

  const rawEmail = text(m.user_email)?.trim();
  const email = rawEmail?.toLowerCase();
  if (rawEmail && !isEmail(email)) legacy.user_email = m.user_email;
  const context = text(m.relationship_context)?.trim().toLowerCase();
  const knownContext = (RELATIONSHIP_CONTEXTS as readonly string[]).includes(context ?? '');
  if (context && !knownContext) legacy.relationship_context = m.relationship_context;

  const tags = m.tags === undefined || m.tags === null ? [] : legacyList(m.tags);
  if (tags === null) legacy.tags = m.tags;
  const relatedRaw = pick(m, 'related_memories', 'related_memory_ids');
  const related = relatedRaw === undefined || relatedRaw === null ? [] : legacyList(relatedRaw);
  if (related === null) legacy.related_memories = relatedRaw;

  const accessCount = numeric(m.access_count);
  const validCount = accessCount !== null && Number.isInteger(accessCount) && accessCount >= 0;
  if (m.access_count !== undefined && m.access_count !== null && !validCount) legacy.access_count = m.access_count;
  const lastAccessed = m.last_accessed === undefined || m.last_accessed === null ? null : legacyTime(m.last_accessed);
  if (m.last_accessed && lastAccessed === null) legacy.last_accessed = m.last_accessed;
  const timestamp = legacyTime(m.timestamp);
  if (m.timestamp && timestamp === null) legacy.timestamp = m.timestamp;

  let metadata: Record<string, unknown> = {};
  if (isRecord(m.metadata)) metadata = m.metadata;
  else if (typeof m.metadata === 'string' && m.metadata.trim().startsWith('{')) {
    try {
      const parsed: unknown = JSON.parse(m.metadata);
      if (isRecord(parsed)) metadata = parsed;
      else legacy.metadata = m.metadata;
    } catch {
      legacy.metadata = m.metadata;
    }
  } else if (m.metadata !== undefined && m.metadata !== null && m.metadata !== '') legacy.metadata = m.metadata;

  const emotion = text(m.emotion);
  const environmentId = text(m.environment_id);
  const environmentName = text(m.environment_name);
  return {
    id: String(pick(m, 'id') ?? key).slice(0, 200),
    content,
    memoryType: (known ? type : 'episodic') as MemoryType,
    timestamp: timestamp ?? fallbackTime,
    ...(emotion ? { emotion } : {}),
    emotionIntensity,
    importance,
    tags: tags ?? [],
    relatedMemoryIds: related ?? [],
    ...(email && isEmail(email) ? { userEmail: email } : {}),
    relationshipContext: knownContext ? (context as 'personal' | 'shared' | 'generic') : 'generic',
    ...(environmentId ? { environmentId } : {}),
    ...(environmentName ? { environmentName } : {}),
    ...(validCount ? { accessCount: accessCount! } : {}),
    ...(lastAccessed !== null ? { lastAccessed } : {}),
    metadata: {
      ...metadata,
      imported: true,
      ...(Object.keys(legacy).length ? { legacy } : {}),
      ...(known ? {} : { legacyType: type }),
      ...(timestamp === null ? { timestampMissing: true } : {}),
    },
  };
}
