import { inject, injectable } from 'tsyringe';
import { applyPeople, applyPlaces } from '../legacy/apply';
import { convertLegacyMind, type LegacyConversion } from '../legacy/convert';
import { isLegacyMindFile } from '../legacy/detect';
import { documentBytes } from '../legacy/fit';
import { retimeHistory } from '../legacy/history';
import { legacyMemories } from '../legacy/memories';
import { emptyReport, type LegacyFileReport } from '../legacy/report';
import type { LegacyMessage } from '../legacy/sections';
import { isRecord } from '../shared/validation';
import type { MemoryOptions } from '../memory/memory-manager';
import { forgetMemoryWrites, settleMemoryWrites } from '../memory/write-behind';
import type { ConcernFollowUpOptions } from '../concerns/concern-manager';
import type { Clock } from '../ports/clock';
import type { ConcernStore, StoredConcern } from '../ports/concern-store';
import type { Logger } from '../ports/logger';
import type { MemoryBackend } from '../ports/memory-store';
import type { MessageStore } from '../ports/message-store';
import type { DocumentFile, MindDocumentStore } from '../ports/mind-document-store';
import type { RegisteredMind, MindRegistry } from '../ports/mind-registry';
import type { NewRecord, RecordStore } from '../ports/record-store';
import type { ScheduleStore } from '../ports/schedule-store';
import type { TaskStore } from '../ports/task-store';
import { CLOCK, CONCERN_STORE, LOGGER, MEMORY_BACKEND, MESSAGE_STORE, MIND_DOCUMENT_STORE } from '../ports/tokens';
import { MIND_OPTIONS, MIND_REGISTRY, RECORD_STORE, SCHEDULE_STORE, TASK_STORE, UNIT_OF_WORK } from '../ports/tokens';
import { ENVIRONMENT_STORE, MEMORY_CATALOG, RELATIONSHIP_STORE } from '../ports/tokens';
import type { MemoryCatalogStore } from '../ports/memory-catalog';
import type { EnvironmentStore } from '../ports/environment-store';
import type { RelationshipStore } from '../ports/relationship-store';
import type { UnitOfWork } from '../ports/unit-of-work';
import { GenesisError } from '../shared/errors';
import { isGmid, newGmid, parseGmid } from '../shared/gmid';
import { nonEmptyText, parseEmail } from '../shared/validation';
import { Mind } from './mind';
import { MAX_MIND_FILE_BYTES, newMindDocument, validateMindDocument } from './mind-document';
import type { MindDocument, NewMindInput } from './mind-document';

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

/** Options of {@link MindService.importLegacyMind}. */
export interface ImportLegacyOptions {
  /** Compute the report without writing anything (no backup, no rows, no file, no secrets). */
  dryRun?: boolean;
  /** Told after every batch of rows written (messages, records, people, places), with the total. */
  onProgress?: (done: number, total: number) => void;
}

interface ImportRun extends ImportLegacyOptions {
  /** Filled in when the caller wants a report (importLegacyMind); loadMind only logs problems. */
  report?: LegacyFileReport;
  /** The path whose `.bak` / `.tmp` belong to this file (default: the file's own path). */
  origin?: string;
  /** Look for history in the `.bak` (default true). */
  useBak?: boolean;
  /** The Mind is compact already: keep this document, only add what the old files hold and SQL lacks. */
  keep?: MindDocument;
}

/**
 * Rows per appendMany inside an import's unit of work (progress is reported per batch). Small enough
 * that a batch's rows die young: with 1000, a 50 MB file's import peaked ~70 MB higher in RSS.
 */
const IMPORT_BATCH = 250;

/** Thrown inside a dry run's unit of work so that nothing it wrote is kept. */
class DryRunRollback extends Error {}

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
    @inject(MEMORY_CATALOG) readonly memoryCatalog: MemoryCatalogStore,
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
    // Memories added in this process are written out first, so no queued vector lands after the drop.
    await settleMemoryWrites(this.stores.memoryCatalog, gmid).catch(() => undefined);
    const memoriesDropped = await this.memory.drop(gmid);
    await this.stores.memoryCatalog.removeMind(gmid);
    forgetMemoryWrites(this.stores.memoryCatalog, gmid);
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

  private mind(document: MindDocument, base: MindDocument, documents = this.documents): Mind {
    return new Mind(document, base, {
      documents,
      messages: this.stores.messages,
      concerns: this.stores.concerns,
      clock: this.clock,
      memory: this.memory,
      memoryCatalog: this.stores.memoryCatalog,
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
   * Imports the old-format Mind `<home>/minds/{gmid}.json` and reports what moved where: messages
   * (from the file and its `.bak`, merged, each once), plugin collections (records), people
   * (relationships), places (environments), inline memories, sections moved to keep the document
   * under 50 KB, secrets. The original (and the `.bak` when history came from it) is kept
   * byte-identical in `<home>/minds/backup/` and verified first; everything SQL gets commits in
   * one unit of work; the compact document is then written. Running it again adds nothing (every
   * item has a source key), and for a Mind already compacted it checks the original and the `.bak`
   * again and adds only what is missing.
   *
   * Never throws for a bad file: a file that is not valid JSON (e.g. truncated by a crash) is
   * reported (`status: 'failed'`) and left untouched, and its `.bak` is NOT imported instead: the
   * damaged file may hold newer state than the `.bak`, so it is for the owner to repair or remove
   * it (a missing file with a `.bak` is imported from the `.bak`). A `.tmp` left by a crash
   * mid-write is reported and never used. `dryRun` computes the same report without writing
   * anything (the SQL writes run and are rolled back, so the counts are exact).
   */
  async importLegacyMind(gmid: string, options: ImportLegacyOptions = {}): Promise<LegacyFileReport> {
    parseGmid(gmid);
    const path = this.documents.pathFor(gmid);
    const report = emptyReport(gmid, path, options.dryRun === true);
    const run: ImportRun = { ...options, report };
    await this.noteTemp(path, report.problems);
    try {
      const main = await this.readOptional(path, report.problems);
      if (main === 'invalid') {
        report.status = 'failed';
        report.problems.push(
          `${path} was not imported: its .bak was not used instead, since the damaged file may hold newer state; repair or remove ${path} and run again`,
        );
        return report;
      }
      if (main === null) {
        const bak = await this.readOptional(`${path}.bak`, report.problems);
        if (bak === null || bak === 'invalid' || !isLegacyMindFile(bak.value))
          throw new GenesisError('MIND_NOT_FOUND', `No Mind ${gmid} in ${this.options.home} (no file ${path})`, {
            field: 'gmid',
          });
        report.problems.push(`${path} is missing: imported from its .bak ${bak.path} (the previous save)`);
        report.file = bak.path;
        await this.importLegacy(bak, bak.value, { ...run, origin: path, useBak: false, gmid });
        return report;
      }
      if (isLegacyMindFile(main.value)) {
        await this.importLegacy(main, main.value, { ...run, gmid });
        return report;
      }
      const document = validateMindDocument(main.value, path);
      report.oldBytes = report.newBytes = main.raw.length;
      if (!document.legacyImport) {
        report.status = 'not-legacy';
        return report;
      }
      // Compacted earlier: the original and the .bak again, adding only what is missing.
      const original = await this.readOptional(document.legacyImport.backupFile, report.problems);
      if (original === null || original === 'invalid' || !isLegacyMindFile(original.value)) {
        report.status = 'already-imported';
        report.problems.push(
          `the backup ${document.legacyImport.backupFile} of the old file cannot be read: not checked again`,
        );
        return report;
      }
      report.oldBytes = original.raw.length;
      await this.importLegacy(original, original.value, {
        ...run,
        origin: document.legacyImport.sourceFile,
        keep: document,
        gmid,
      });
      report.status = 'already-imported';
      return report;
    } catch (error) {
      if (!(error instanceof GenesisError) || !['INVALID_MIND_FILE', 'INVALID_GMID'].includes(error.code)) throw error;
      report.status = 'failed';
      report.problems.push(error.message);
      return report;
    }
  }

  /**
   * Imports an old-format file: its messages (with its `.bak`'s), records, people, places and
   * registry row commit in one unit of work (a crash leaves all of them or none); importing again
   * adds nothing (source keys). The document is made to fit the size limit, so `save()` works.
   */
  private async importLegacy(
    file: DocumentFile,
    value: Record<string, unknown>,
    run: ImportRun & { gmid?: string } = {},
  ): Promise<Mind> {
    const report = run.report ?? emptyReport('', file.path, false);
    const dryRun = run.dryRun === true;
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
    if (run.gmid !== undefined && gmid !== run.gmid) {
      throw new GenesisError(
        'INVALID_MIND_FILE',
        `Mind file ${file.path} is invalid at field "identity.gmid": it says ${gmid}, the file name says ${run.gmid}. The file was left untouched.`,
        { field: 'identity.gmid' },
      );
    }
    if (typeof identity.name !== 'string' || identity.name.trim() === '') {
      throw new GenesisError(
        'INVALID_MIND_FILE',
        `Mind file ${file.path} is invalid at field "identity.name": a non-empty name is required. The file was left untouched.`,
        { field: 'identity.name' },
      );
    }
    report.gmid = gmid;
    report.oldBytes = file.raw.length;
    const origin = run.origin ?? file.path;
    if (!run.report) await this.noteTemp(origin, report.problems);

    // The previous save: it may hold history the file lost.
    let bak: DocumentFile | null = null;
    if (run.useBak !== false) {
      const found = await this.readOptional(`${origin}.bak`, report.problems);
      if (found !== null && found !== 'invalid') {
        const bakGmid = isRecord(found.value) && isRecord(found.value.identity) ? found.value.identity.gmid : undefined;
        if (!isRecord(found.value) || !Array.isArray(found.value.conversation_history)) bak = null;
        else if (bakGmid !== undefined && bakGmid !== gmid)
          report.problems.push(`${found.path} belongs to Mind ${String(bakGmid)}, not ${gmid}: not used`);
        else bak = found;
      }
    }

    let backupFile = '';
    if (!dryRun) {
      backupFile = await this.documents.backup(gmid, file.raw);
      if (run.report) await this.verifyBackup(backupFile, file);
      report.backupFile = backupFile;
    }
    const conversion = convertLegacyMind(value, {
      gmid,
      fallbackTime: Math.floor(file.modifiedAt),
      sourceFile: origin,
      backupFile: backupFile || `${this.documents.location}/backup/(dry run)`,
      now: this.clock.now(),
      ...(bak ? { backupHistory: (bak.value as { conversation_history: unknown[] }).conversation_history } : {}),
    });
    const fromBackup = conversion.messages.filter((m) => m.metadata.fromBackup === true).length;
    if (bak && fromBackup > 0 && !dryRun) report.backupOfBak = await this.documents.backup(gmid, bak.raw);
    bak = null;
    await this.avoidTakenTimes(gmid, conversion);
    report.messages.fromBackup = fromBackup;
    report.messages.duplicatesInBackup = conversion.historyDuplicates;
    report.movedCollections = conversion.movedCollections;
    report.movedSections = conversion.movedSections;
    report.secrets = Object.keys(conversion.secrets);
    report.problems.push(...conversion.problems);
    if (conversion.movedSections.length > 0)
      report.problems.push(
        `the document would pass ${Math.round(documentBytes(conversion.document) / 1024)} KB: moved ${conversion.movedSections.join(', ')} to records`,
      );

    // What the rest needs of the old file: once the rows are written, the parsed file, its bytes and
    // the conversion are no longer referenced, so a 50 MB file is not held through the save below.
    const filePath = file.path;
    const oldBytes = file.raw.length;
    const converted = conversion.document;
    const inlineMemories = conversion.inlineMemories;
    const memorySource = { memory: value.memory };
    const canonical = this.documents.pathFor(gmid);
    // Secrets first: writing them again is harmless, and a crash after the commit must not lose them.
    if (!dryRun) await this.documents.writeSecrets(gmid, conversion.secrets);
    await this.writeImport(gmid, canonical, conversion, run, report);

    if (dryRun) {
      report.newBytes = run.keep ? report.newBytes : documentBytes({ ...converted, revision: 1 });
      report.memories = { inline: inlineMemories, moved: 0, pending: inlineMemories };
      if (!run.report) throw new Error('a dry run needs a report');
      return null as unknown as Mind;
    }

    let mind: Mind;
    const current = run.keep ? null : canonical !== filePath ? await this.documents.read(gmid) : null;
    if (run.keep) {
      mind = this.mind(run.keep, run.keep);
    } else if (current && !isLegacyMindFile(current.value)) {
      // Already compacted earlier: the compact file is the Mind; the import above was a no-op or a top-up.
      const document = validateMindDocument(current.value, canonical);
      mind = this.mind(document, document);
    } else {
      mind = this.mind(converted, { ...converted, revision: 0 }, this.replacingOldFile(gmid, oldBytes));
      // The registry now names <home>/minds/{gmid}.json: write it, so the Mind loads by its GMID. (An
      // old file that already sits there is replaced by the compact one on the first save, or now
      // when importLegacyMind asked for it: its original is in the backup, verified.)
      if (canonical !== filePath || run.report) await mind.save();
    }
    const before = mind.document.memory.notYetMoved;
    const moved = await this.movePendingMemories(mind, memorySource);
    report.memories = { inline: inlineMemories, moved: moved ? before : 0, pending: moved ? 0 : before };
    if (moved && run.report && before > 0) await mind.save();
    report.newBytes = await this.documents.size(gmid);
    if (!run.report && report.problems.length > 0)
      this.log.warn({ gmid, file: filePath, problems: report.problems }, 'old Mind file imported with remarks');
    return mind;
  }

  /**
   * The document store as the Mind that replaces an old file at its path sees it. `save()` reads the
   * file there only to merge with a compact document another process may have saved meanwhile; a
   * file of exactly the old file's size, over the 50 KB limit, cannot be one (`save()` never writes
   * one), so it is not read and parsed a second time (50 MB of bytes, text and tree for a big old
   * file). Any other file there is read as always.
   */
  private replacingOldFile(gmid: string, oldBytes: number): MindDocumentStore {
    const documents = this.documents;
    if (oldBytes <= MAX_MIND_FILE_BYTES) return documents;
    const read = async (id: string): Promise<DocumentFile | null> =>
      id === gmid && (await documents.size(id)) === oldBytes
        ? { path: documents.pathFor(id), raw: Buffer.alloc(0), value: null, modifiedAt: 0 }
        : documents.read(id);
    return new Proxy(documents, {
      get(target, key) {
        if (key === 'read') return read;
        const value: unknown = Reflect.get(target, key, target);
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
  }

  /** Messages, records, people, places and the registry row of an import, in one unit of work. */
  private async writeImport(
    gmid: string,
    canonical: string,
    conversion: LegacyConversion,
    run: ImportRun,
    report: LegacyFileReport,
  ): Promise<void> {
    const { messages, people, places } = conversion;
    const total = messages.length + conversion.recordCount + people.length + places.length;
    let done = 0;
    const progress = (n: number) => {
      done += n;
      run.onProgress?.(done, total);
    };
    try {
      await this.unitOfWork.run(async (stores) => {
        report.messages.moved = report.messages.alreadyThere = 0;
        report.records.moved = report.records.alreadyThere = 0;
        for (let i = 0; i < messages.length; i += IMPORT_BATCH) {
          const batch = messages.slice(i, i + IMPORT_BATCH);
          const r = await stores.messages.appendMany(batch.map((m) => ({ ...m, mindId: gmid })));
          report.messages.moved += r.inserted;
          report.messages.alreadyThere += r.skipped;
          progress(batch.length);
        }
        const writeRecords = async (batch: NewRecord[]) => {
          const r = await stores.records.appendMany(batch);
          report.records.moved += r.inserted;
          report.records.alreadyThere += r.skipped;
          progress(batch.length);
        };
        // Made a batch at a time from the old file's lists (never all records at once).
        let batch: NewRecord[] = [];
        for (const record of conversion.eachRecord()) {
          batch.push({ ...record, mindId: gmid });
          if (batch.length < IMPORT_BATCH) continue;
          await writeRecords(batch);
          batch = [];
        }
        if (batch.length > 0) await writeRecords(batch);
        report.relationships = await applyPeople(
          stores,
          gmid,
          people,
          Date.parse(conversion.document.identity.birthTimestamp),
        );
        progress(people.length);
        report.environments = await applyPlaces(stores, gmid, places);
        progress(places.length);
        if (!run.keep)
          await stores.minds.upsert({
            gmid,
            name: conversion.document.identity.name,
            jsonPath: canonical,
            status: 'active',
            lastSeenAt: this.clock.now(),
          });
        if (run.dryRun) throw new DryRunRollback();
      });
    } catch (error) {
      if (!(error instanceof DryRunRollback)) throw error;
    }
    if (total === 0) run.onProgress?.(0, 0);
  }

  /**
   * Imported history never shares a time with a message of this Mind from another source (the old
   * SQL rows, live messages): times in the imported range that are taken are skipped (see
   * `historyTimes`). Usually one query finds nothing.
   */
  private async avoidTakenTimes(gmid: string, conversion: LegacyConversion): Promise<void> {
    const { messages } = conversion;
    if (messages.length === 0) return;
    const taken = new Set<number>();
    let to = messages[messages.length - 1]!.createdAt;
    await this.collectTimes(gmid, messages[0]!.createdAt, to, taken);
    if (!messages.some((m: LegacyMessage) => taken.has(m.createdAt))) return;
    for (;;) {
      retimeHistory(messages, conversion.ownTimes, conversion.historyBase, taken);
      const last = messages[messages.length - 1]!.createdAt;
      if (last <= to) return;
      const before = taken.size;
      await this.collectTimes(gmid, to + 1, last, taken);
      to = last;
      if (taken.size === before) return;
    }
  }

  private async collectTimes(gmid: string, since: number, to: number, taken: Set<number>): Promise<void> {
    let cursor: string | null = null;
    do {
      const page = await this.stores.messages.list({
        mindId: gmid,
        since,
        until: to + 1,
        includeArchived: true,
        order: 'asc',
        limit: 1000,
        cursor,
      });
      for (const m of page.items) if (!m.sourceKey?.startsWith('legacy:history')) taken.add(m.createdAt);
      cursor = page.nextCursor;
    } while (cursor);
  }

  /** A file, or null when it does not exist, or 'invalid' (noted in `problems`) when it is not JSON. */
  private async readOptional(path: string, problems: string[]): Promise<DocumentFile | null | 'invalid'> {
    try {
      return await this.documents.readFile(path);
    } catch (error) {
      if (error instanceof GenesisError && error.code === 'MIND_NOT_FOUND') return null;
      if (error instanceof GenesisError && error.code === 'INVALID_MIND_FILE') {
        problems.push(error.message);
        return 'invalid';
      }
      throw error;
    }
  }

  /** A `.tmp` beside a Mind file is what a crash mid-write left: reported, never used. */
  private async noteTemp(path: string, problems: string[]): Promise<void> {
    const tmp = `${path}.tmp`;
    const found = await this.readOptional(tmp, []);
    if (found === null) return;
    problems.push(
      `${tmp} was left by a crash mid-write (${found === 'invalid' ? 'incomplete JSON' : 'complete JSON'}): never used instead of ${path}; remove it once you have checked it`,
    );
  }

  /** The backup holds the old file's exact bytes (else nothing is imported). */
  private async verifyBackup(backupFile: string, file: DocumentFile): Promise<void> {
    if (!(await this.documents.holdsBytes(backupFile, file.raw)))
      throw new GenesisError(
        'MIND_FILE_WRITE_FAILED',
        `The backup ${backupFile} of ${file.path} does not hold its exact bytes; nothing was imported. Remove the backup and run again.`,
        { field: 'backup' },
      );
  }

  /**
   * Moves the inline memories of an old-format file (from `source`, else from its backup) to the
   * memory tier, once. If the memory tier cannot be reached they stay pending (the Mind still loads,
   * and `memory.notYetMoved` keeps counting them) and the next load tries again.
   */
  private async movePendingMemories(mind: Mind, source?: unknown): Promise<boolean> {
    const doc = mind.document;
    if (doc.memory.notYetMoved <= 0) return true;
    let raw = source;
    if (raw === undefined) {
      if (!doc.legacyImport?.backupFile) return false;
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
      return false;
    }
    mind.update((d) => {
      d.memory.notYetMoved = 0;
    });
    return true;
  }
}
