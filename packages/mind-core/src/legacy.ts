import { createHash } from 'node:crypto';
import type { MessageRole } from './ports/message-store';
import { MAX_EMOTIONS, MIND_SCHEMA_VERSION, SECRET_KEY, neutralEmotionalState, type MindDocument } from './mind-document';

/**
 * Old single-file Genesis Minds: top-level `identity, intelligence, autonomy, state,
 * emotional_state, conversation_history, memory, dreams, consciousness, config, plugins`, with
 * unbounded lists inside. This module turns one into a compact document plus the rows that move to
 * SQL, losing nothing: lists go to messages/records, unknown keys are kept, secrets are split off.
 */
export function isLegacyMindFile(value: unknown): value is Record<string, unknown> {
  if (!isObject(value) || 'schemaVersion' in value) return false;
  return ['conversation_history', 'emotional_state', 'consciousness', 'dreams'].some((k) => k in value) || isObject(value.identity);
}

export interface LegacyMessage {
  role: MessageRole;
  content: string;
  createdAt: number;
  userEmail: string | null;
  metadata: Record<string, unknown>;
  sourceKey: string;
}

export interface LegacyRecord {
  namespace: string;
  kind: string;
  data: unknown;
  createdAt: number;
  sourceKey: string;
}

export interface LegacyConversion {
  document: MindDocument;
  messages: LegacyMessage[];
  records: LegacyRecord[];
  /** Secret values found in the file (API keys…), by dotted path. */
  secrets: Record<string, unknown>;
  inlineMemories: number;
}

const GROWING_KEY = /(history|log|logs|transactions|events|records|entries|stream|journal)$/i;
const GROWING_LENGTH = 20;
const ROLE_MAP: Record<string, MessageRole> = {
  user: 'user',
  human: 'user',
  assistant: 'assistant',
  ai: 'assistant',
  bot: 'assistant',
  mind: 'assistant',
  system: 'system',
  tool: 'tool',
  function: 'tool',
};

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const hash = (value: unknown): string => createHash('sha1').update(JSON.stringify(value) ?? 'null').digest('hex').slice(0, 16);

/** A timestamp of an old item: ISO text (no zone = UTC), epoch seconds or epoch ms. */
export function legacyTime(value: unknown): number | null {
  if (typeof value === 'number' && Number.isFinite(value) && value > 0) return Math.round(value < 1e11 ? value * 1000 : value);
  if (typeof value === 'string' && value.trim() !== '') {
    const text = value.trim();
    const zoned = /([zZ]|[+-]\d{2}:?\d{2})$/.test(text) || !/\d{2}:\d{2}/.test(text) ? text : `${text}Z`;
    const ms = Date.parse(zoned.replace(' ', 'T'));
    return Number.isFinite(ms) && ms >= 0 ? ms : null;
  }
  return null;
}

function itemTime(item: unknown): number | null {
  if (!isObject(item)) return null;
  for (const key of ['timestamp', 'created_at', 'createdAt', 'time', 'date']) {
    const t = legacyTime(item[key]);
    if (t !== null) return t;
  }
  return null;
}

/** Removes secret-looking keys (recursively) from `value`, collecting them under dotted paths. */
export function stripSecrets(value: unknown, path: string, secrets: Record<string, unknown>): unknown {
  if (Array.isArray(value)) return value.map((v, i) => stripSecrets(v, `${path}.${i}`, secrets));
  if (!isObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if (SECRET_KEY.test(key)) secrets[`${path}.${key}`] = v;
    else out[key] = stripSecrets(v, `${path}.${key}`, secrets);
  }
  return out;
}

const pick = (o: Record<string, unknown>, ...keys: string[]): unknown => {
  for (const k of keys) if (o[k] !== undefined) return o[k];
  return undefined;
};
const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : v == null ? null : String(v));
const clamp = (v: unknown, lo: number, hi: number, dflt: number): number =>
  typeof v === 'number' && Number.isFinite(v) ? Math.min(hi, Math.max(lo, v)) : dflt;

export function convertLegacyMind(
  raw: Record<string, unknown>,
  context: { gmid: string; fallbackTime: number; sourceFile: string; backupFile: string; now: number },
): LegacyConversion {
  const secrets: Record<string, unknown> = {};
  const records: LegacyRecord[] = [];
  const clean = stripSecrets(raw, '$', secrets) as Record<string, unknown>;
  const now = new Date(context.now).toISOString();

  const moveList = (namespace: string, kind: string, list: unknown[]) => {
    let last = context.fallbackTime;
    list.forEach((item, i) => {
      const t = itemTime(item);
      if (t !== null) last = t;
      records.push({ namespace, kind, data: item, createdAt: last, sourceKey: `legacy:${namespace}:${kind}:${i}:${hash(item)}` });
    });
  };

  // identity
  const oldIdentity = isObject(clean.identity) ? clean.identity : {};
  const birth = legacyTime(pick(oldIdentity, 'birth_timestamp', 'birthTimestamp', 'created_at')) ?? context.fallbackTime;
  const { gmid: _g, name: _n, digital_fingerprint: _d, birth_timestamp: _b, creator: _c, creator_email: _ce, template: _t, primary_purpose: _p, status: _s, version: _v, ...identityRest } = oldIdentity;
  const identity = {
    ...identityRest,
    gmid: context.gmid,
    name: str(pick(oldIdentity, 'name')) ?? context.gmid,
    digitalFingerprint: str(pick(oldIdentity, 'digital_fingerprint', 'digitalFingerprint')) ?? hash(oldIdentity),
    birthTimestamp: new Date(birth).toISOString(),
    creator: str(pick(oldIdentity, 'creator')),
    creatorEmail: ((e) => (e && /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(e) ? e : null))(str(pick(oldIdentity, 'creator_email', 'creatorEmail'))),
    template: str(pick(oldIdentity, 'template')),
    primaryPurpose: str(pick(oldIdentity, 'primary_purpose', 'primaryPurpose')),
    status: str(pick(oldIdentity, 'status')) ?? 'active',
    version: str(pick(oldIdentity, 'version')) ?? '1.0.0',
  };

  // emotional state: bounded values stay, any list inside is history and moves to SQL
  const oldEmotion = isObject(clean.emotional_state) ? clean.emotional_state : {};
  const emotionalRest: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(oldEmotion)) {
    if (Array.isArray(value)) moveList('emotional_state', key, value);
    else if (!['primary_emotion', 'intensity', 'emotions', 'mood', 'valence', 'arousal', 'last_update'].includes(key)) emotionalRest[key] = value;
  }
  const emotions = Object.fromEntries(
    Object.entries(isObject(oldEmotion.emotions) ? oldEmotion.emotions : {})
      .filter((e): e is [string, number] => typeof e[1] === 'number' && Number.isFinite(e[1]))
      .map(([k, v]) => [k, Math.min(1, Math.max(0, v))] as [string, number])
      .sort((a, b) => b[1] - a[1])
      .slice(0, MAX_EMOTIONS),
  );
  if (isObject(oldEmotion.emotions) && Object.keys(oldEmotion.emotions).length > Object.keys(emotions).length) {
    records.push({ namespace: 'emotional_state', kind: 'emotions_snapshot', data: oldEmotion.emotions, createdAt: context.fallbackTime, sourceKey: `legacy:emotional_state:emotions:${hash(oldEmotion.emotions)}` });
  }
  const neutral = neutralEmotionalState(new Date(legacyTime(oldEmotion.last_update) ?? context.fallbackTime).toISOString());
  const emotionalState = {
    ...emotionalRest,
    ...neutral,
    primaryEmotion: str(oldEmotion.primary_emotion) ?? neutral.primaryEmotion,
    intensity: clamp(oldEmotion.intensity, 0, 1, 0),
    emotions,
    mood: str(oldEmotion.mood) ?? neutral.mood,
    valence: clamp(oldEmotion.valence, -1, 1, 0),
    arousal: clamp(oldEmotion.arousal, 0, 1, 0),
  };

  // memory: the inline memories stay in the backup until the memory tier moves them
  const oldMemory = isObject(clean.memory) ? clean.memory : {};
  const inline = isObject(oldMemory.memories) ? Object.values(oldMemory.memories) : Array.isArray(oldMemory.memories) ? oldMemory.memories : [];
  const byType: Record<string, number> = {};
  for (const m of inline) {
    const type = isObject(m) ? str(pick(m, 'memory_type', 'memoryType', 'type')) ?? 'unknown' : 'unknown';
    byType[type] = (byType[type] ?? 0) + 1;
  }
  const memoryRest: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(oldMemory)) {
    if (key === 'memories') continue;
    if (Array.isArray(value)) moveList('memory', key, value);
    else memoryRest[key] = value;
  }
  const memory = { ...memoryRest, totalMemories: inline.length, byType, notYetMoved: inline.length };

  // dreams and thoughts
  if (Array.isArray(clean.dreams)) moveList('dreams', 'dream', clean.dreams);
  let consciousness: Record<string, unknown> | undefined;
  if (isObject(clean.consciousness)) {
    consciousness = {};
    for (const [key, value] of Object.entries(clean.consciousness)) {
      if (key === 'thought_stream' && Array.isArray(value)) moveList('thoughts', 'thought', value);
      else if (Array.isArray(value)) moveList('consciousness', key, value);
      else consciousness[key] = value;
    }
  }

  // plugins: configuration stays, growing state moves
  const plugins: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(isObject(clean.plugins) ? clean.plugins : {})) {
    if (!isObject(value)) {
      plugins[name] = value;
      continue;
    }
    const kept: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) {
      if (Array.isArray(v) && (GROWING_KEY.test(key) || v.length > GROWING_LENGTH)) moveList(`plugin:${name}`, key, v);
      else kept[key] = v;
    }
    plugins[name] = kept;
  }

  // conversation history → messages, in order; items without a time share the previous one
  const history = Array.isArray(clean.conversation_history) ? clean.conversation_history : [];
  let last = birth;
  const messages = history.map((item, i): LegacyMessage => {
    const o: Record<string, unknown> = isObject(item) ? item : { content: item };
    const t = itemTime(o);
    if (t !== null) last = t;
    const rawRole = String(o.role ?? 'user').toLowerCase();
    const role = ROLE_MAP[rawRole] ?? 'system';
    const { role: _r, content: _c, timestamp: _ts, user_email: _ue, userEmail: _ue2, ...extra } = o;
    const email = str(pick(o, 'user_email', 'userEmail'))?.trim().toLowerCase() ?? null;
    return {
      role,
      content: typeof o.content === 'string' ? o.content : JSON.stringify(o.content ?? ''),
      createdAt: last,
      userEmail: email,
      metadata: {
        ...extra,
        imported: true,
        legacyIndex: i,
        ...(t === null ? { timestampMissing: true } : {}),
        ...(ROLE_MAP[rawRole] ? {} : { legacyRole: o.role }),
      },
      sourceKey: `legacy:history:${i}:${hash(item)}`,
    };
  });

  const known = new Set(['identity', 'intelligence', 'autonomy', 'state', 'emotional_state', 'conversation_history', 'memory', 'dreams', 'consciousness', 'config', 'plugins']);
  const unknown = Object.fromEntries(Object.entries(clean).filter(([k]) => !known.has(k)));
  const document: MindDocument = {
    ...unknown,
    ...(consciousness && Object.keys(consciousness).length > 0 ? { consciousness } : {}),
    schemaVersion: MIND_SCHEMA_VERSION,
    revision: 0,
    identity,
    intelligence: isObject(clean.intelligence) ? clean.intelligence : {},
    autonomy: isObject(clean.autonomy) ? clean.autonomy : {},
    state: isObject(clean.state) ? clean.state : {},
    emotionalState,
    memory,
    plugins,
    config: isObject(clean.config) ? clean.config : {},
    legacyImport: {
      sourceFile: context.sourceFile,
      backupFile: context.backupFile,
      importedAt: now,
      messagesImported: messages.length,
      recordsImported: records.length,
    },
  };
  return { document, messages, records, secrets, inlineMemories: inline.length };
}

const MEMORY_TYPE_NAMES = ['episodic', 'semantic', 'procedural', 'prospective', 'working'];

/**
 * The inline memories of an old file (`memory.memories`, a map or a list) as imports for the
 * memory tier: ids kept (so importing twice stores each once), fields mapped, anything unknown kept
 * under `metadata.legacy`.
 */
export function legacyMemories(raw: unknown, fallbackTime: number): Array<Record<string, unknown> & { id: string; content: string; memoryType: string }> {
  const memory = isObject(raw) && isObject(raw.memory) ? raw.memory : {};
  const entries: Array<[string, unknown]> = isObject(memory.memories)
    ? Object.entries(memory.memories)
    : Array.isArray(memory.memories)
      ? memory.memories.map((m, i) => [isObject(m) && typeof m.id === 'string' ? m.id : `legacy-${i}`, m])
      : [];
  return entries.map(([key, value]) => {
    const m = isObject(value) ? value : { content: value };
    const known = ['id', 'content', 'memory_type', 'memoryType', 'type', 'timestamp', 'emotion', 'emotion_intensity', 'importance', 'access_count', 'last_accessed', 'tags', 'related_memories', 'user_email', 'relationship_context', 'environment_id', 'environment_name', 'metadata'];
    const rest = Object.fromEntries(Object.entries(m).filter(([k]) => !known.includes(k)));
    const type = String(pick(m, 'memory_type', 'memoryType', 'type') ?? 'episodic').toLowerCase();
    const email = str(m.user_email)?.trim().toLowerCase();
    const context = str(m.relationship_context);
    const content = typeof m.content === 'string' && m.content.trim() !== '' ? m.content : JSON.stringify(m.content ?? m);
    return {
      id: String(pick(m, 'id') ?? key).slice(0, 200),
      content,
      memoryType: MEMORY_TYPE_NAMES.includes(type) ? type : 'episodic',
      timestamp: legacyTime(m.timestamp) ?? fallbackTime,
      ...(str(m.emotion) ? { emotion: str(m.emotion)! } : {}),
      emotionIntensity: clamp(m.emotion_intensity, 0, 1, 0),
      importance: clamp(m.importance, 0, 1, 0.5),
      tags: Array.isArray(m.tags) ? m.tags.map(String) : [],
      relatedMemoryIds: Array.isArray(m.related_memories) ? m.related_memories.map(String) : [],
      ...(email && /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email) ? { userEmail: email } : {}),
      relationshipContext: context === 'personal' || context === 'shared' ? context : 'generic',
      ...(str(m.environment_id) ? { environmentId: str(m.environment_id)! } : {}),
      ...(str(m.environment_name) ? { environmentName: str(m.environment_name)! } : {}),
      metadata: {
        ...(isObject(m.metadata) ? m.metadata : {}),
        imported: true,
        ...(Object.keys(rest).length ? { legacy: rest } : {}),
        ...(MEMORY_TYPE_NAMES.includes(type) ? {} : { legacyType: type }),
        ...(typeof m.access_count === 'number' ? { legacyAccessCount: m.access_count } : {}),
      },
    };
  });
}
