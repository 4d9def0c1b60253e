import { ConcernManager, type ConcernFollowUpOptions } from '../concerns/concern-manager';
import { ConversationManager } from '../conversation/conversation-manager';
import { MemoryManager, type MemoryOptions } from '../memory/memory-manager';
import type { Logger } from '../ports/logger';
import type { ScheduleStore } from '../ports/schedule-store';
import type { TaskStore } from '../ports/task-store';
import { ScheduleManager } from '../schedules/schedule-manager';
import { MindRetention } from '../retention/mind-retention';
import { TaskManager } from '../tasks/task-manager';
import { EnvironmentManager } from '../environments/environment-manager';
import { RelationshipManager } from '../relationships/relationship-manager';
import type { EnvironmentStore } from '../ports/environment-store';
import type { RelationshipStore } from '../ports/relationship-store';
import type { UnitOfWork } from '../ports/unit-of-work';
import type { Clock } from '../ports/clock';
import type { ConcernStore } from '../ports/concern-store';
import type { MemoryCatalogStore } from '../ports/memory-catalog';
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
  /** The SQL catalogue of memories (sorting, counting, access counters). */
  memoryCatalog: MemoryCatalogStore;
  memoryOptions?: MemoryOptions;
  maxMessageBytes?: number;
  tasks: TaskStore;
  schedules: ScheduleStore;
  logger: Logger;
  /** Told when this Mind enqueued a task (a daemon in this process wakes at once). */
  onTaskEnqueued?: (mindId: string) => void;
  /** The task types with a handler in this process. */
  handledTaskTypes?: () => readonly string[];
  /** The people this Mind knows (interactions are recorded with their messages). */
  relationships: RelationshipStore;
  /** Where this Mind lives and talks. */
  environments: EnvironmentStore;
  /** Writes that commit together: a message and the interaction it records. */
  unitOfWork: UnitOfWork;
  /** The follow-up policy and time zone for concerns created without a `followUpAt`. */
  followUps?: ConcernFollowUpOptions;
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
  /** Durable background tasks, run by the daemon that holds this Mind. */
  readonly tasks: TaskManager;
  /** Recurring schedules: each cron slot enqueues one task. */
  readonly schedules: ScheduleManager;
  /** This Mind's retention policy: an override of the home's defaults, kept in its file. */
  readonly retention: MindRetention;
  /** The people this Mind knows, by email: every message from a user counts an interaction. */
  readonly relationships: RelationshipManager;
  /** Where this Mind lives and talks, by id or name: messages mark them active, `visit` counts visits. */
  readonly environments: EnvironmentManager;
  readonly file: string;
  private doc: MindDocument;
  /** The document as last read from or written to disk: the base for conflict detection. */
  private base: MindDocument;
  /**
   * Secrets of a save that lost a conflict (outside the sections it lost): written by the next
   * save. Secrets never stay in the document once it has been through a save.
   */
  private pendingSecrets: Record<string, unknown> = {};

  constructor(
    document: MindDocument,
    base: MindDocument,
    private readonly deps: MindDependencies,
  ) {
    this.gmid = document.identity.gmid;
    this.doc = clone(document);
    this.base = clone(base);
    this.file = deps.documents.pathFor(this.gmid);
    this.conversation = new ConversationManager(
      this.gmid,
      deps.messages,
      deps.clock,
      deps.maxMessageBytes,
      deps.unitOfWork,
    );
    this.relationships = new RelationshipManager(this.gmid, deps.relationships);
    this.environments = new EnvironmentManager(this.gmid, deps.environments, deps.unitOfWork, deps.clock);
    this.concerns = new ConcernManager(this.gmid, deps.concerns, deps.clock, deps.followUps);
    this.tasks = new TaskManager(
      this.gmid,
      deps.tasks,
      deps.clock,
      deps.logger,
      deps.handledTaskTypes,
      deps.onTaskEnqueued,
    );
    this.schedules = new ScheduleManager(this.gmid, deps.schedules, deps.clock);
    this.retention = new MindRetention(this);
    // The Mind file keeps counts of its memories (never the memories): saved with the next save().
    this.memory = new MemoryManager(this.gmid, deps.memory, deps.memoryCatalog, deps.clock, {
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
   * sections are merged. Changes to the same section are refused with SAVE_CONFLICT (field: the
   * first such section; the message lists them all), writing nothing — and the conflict is not
   * sticky: this Mind takes the other writer's document as its new base, keeps its own changes to
   * the other sections and drops its changes to the conflicting ones. The next save then succeeds
   * (unless yet another writer got in between). `reload()` drops every unsaved change instead.
   */
  async save(): Promise<SaveResult> {
    const secrets: Record<string, unknown> = { ...this.pendingSecrets };
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
          const { document, conflicts } = this.merge(onDisk, stripped);
          if (conflicts.length > 0) throw this.rebase(onDisk, document, conflicts, secrets);
          next = { ...document, revision: onDisk.revision + 1 };
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
      this.pendingSecrets = {};
      return { file: this.file, revision: next.revision, bytes, merged };
    });
  }

  /**
   * Reads this Mind's document again from the store, dropping every unsaved change (and the
   * changes a lost conflict kept). For callers who would rather start over than save what
   * `save()` kept after a SAVE_CONFLICT.
   */
  async reload(): Promise<this> {
    const current = await this.deps.documents.read(this.gmid);
    if (!current)
      throw new GenesisError(
        'MIND_NOT_FOUND',
        `Mind ${this.gmid} has no document any more (no file ${this.file}): it was deleted; create or import it again.`,
        { field: 'gmid' },
      );
    const { value } = current;
    // An old-format file still at the Mind's path: not yet compacted, so the loaded document stays the base.
    const onDisk =
      typeof value === 'object' && value !== null && 'schemaVersion' in value
        ? validateMindDocument(value, this.file)
        : clone(this.base);
    if (onDisk.identity.gmid !== this.gmid) {
      throw new GenesisError(
        'INVALID_MIND_FILE',
        `Mind file ${this.file} is invalid at field "identity.gmid": it says ${onDisk.identity.gmid}, the Mind is ${this.gmid}. Nothing was reloaded.`,
        { field: 'identity.gmid' },
      );
    }
    this.base = clone(onDisk);
    this.doc = clone(onDisk);
    this.pendingSecrets = {};
    return this;
  }

  /**
   * After a lost conflict: the other writer's document becomes the base, and the document is it
   * plus this Mind's changes to the sections it alone changed. Returns the SAVE_CONFLICT to throw.
   */
  private rebase(
    theirs: MindDocument,
    kept: MindDocument,
    conflicts: string[],
    secrets: Record<string, unknown>,
  ): GenesisError {
    const loaded = this.base.revision;
    this.base = clone(theirs);
    this.doc = clone(kept);
    // Secrets set in the lost sections are lost with them; the others wait for the next save.
    this.pendingSecrets = Object.fromEntries(
      Object.entries(secrets).filter(([path]) => !conflicts.some((k) => path.startsWith(`$.${k}.`))),
    );
    const lost = conflicts.join(', ');
    return new GenesisError(
      'SAVE_CONFLICT',
      `Mind ${this.gmid} was saved by another process (revision ${theirs.revision} on disk, ${loaded} loaded) and both changed: ${lost}. ` +
        `Nothing was written. This Mind now holds revision ${theirs.revision} with the other writer's ${lost} (its own changes there were dropped) ` +
        'and keeps its changes to the other sections: reapply the lost change if it still matters, then save again.',
      { field: conflicts[0]! },
    );
  }

  /**
   * Three-way merge by top-level section: the other writer's document plus this Mind's changes
   * (since `base`) to the sections the other writer left alone. `conflicts` lists the sections both
   * changed; the merged document has the other writer's version of those.
   */
  private merge(theirs: MindDocument, mine: MindDocument): { document: MindDocument; conflicts: string[] } {
    const sections = new Set([...Object.keys(this.base), ...Object.keys(mine), ...Object.keys(theirs)]);
    sections.delete('revision');
    const changed = (a: Record<string, unknown>, b: Record<string, unknown>) =>
      [...sections].filter((k) => canonical(a[k]) !== canonical(b[k]));
    const mineChanged = changed(this.base, mine);
    const theirsChanged = new Set(changed(this.base, theirs));
    const result: Record<string, unknown> = { ...theirs };
    for (const key of mineChanged) {
      if (theirsChanged.has(key)) continue;
      if ((mine as Record<string, unknown>)[key] === undefined) delete result[key];
      else result[key] = (mine as Record<string, unknown>)[key];
    }
    return {
      document: result as MindDocument,
      conflicts: mineChanged.filter((k) => theirsChanged.has(k)),
    };
  }
}
