import { isAbsolute, resolve } from 'node:path';
import { inject, injectable } from 'tsyringe';
import { MindError, invalidInput } from './errors';
import { isGmid, newGmid, parseGmid } from './gmid';
import { convertLegacyMind, isLegacyMindFile, legacyMemories } from './legacy';
import type { AddMemoryInput, MemoryOptions } from './memory-manager';
import { Mind } from './mind';
import { newMindDocument, validateMindDocument, type MindDocument, type NewMindInput } from './mind-document';
import { MindFiles } from './mind-files';
import type { Clock } from './ports/clock';
import type { ConcernStore, StoredConcern } from './ports/concern-store';
import type { MemoryBackend } from './ports/memory-store';
import type { MessageStore } from './ports/message-store';
import type { MindRecord, MindRegistry } from './ports/mind-registry';
import type { RecordStore } from './ports/record-store';
import type { TaskStore } from './ports/task-store';
import { parseEmail } from './validation';
import { CLOCK, CONCERN_STORE, MEMORY_BACKEND, MESSAGE_STORE, MIND_OPTIONS, MIND_REGISTRY, RECORD_STORE, TASK_STORE } from './tokens';

export interface MindOptions {
  /** The Genesis home: Mind files live in `<home>/minds/`. */
  home: string;
  /** Largest message content accepted, in bytes. Default 1 MB. */
  maxMessageBytes?: number;
  /** Near-duplicate threshold and ranking of the memory tier. */
  memory?: MemoryOptions;
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

/** Creates, loads, lists and deletes Minds. Depends only on mind-core ports. */
@injectable()
export class MindService {
  readonly files: MindFiles;

  constructor(
    @inject(MIND_OPTIONS) private readonly options: MindOptions,
    @inject(MIND_REGISTRY) private readonly registry: MindRegistry,
    @inject(MESSAGE_STORE) private readonly messages: MessageStore,
    @inject(CONCERN_STORE) private readonly concerns: ConcernStore,
    @inject(TASK_STORE) private readonly tasks: TaskStore,
    @inject(RECORD_STORE) private readonly records: RecordStore,
    @inject(CLOCK) private readonly clock: Clock,
    @inject(MEMORY_BACKEND) private readonly memory: MemoryBackend,
  ) {
    this.files = new MindFiles(options.home);
  }

  async createMind(input: NewMindInput): Promise<Mind> {
    if (typeof input?.name !== 'string' || input.name.trim() === '' || input.name.length > 200) {
      throw invalidInput('name must be a non-empty string of at most 200 characters');
    }
    const creatorEmail = input.creatorEmail == null ? null : parseEmail(input.creatorEmail, 'creatorEmail');
    let gmid = newGmid(this.clock.now());
    while (await this.files.exists(this.files.pathFor(gmid))) gmid = newGmid(this.clock.now());
    const document = newMindDocument(gmid, { ...input, name: input.name.trim(), creatorEmail }, this.clock.now());
    const mind = this.mind(document, document);
    await mind.save();
    await this.registry.upsert({ gmid, name: mind.name, jsonPath: mind.file, status: 'active' });
    return mind;
  }

  /**
   * Loads a Mind by GMID (from `<home>/minds/`) or from a file path. An old-format file is imported:
   * its history goes to SQL (exactly once, however often it is loaded), the original is kept
   * byte-identical in `<home>/minds/backup/`, and `save()` then writes the compact file.
   */
  async loadMind(gmidOrPath: string): Promise<Mind> {
    if (typeof gmidOrPath !== 'string' || gmidOrPath === '') throw invalidInput('loadMind needs a GMID or a file path');
    const text: string = gmidOrPath;
    const looksLikePath = !isGmid(text) && (text.includes('/') || text.includes('\\') || text.endsWith('.json'));
    const file = looksLikePath ? (isAbsolute(gmidOrPath) ? gmidOrPath : resolve(gmidOrPath)) : this.files.pathFor(gmidOrPath);
    const { raw, value, mtimeMs } = await this.files.readJson(file);

    if (isLegacyMindFile(value)) return this.importLegacy(file, raw, value, mtimeMs);

    const document = validateMindDocument(value, file);
    if (!looksLikePath && document.identity.gmid !== gmidOrPath) {
      throw new MindError('INVALID_MIND_FILE', `Mind file ${file} is invalid at field "identity.gmid": it says ${document.identity.gmid}, the file name says ${gmidOrPath}. The file was left untouched.`);
    }
    const mind = this.mind(document, document);
    if (await this.registry.get(mind.gmid)) await this.registry.touch(mind.gmid, this.clock.now());
    else await this.registry.upsert({ gmid: mind.gmid, name: mind.name, jsonPath: mind.file, status: 'active', lastSeenAt: this.clock.now() });
    await this.movePendingMemories(mind);
    return mind;
  }

  /** Every registered Mind, oldest first. */
  async listMinds(): Promise<MindRecord[]> {
    const all: MindRecord[] = [];
    let cursor: string | null = null;
    do {
      const page = await this.registry.list({ limit: 500, cursor });
      all.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    return all;
  }

  /** Deletes a Mind's memories, SQL rows, JSON file and secrets file. Backups of old files are kept. */
  async deleteMind(gmid: string): Promise<{ gmid: string; rowsDeleted: number; fileRemoved: boolean; memoriesDropped: boolean }> {
    parseGmid(gmid);
    const known = await this.registry.get(gmid);
    const fileExists = await this.files.exists(this.files.pathFor(gmid));
    if (!known && !fileExists) throw new MindError('MIND_NOT_FOUND', `No Mind ${gmid} in ${this.options.home}`);
    const memoriesDropped = await this.memory.drop(gmid);
    const { rowsDeleted } = await this.registry.remove(gmid);
    const { fileRemoved } = await this.files.remove(gmid);
    return { gmid, rowsDeleted, fileRemoved, memoriesDropped };
  }

  /** Finds a concern by id across all Minds, with the Mind it belongs to. */
  async findConcern(id: string): Promise<{ mind: Mind; concern: StoredConcern }> {
    if (typeof id !== 'string' || id.trim() === '') throw invalidInput('concern id must be a non-empty string');
    const concern = await this.concerns.findById(id);
    if (!concern) throw new MindError('CONCERN_NOT_FOUND', `No concern ${JSON.stringify(id)} in ${this.options.home}`);
    return { mind: await this.loadMind(concern.mindId), concern };
  }

  async stats(gmid: string): Promise<MindStats> {
    const mind = await this.loadMind(parseGmid(gmid));
    const [messages, concerns, activeConcerns, tasks, records] = await Promise.all([
      this.messages.count({ mindId: gmid, includeArchived: true }),
      this.concerns.count({ mindId: gmid }),
      this.concerns.count({ mindId: gmid, status: 'active' }),
      this.tasks.count({ mindId: gmid }),
      this.records.count({ mindId: gmid }),
    ]);
    return {
      gmid,
      name: mind.name,
      jsonFile: mind.file,
      jsonBytes: await this.files.size(mind.file),
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
      files: this.files,
      messages: this.messages,
      concerns: this.concerns,
      clock: this.clock,
      memory: this.memory,
      ...(this.options.memory ? { memoryOptions: this.options.memory } : {}),
      ...(this.options.maxMessageBytes !== undefined ? { maxMessageBytes: this.options.maxMessageBytes } : {}),
    });
  }

  private async importLegacy(file: string, raw: Buffer, value: Record<string, unknown>, mtimeMs: number): Promise<Mind> {
    const identity = value.identity as Record<string, unknown> | undefined;
    if (!identity || typeof identity !== 'object') {
      throw new MindError('INVALID_MIND_FILE', `Mind file ${file} is invalid at field "identity": an old-format Mind needs an identity section. The file was left untouched.`);
    }
    const gmid = parseGmid(identity.gmid, `Field "identity.gmid" of ${file}:`);
    if (typeof identity.name !== 'string' || identity.name.trim() === '') {
      throw new MindError('INVALID_MIND_FILE', `Mind file ${file} is invalid at field "identity.name": a non-empty name is required. The file was left untouched.`);
    }
    const backupFile = await this.files.backup(gmid, raw);
    const conversion = convertLegacyMind(value, { gmid, fallbackTime: Math.floor(mtimeMs), sourceFile: file, backupFile, now: this.clock.now() });
    await this.messages.appendMany(conversion.messages.map((m) => ({ ...m, mindId: gmid })));
    await this.records.appendMany(conversion.records.map((r) => ({ ...r, mindId: gmid })));
    await this.files.writeSecrets(gmid, conversion.secrets);

    const canonical = this.files.pathFor(gmid);
    let mind: Mind;
    const current = canonical !== file && (await this.files.exists(canonical)) ? await this.files.readJson(canonical) : undefined;
    if (current && !isLegacyMindFile(current.value)) {
      // Already compacted earlier: the compact file is the Mind; the import above was a no-op or a top-up.
      const document = validateMindDocument(current.value, canonical);
      mind = this.mind(document, document);
    } else {
      const base = { ...conversion.document, revision: 0 };
      mind = this.mind(conversion.document, base);
    }
    await this.registry.upsert({ gmid, name: mind.name, jsonPath: canonical, status: 'active', lastSeenAt: this.clock.now() });
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
      raw = (await this.files.readJson(doc.legacyImport.backupFile)).value;
    }
    const pending = legacyMemories(raw, Date.parse(doc.identity.birthTimestamp));
    try {
      await mind.memory.importMemories(pending as unknown as Array<AddMemoryInput & { id: string }>);
    } catch {
      return; // still pending: counted by memory.notYetMoved, tried again on the next load
    }
    mind.update((d) => {
      d.memory.notYetMoved = 0;
    });
  }
}
