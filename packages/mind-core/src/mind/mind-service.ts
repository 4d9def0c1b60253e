import { inject, injectable } from 'tsyringe';
import { convertLegacyMind } from '../legacy/convert';
import { isLegacyMindFile } from '../legacy/detect';
import { legacyMemories } from '../legacy/memories';
import type { MemoryOptions } from '../memory/memory-manager';
import type { ConcernFollowUpOptions } from '../concerns/concern-manager';
import type { Clock } from '../ports/clock';
import type { ConcernStore, StoredConcern } from '../ports/concern-store';
import type { Logger } from '../ports/logger';
import type { MemoryBackend } from '../ports/memory-store';
import type { MessageStore } from '../ports/message-store';
import type { DocumentFile, MindDocumentStore } from '../ports/mind-document-store';
import type { RegisteredMind, MindRegistry } from '../ports/mind-registry';
import type { RecordStore } from '../ports/record-store';
import type { ScheduleStore } from '../ports/schedule-store';
import type { TaskStore } from '../ports/task-store';
import { CLOCK, CONCERN_STORE, LOGGER, MEMORY_BACKEND, MESSAGE_STORE, MIND_DOCUMENT_STORE } from '../ports/tokens';
import { MIND_OPTIONS, MIND_REGISTRY, RECORD_STORE, SCHEDULE_STORE, TASK_STORE, UNIT_OF_WORK } from '../ports/tokens';
import { ENVIRONMENT_STORE, RELATIONSHIP_STORE } from '../ports/tokens';
import type { EnvironmentStore } from '../ports/environment-store';
import type { RelationshipStore } from '../ports/relationship-store';
import type { UnitOfWork } from '../ports/unit-of-work';
import { GenesisError } from '../shared/errors';
import { isGmid, newGmid, parseGmid } from '../shared/gmid';
import { nonEmptyText, parseEmail } from '../shared/validation';
import { Mind } from './mind';
import { newMindDocument, validateMindDocument, type MindDocument, type NewMindInput } from './mind-document';

export interface MindOptions {
  /** The Genesis home, named in messages (Mind files live in `<home>/minds/`). */
  home: string;
  /** Largest message content accepted, in bytes. Default 1 MB. */
  maxMessageBytes?: number;
  /** Near-duplicate threshold and ranking of the memory tier. */
  memory?: MemoryOptions;
  /** Told when a Mind enqueued a task (the daemon in this process wakes at once). */
  onTaskEnqueued?: (mindId: string) => void;
  /** The task types this process has handlers for: enqueueing another type logs a warning. */
  handledTaskTypes?: () => readonly string[];
  /** The follow-up policy and the Minds' time zone, for concerns created without a `followUpAt`. */
  followUps?: ConcernFollowUpOptions;
}

export interface MindStats {
  gmid: string;
  name: string;
  jsonFile: string;
  jsonBytes: number;
  messages: number;
  concerns: number;
  activeConcerns: number;
  tasks: number;
  records: number;
  /** Memories still inline in an old-format backup, not yet moved to the memory tier. */
  memoriesNotYetMoved: number;
}

/** The SQL-tier ports a MindService works with outside units of work (resolved as one parameter). */
@injectable()
export class MindStores {
  constructor(
    @inject(MIND_REGISTRY) readonly registry: MindRegistry,
    @inject(MESSAGE_STORE) readonly messages: MessageStore,
    @inject(CONCERN_STORE) readonly concerns: ConcernStore,
    @inject(TASK_STORE) readonly tasks: TaskStore,
    @inject(RECORD_STORE) readonly records: RecordStore,
    @inject(SCHEDULE_STORE) readonly schedules: ScheduleStore,
    @inject(RELATIONSHIP_STORE) readonly relationships: RelationshipStore,
    @inject(ENVIRONMENT_STORE) readonly environments: EnvironmentStore,
  ) {}
}

/** Creates, loads, lists and deletes Minds. Depends only on mind-core ports. */
@injectable()
export class MindService {
  constructor(
    @inject(MIND_OPTIONS) private readonly options: MindOptions,
    private readonly stores: MindStores,
    @inject(CLOCK) private readonly clock: Clock,
    @inject(MEMORY_BACKEND) private readonly memory: MemoryBackend,
    @inject(MIND_DOCUMENT_STORE) private readonly documents: MindDocumentStore,
    @inject(UNIT_OF_WORK) private readonly unitOfWork: UnitOfWork,
    @inject(LOGGER) private readonly log: Logger,
  ) {}

  async createMind(input: NewMindInput): Promise<Mind> {
    if (typeof input !== 'object' || input === null)
      throw new GenesisError('INVALID_INPUT', 'createMind needs { name, … }', { field: 'name' });
    const name = nonEmptyText(input.name, 'name', 200).trim();
    const creatorEmail = input.creatorEmail == null ? null : parseEmail(input.creatorEmail, 'creatorEmail');
    let gmid = newGmid(this.clock.now());
    while (await this.documents.exists(gmid)) gmid = newGmid(this.clock.now());
    const document = newMindDocument(gmid, { ...input, name, creatorEmail }, this.clock.now());
    const mind = this.mind(document, document);
    await mind.save();
    await this.stores.registry.upsert({ gmid, name: mind.name, jsonPath: mind.file, status: 'active' });
    return mind;
  }

  /**
   * Loads a Mind by its GMID from `<home>/minds/`. An old-format file found there is imported: its
   * history goes to SQL (exactly once, however often it is loaded), the original is kept
   * byte-identical in `<home>/minds/backup/`, and `save()` then writes the compact file.
   */
  async loadMind(gmid: string): Promise<Mind> {
    parseGmid(gmid);
    const file = await this.documents.read(gmid);
    if (!file)
      throw new GenesisError(
        'MIND_NOT_FOUND',
        `No Mind ${gmid} in ${this.options.home} (no file ${this.documents.pathFor(gmid)})`,
        { field: 'gmid' },
      );
    return this.open(file, gmid);
  }

  /**
   * Loads a Mind from a file anywhere (an old-format file to bring into this home, or a compact one).
   * Errors name the file and the field, never its contents.
   */
  async loadMindFile(path: string): Promise<Mind> {
    nonEmptyText(path, 'path');
    return this.open(await this.documents.readFile(path));
  }

  private async open(file: DocumentFile, expectedGmid?: string): Promise<Mind> {
    if (isLegacyMindFile(file.value)) return this.importLegacy(file, file.value);
    const document = validateMindDocument(file.value, file.path);
    if (expectedGmid !== undefined && document.identity.gmid !== expectedGmid) {
      throw new GenesisError(
        'INVALID_MIND_FILE',
        `Mind file ${file.path} is invalid at field "identity.gmid": it says ${document.identity.gmid}, the file name says ${expectedGmid}. The file was left untouched.`,
        { field: 'identity.gmid' },
      );
    }
    const mind = this.mind(document, document);
    if (await this.stores.registry.get(mind.gmid)) await this.stores.registry.touch(mind.gmid, this.clock.now());
    else
      await this.stores.registry.upsert({
        gmid: mind.gmid,
        name: mind.name,
        jsonPath: mind.file,
        status: 'active',
        lastSeenAt: this.clock.now(),
      });
    await this.movePendingMemories(mind);
    return mind;
  }

  /** Every registered Mind, oldest first. */
  async listMinds(): Promise<RegisteredMind[]> {
    const all: RegisteredMind[] = [];
    let cursor: string | null = null;
    do {
      const page = await this.stores.registry.list({ limit: 500, cursor });
      all.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    return all;
  }

  /** Deletes a Mind's memories, SQL rows, JSON file and secrets file. Backups of old files are kept. */
  async deleteMind(
    gmid: string,
  ): Promise<{ gmid: string; rowsDeleted: number; fileRemoved: boolean; memoriesDropped: boolean }> {
    parseGmid(gmid);
    const known = await this.stores.registry.get(gmid);
    const fileExists = await this.documents.exists(gmid);
    if (!known && !fileExists)
      throw new GenesisError('MIND_NOT_FOUND', `No Mind ${gmid} in ${this.options.home}`, { field: 'gmid' });
    const memoriesDropped = await this.memory.drop(gmid);
    const { rowsDeleted } = await this.stores.registry.remove(gmid);
    const { fileRemoved } = await this.documents.remove(gmid);
    return { gmid, rowsDeleted, fileRemoved, memoriesDropped };
  }

  /** Finds a concern by id across all Minds, with the Mind it belongs to. */
  async findConcern(id: string): Promise<{ mind: Mind; concern: StoredConcern }> {
    nonEmptyText(id, 'id', 200);
    const concern = await this.stores.concerns.findById(id);
    if (!concern)
      throw new GenesisError('CONCERN_NOT_FOUND', `No concern ${JSON.stringify(id)} in ${this.options.home}`, {
        field: 'id',
      });
    return { mind: await this.loadMind(concern.mindId), concern };
  }

  async stats(gmid: string): Promise<MindStats> {
    const mind = await this.loadMind(parseGmid(gmid));
    const [messages, concerns, activeConcerns, tasks, records] = await Promise.all([
      this.stores.messages.count({ mindId: gmid, includeArchived: true }),
      this.stores.concerns.count({ mindId: gmid }),
      this.stores.concerns.count({ mindId: gmid, status: 'active' }),
      this.stores.tasks.count({ mindId: gmid }),
      this.stores.records.count({ mindId: gmid }),
    ]);
    return {
      gmid,
      name: mind.name,
      jsonFile: mind.file,
      jsonBytes: await this.documents.size(gmid),
      messages,
      concerns,
      activeConcerns,
      tasks,
      records,
      memoriesNotYetMoved: mind.document.memory.notYetMoved,
    };
  }

  private mind(document: MindDocument, base: MindDocument): Mind {
    return new Mind(document, base, {
      documents: this.documents,
      messages: this.stores.messages,
      concerns: this.stores.concerns,
      clock: this.clock,
      memory: this.memory,
      memoryOptions: { ...this.options.memory, logger: this.log },
      tasks: this.stores.tasks,
      schedules: this.stores.schedules,
      relationships: this.stores.relationships,
      environments: this.stores.environments,
      unitOfWork: this.unitOfWork,
      logger: this.log,
      ...(this.options.onTaskEnqueued ? { onTaskEnqueued: this.options.onTaskEnqueued } : {}),
      ...(this.options.handledTaskTypes ? { handledTaskTypes: this.options.handledTaskTypes } : {}),
      ...(this.options.maxMessageBytes !== undefined ? { maxMessageBytes: this.options.maxMessageBytes } : {}),
      ...(this.options.followUps ? { followUps: this.options.followUps } : {}),
    });
  }

  /**
   * Imports an old-format file: its messages, records and registry row commit in one unit of work
   * (a crash leaves all of them or none); importing again adds nothing (source keys).
   */
  private async importLegacy(file: DocumentFile, value: Record<string, unknown>): Promise<Mind> {
    const identity = value.identity as Record<string, unknown> | undefined;
    if (!identity || typeof identity !== 'object') {
      throw new GenesisError(
        'INVALID_MIND_FILE',
        `Mind file ${file.path} is invalid at field "identity": an old-format Mind needs an identity section. The file was left untouched.`,
        { field: 'identity' },
      );
    }
    if (!isGmid(identity.gmid)) {
      throw new GenesisError(
        'INVALID_GMID',
        `Mind file ${file.path} is invalid at field "identity.gmid": expected a Genesis Mind id like GMD-2026-4A7F-9B23 (GMD-{year}-{4 hex}-{4 hex}) or GMID-{8 characters}. The file was left untouched.`,
        { field: 'identity.gmid' },
      );
    }
    const gmid = identity.gmid as string;
    if (typeof identity.name !== 'string' || identity.name.trim() === '') {
      throw new GenesisError(
        'INVALID_MIND_FILE',
        `Mind file ${file.path} is invalid at field "identity.name": a non-empty name is required. The file was left untouched.`,
        { field: 'identity.name' },
      );
    }
    const backupFile = await this.documents.backup(gmid, file.raw);
    const conversion = convertLegacyMind(value, {
      gmid,
      fallbackTime: Math.floor(file.modifiedAt),
      sourceFile: file.path,
      backupFile,
      now: this.clock.now(),
    });
    const canonical = this.documents.pathFor(gmid);
    // Secrets first: writing them again is harmless, and a crash after the commit must not lose them.
    await this.documents.writeSecrets(gmid, conversion.secrets);
    await this.unitOfWork.run(async (stores) => {
      await stores.messages.appendMany(conversion.messages.map((m) => ({ ...m, mindId: gmid })));
      await stores.records.appendMany(conversion.records.map((r) => ({ ...r, mindId: gmid })));
      await stores.minds.upsert({
        gmid,
        name: conversion.document.identity.name,
        jsonPath: canonical,
        status: 'active',
        lastSeenAt: this.clock.now(),
      });
    });

    let mind: Mind;
    const current = canonical !== file.path ? await this.documents.read(gmid) : null;
    if (current && !isLegacyMindFile(current.value)) {
      // Already compacted earlier: the compact file is the Mind; the import above was a no-op or a top-up.
      const document = validateMindDocument(current.value, canonical);
      mind = this.mind(document, document);
    } else {
      mind = this.mind(conversion.document, { ...conversion.document, revision: 0 });
      // The registry now names <home>/minds/{gmid}.json: write it, so the Mind loads by its GMID. (An
      // old file that already sits there is replaced by the compact one on the first save instead.)
      if (canonical !== file.path) await mind.save();
    }
    await this.movePendingMemories(mind, value);
    return mind;
  }

  /**
   * Moves the inline memories of an old-format file (from `source`, else from its backup) to the
   * memory tier, once. If the memory tier cannot be reached they stay pending (the Mind still loads,
   * and `memory.notYetMoved` keeps counting them) and the next load tries again.
   */
  private async movePendingMemories(mind: Mind, source?: unknown): Promise<void> {
    const doc = mind.document;
    if (doc.memory.notYetMoved <= 0) return;
    let raw = source;
    if (raw === undefined) {
      if (!doc.legacyImport?.backupFile) return;
      raw = (await this.documents.readFile(doc.legacyImport.backupFile)).value;
    }
    const pending = legacyMemories(raw, Date.parse(doc.identity.birthTimestamp));
    try {
      await mind.memory.importMemories(pending);
    } catch (error) {
      // Still pending: counted by memory.notYetMoved, tried again on the next load.
      this.log.warn(
        { gmid: mind.gmid, pending: pending.length, err: error },
        'old inline memories not moved to the memory tier yet; will retry on next load',
      );
      return;
    }
    mind.update((d) => {
      d.memory.notYetMoved = 0;
    });
  }
}
