import { MAX_EMOTIONS, neutralEmotionalState, type EmotionalState, type MindIdentity } from '../mind/mind-document';
import type { MessageRole } from '../ports/message-store';
import { isEmail, isRecord } from '../shared/validation';
import { itemTime, legacyTime } from './time';
import { clamp, digest, fitKey, hashText, pick, text } from './values';

/** One old list item on its way to `mind_records`. */
export interface LegacyRecord {
  namespace: string;
  kind: string;
  data: unknown;
  createdAt: number;
  sourceKey: string;
}

export interface LegacyMessage {
  role: MessageRole;
  content: string;
  createdAt: number;
  userEmail: string | null;
  metadata: Record<string, unknown>;
  sourceKey: string;
}

type Source =
  | { type: 'list'; namespace: string; kind: string; list: unknown[]; owner: string | undefined }
  | { type: 'dict'; namespace: string; kind: string; dict: Record<string, unknown>; owner: string | undefined }
  | { type: 'one'; record: LegacyRecord };

/**
 * Collects the lists that leave the document; items without a time share the previous one. It keeps
 * only which lists and dicts move (not a record per item): the records are made as they are iterated,
 * a batch at a time, so the import of a 50 MB file never holds all of them at once.
 */
export class RecordCollector {
  private readonly sources: Source[] = [];
  /** How many records the collected lists and dicts make. */
  count = 0;
  constructor(readonly fallbackTime: number) {}

  /** One record per list item: `data` is the item (or `{ owner, item }` inside a mapped entity). */
  moveList(namespace: string, kind: string, list: unknown[], owner?: string): void {
    this.sources.push({ type: 'list', namespace, kind, list, owner });
    this.count += list.length;
  }

  /** One record per dict entry: `data` is `{ key, value }` (plus `owner` inside a mapped entity). */
  moveDict(namespace: string, kind: string, dict: Record<string, unknown>, owner?: string): void {
    this.sources.push({ type: 'dict', namespace, kind, dict, owner });
    this.count += Object.keys(dict).length;
  }

  add(record: LegacyRecord): void {
    this.sources.push({ type: 'one', record });
    this.count++;
  }

  /** The records, in the order they were collected, each made when it is reached. */
  *[Symbol.iterator](): Generator<LegacyRecord> {
    for (const source of this.sources) {
      if (source.type === 'one') {
        yield source.record;
        continue;
      }
      const { namespace, kind, owner } = source;
      const ns = fitKey(namespace, 100);
      const k = fitKey(kind, 100);
      let last = this.fallbackTime;
      if (source.type === 'list') {
        for (let i = 0; i < source.list.length; i++) {
          const item = source.list[i];
          const t = itemTime(item);
          if (t !== null) last = t;
          const where = owner === undefined ? `${i}` : `${keyPart(owner)}:${i}`;
          yield {
            namespace: ns,
            kind: k,
            data: owner === undefined ? item : { owner, item },
            createdAt: last,
            sourceKey: fitKey(`legacy:${namespace}:${kind}:${where}:${digest(item)}`, 200),
          };
        }
        continue;
      }
      for (const key in source.dict) {
        if (!Object.prototype.hasOwnProperty.call(source.dict, key)) continue;
        const value = source.dict[key];
        const t = itemTime(value);
        if (t !== null) last = t;
        const where = owner === undefined ? `k=${keyPart(key)}` : `${keyPart(owner)}:k=${keyPart(key)}`;
        yield {
          namespace: ns,
          kind: k,
          data: owner === undefined ? { key, value } : { owner, key, value },
          createdAt: last,
          sourceKey: fitKey(`legacy:${namespace}:${kind}:${where}:${digest(value)}`, 200),
        };
      }
    }
  }

  /** Every record at once (for small files and tests; an import iterates instead). */
  get records(): LegacyRecord[] {
    return [...this];
  }
}

/** A dict key or owner inside a source key: short keys as they are, long ones by digest. */
const keyPart = (key: string): string => (key.length <= 48 ? key : `#${hashText(key).slice(0, 16)}`);

const IDENTITY_KEYS = [
  'gmid',
  'name',
  'digital_fingerprint',
  'birth_timestamp',
  'creator',
  'creator_email',
  'template',
  'primary_purpose',
  'status',
  'version',
];
const EMOTION_KEYS = ['primary_emotion', 'intensity', 'emotions', 'mood', 'valence', 'arousal', 'last_update'];

export function convertIdentity(old: Record<string, unknown>, gmid: string, birth: number): MindIdentity {
  const rest = Object.fromEntries(Object.entries(old).filter(([k]) => !IDENTITY_KEYS.includes(k)));
  const email = text(pick(old, 'creator_email', 'creatorEmail'));
  return {
    ...rest,
    gmid,
    name: text(pick(old, 'name')) ?? gmid,
    digitalFingerprint: text(pick(old, 'digital_fingerprint', 'digitalFingerprint')) ?? digest(old),
    birthTimestamp: new Date(birth).toISOString(),
    creator: text(pick(old, 'creator')),
    creatorEmail: isEmail(email) ? email : null,
    template: text(pick(old, 'template')),
    primaryPurpose: text(pick(old, 'primary_purpose', 'primaryPurpose')),
    status: text(pick(old, 'status')) ?? 'active',
    version: text(pick(old, 'version')) ?? '1.0.0',
  };
}

/** Bounded values stay; any list inside is history and moves to SQL; the strongest emotions are kept. */
export function convertEmotionalState(
  old: Record<string, unknown>,
  fallbackTime: number,
  out: RecordCollector,
): EmotionalState {
  const rest: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(old)) {
    if (Array.isArray(value)) out.moveList('emotional_state', key, value);
    else if (!EMOTION_KEYS.includes(key)) rest[key] = value;
  }
  const all = isRecord(old.emotions) ? old.emotions : {};
  const emotions = Object.fromEntries(
    Object.entries(all)
      .filter((e): e is [string, number] => typeof e[1] === 'number' && Number.isFinite(e[1]))
      .map(([k, v]) => [k, Math.min(1, Math.max(0, v))] as [string, number])
      .sort((a, b) => b[1] - a[1])
      .slice(0, MAX_EMOTIONS),
  );
  if (Object.keys(all).length > Object.keys(emotions).length) {
    out.add({
      namespace: 'emotional_state',
      kind: 'emotions_snapshot',
      data: all,
      createdAt: fallbackTime,
      sourceKey: `legacy:emotional_state:emotions:${digest(all)}`,
    });
  }
  const neutral = neutralEmotionalState(new Date(legacyTime(old.last_update) ?? fallbackTime).toISOString());
  return {
    ...rest,
    ...neutral,
    primaryEmotion: text(old.primary_emotion) ?? neutral.primaryEmotion,
    intensity: clamp(old.intensity, 0, 1, 0),
    emotions,
    mood: text(old.mood) ?? neutral.mood,
    valence: clamp(old.valence, -1, 1, 0),
    arousal: clamp(old.arousal, 0, 1, 0),
  };
}

/** The inline memories stay in the backup until the memory tier moves them; they are counted here. */
export function convertMemorySummary(
  old: Record<string, unknown>,
  out: RecordCollector,
): {
  summary: Record<string, unknown> & { totalMemories: number; byType: Record<string, number>; notYetMoved: number };
  inline: number;
} {
  const inline = isRecord(old.memories) ? Object.values(old.memories) : Array.isArray(old.memories) ? old.memories : [];
  const byType: Record<string, number> = {};
  for (const m of inline) {
    const type = isRecord(m) ? (text(pick(m, 'memory_type', 'memoryType', 'type')) ?? 'unknown') : 'unknown';
    byType[type] = (byType[type] ?? 0) + 1;
  }
  const rest: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(old)) {
    if (key === 'memories') continue;
    if (Array.isArray(value)) out.moveList('memory', key, value);
    else rest[key] = value;
  }
  return {
    summary: { ...rest, totalMemories: inline.length, byType, notYetMoved: inline.length },
    inline: inline.length,
  };
}

/** Thoughts go to `thoughts`, other lists to `consciousness`; what remains stays in the document. */
export function convertConsciousness(old: Record<string, unknown>, out: RecordCollector): Record<string, unknown> {
  const kept: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(old)) {
    if (key === 'thought_stream' && Array.isArray(value)) out.moveList('thoughts', 'thought', value);
    else if (Array.isArray(value)) out.moveList('consciousness', key, value);
    else kept[key] = value;
  }
  return kept;
}
