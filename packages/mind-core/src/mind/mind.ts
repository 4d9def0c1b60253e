import { ConcernManager } from '../concerns/concern-manager';
import { ConversationManager } from '../conversation/conversation-manager';
import { MemoryManager, type MemoryOptions } from '../memory/memory-manager';
import type { Clock } from '../ports/clock';
import type { ConcernStore } from '../ports/concern-store';
import type { MemoryBackend } from '../ports/memory-store';
import type { MessageStore } from '../ports/message-store';
import type { MindDocumentStore } from '../ports/mind-document-store';
import { GenesisError, invalidInput } from '../shared/errors';
import { stripSecrets } from '../shared/secrets';
import { unitInterval } from '../shared/validation';
import { MAX_EMOTIONS, MAX_MIND_FILE_BYTES, validateMindDocument } from './mind-document';
import type { EmotionalState, MindDocument, MindIdentity } from './mind-document';

export interface MindDependencies {
  documents: MindDocumentStore;
  messages: MessageStore;
  concerns: ConcernStore;
  clock: Clock;
  memory: MemoryBackend;
  memoryOptions?: MemoryOptions;
  maxMessageBytes?: number;
}

export interface SaveResult {
  file: string;
  revision: number;
  bytes: number;
  /** True when another process had saved meanwhile and its changes were merged in. */
  merged: boolean;
}

const clone = <T>(v: T): T => structuredClone(v);

/** JSON with sorted keys: equal for documents that would be written as equal JSON. */
const canonical = (value: unknown): string =>
  JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  ) ?? 'undefined';

/**
 * A Genesis Mind. Its JSON file holds identity, intelligence settings, autonomy, state, emotional
 * state, a memory summary and plugin configuration — never history. Conversations and concerns
 * are in SQL, behind `conversation` and `concerns`.
 */
export class Mind {
  readonly gmid: string;
  readonly conversation: ConversationManager;
  readonly concerns: ConcernManager;
  /** Long-term memories in the memory tier (connected on first use). */
  readonly memory: MemoryManager;
  readonly file: string;
  private doc: MindDocument;
  /** The document as last read from or written to disk: the base for conflict detection. */
  private base: MindDocument;

  constructor(
    document: MindDocument,
    base: MindDocument,
    private readonly deps: MindDependencies,
  ) {
    this.gmid = document.identity.gmid;
    this.doc = clone(document);
    this.base = clone(base);
    this.file = deps.documents.pathFor(this.gmid);
    this.conversation = new ConversationManager(this.gmid, deps.messages, deps.clock, deps.maxMessageBytes);
    this.concerns = new ConcernManager(this.gmid, deps.concerns, deps.clock);
    // The Mind file keeps counts of its memories (never the memories): saved with the next save().
    this.memory = new MemoryManager(this.gmid, deps.memory, deps.clock, {
      ...deps.memoryOptions,
      onCountChange: (type, delta) => {
        const summary = this.doc.memory;
        summary.totalMemories = Math.max(0, summary.totalMemories + delta);
        summary.byType[type] = Math.max(0, (summary.byType[type] ?? 0) + delta);
      },
    });
  }

  get name(): string {
    return this.doc.identity.name;
  }

  get revision(): number {
    return this.base.revision;
  }

  /** A copy of the whole document; change it with `update()`. */
  get document(): MindDocument {
    return clone(this.doc);
  }

  get identity(): MindIdentity {
    return clone(this.doc.identity);
  }

  get emotionalState(): EmotionalState {
    return clone(this.doc.emotionalState);
  }

  /** Changes the in-memory document; `save()` validates and writes it. */
  update(change: (doc: MindDocument) => void): this {
    const draft = clone(this.doc);
    change(draft);
    if (draft.identity.gmid !== this.gmid) throw invalidInput('identity.gmid', 'cannot be changed');
    this.doc = draft;
    return this;
  }

  /**
   * Feels an emotion: sets its intensity (0..1), fades the others a little, and makes the
   * strongest one primary. The emotions map stays bounded; no history is kept in the file.
   */
  feel(
    emotion: string,
    intensity: number,
    options: { valence?: number; arousal?: number; mood?: string } = {},
  ): EmotionalState {
    if (typeof emotion !== 'string' || !/^[a-z][a-z0-9_ -]{0,39}$/i.test(emotion))
      throw invalidInput('emotion', `must be a word, got ${JSON.stringify(emotion)}`);
    unitInterval(intensity, 'intensity');
    const state = this.doc.emotionalState;
    const faded = Object.entries(state.emotions)
      .filter(([name]) => name !== emotion)
      .map(([name, v]) => [name, Math.round(v * 0.9 * 1000) / 1000] as [string, number])
      .filter(([, v]) => v >= 0.05);
    const emotions = Object.fromEntries(
      [[emotion, intensity] as [string, number], ...faded].sort((a, b) => b[1] - a[1]).slice(0, MAX_EMOTIONS),
    );
    const [primary, strongest] = Object.entries(emotions)[0]!;
    this.doc.emotionalState = {
      ...state,
      emotions,
      primaryEmotion: primary,
      intensity: strongest,
      ...(options.valence !== undefined ? { valence: Math.max(-1, Math.min(1, options.valence)) } : {}),
      ...(options.arousal !== undefined ? { arousal: Math.max(0, Math.min(1, options.arousal)) } : {}),
      ...(options.mood !== undefined ? { mood: options.mood } : {}),
      lastUpdate: new Date(this.deps.clock.now()).toISOString(),
    };
    return clone(this.doc.emotionalState);
  }

  /**
   * Writes `<home>/minds/{gmid}.json` atomically. Secrets found in the document go to the secrets
   * file instead. If another process saved this Mind since it was loaded, changes to different
   * sections are merged; changes to the same section are refused with SAVE_CONFLICT.
   */
  async save(): Promise<SaveResult> {
    const secrets: Record<string, unknown> = {};
    const stripped = stripSecrets(this.doc, '$', secrets) as MindDocument;
    const { documents } = this.deps;
    return documents.withLock(this.gmid, async () => {
      let next: MindDocument = { ...stripped, revision: this.base.revision + 1 };
      let merged = false;
      const current = await documents.read(this.gmid);
      if (current) {
        const { value } = current;
        const onDisk =
          typeof value === 'object' && value !== null && 'schemaVersion' in value
            ? validateMindDocument(value, this.file)
            : undefined;
        if (onDisk && onDisk.revision !== this.base.revision) {
          next = { ...this.merge(onDisk, stripped), revision: onDisk.revision + 1 };
          merged = true;
        }
      }
      validateMindDocument(next, this.file);
      const text = `${JSON.stringify(next, null, 2)}\n`;
      const bytes = Buffer.byteLength(text);
      if (bytes > MAX_MIND_FILE_BYTES) {
        const largest = Object.entries(next)
          .map(([k, v]) => [k, Buffer.byteLength(JSON.stringify(v) ?? '')] as const)
          .sort((a, b) => b[1] - a[1])
          .slice(0, 3)
          .map(([k, n]) => `${k} ${n} B`)
          .join(', ');
        throw new GenesisError(
          'MIND_FILE_TOO_LARGE',
          `Mind ${this.gmid} would be ${bytes} bytes, over the ${MAX_MIND_FILE_BYTES}-byte limit (largest sections: ${largest}). Nothing was written: keep lists in SQL, not in the Mind file.`,
        );
      }
      await documents.writeSecrets(this.gmid, secrets);
      await documents.write(this.gmid, text);
      this.base = clone(next);
      this.doc = clone(next);
      return { file: this.file, revision: next.revision, bytes, merged };
    });
  }

  private merge(theirs: MindDocument, mine: MindDocument): MindDocument {
    const sections = new Set([...Object.keys(this.base), ...Object.keys(mine), ...Object.keys(theirs)]);
    sections.delete('revision');
    const changed = (a: Record<string, unknown>, b: Record<string, unknown>) =>
      [...sections].filter((k) => canonical(a[k]) !== canonical(b[k]));
    const mineChanged = changed(this.base, mine);
    const theirsChanged = new Set(changed(this.base, theirs));
    const both = mineChanged.filter((k) => theirsChanged.has(k));
    if (both.length > 0) {
      throw new GenesisError(
        'SAVE_CONFLICT',
        `Mind ${this.gmid} was saved by another process (revision ${theirs.revision} on disk, ${this.base.revision} loaded) and both changed: ${both.join(', ')}. Nothing was written: load the Mind again and reapply the change.`,
      );
    }
    const result: Record<string, unknown> = { ...theirs };
    for (const key of mineChanged) {
      if ((mine as Record<string, unknown>)[key] === undefined) delete result[key];
      else result[key] = (mine as Record<string, unknown>)[key];
    }
    return result as MindDocument;
  }
}
