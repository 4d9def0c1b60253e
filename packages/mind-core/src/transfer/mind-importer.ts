import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { checkConcernFire } from '../concerns/new-concern';
import { toVectorMetadata } from '../memory/memory-codec';
import type { Memory } from '../memory/memory-input';
import { validateMindDocument } from '../mind/mind-document';
import type { ConcernFire, StoredConcern } from '../ports/concern-store';
import type { AppendResult } from '../ports/message-store';
import { MIND_STATUSES } from '../ports/mind-registry';
import type { StoredTask } from '../ports/task-store';
import type { TransactionStores } from '../ports/unit-of-work';
import { GenesisError, toGenesisError } from '../shared/errors';
import { parseGmid } from '../shared/gmid';
import { isRecord, nonEmptyText, oneOf } from '../shared/validation';
import {
  emptyCounts,
  MIND_EXPORT_FORMAT,
  MIND_EXPORT_TYPES,
  MIND_EXPORT_VERSION,
  type MindExportHeader,
  type MindExportItem,
  type MindExportType,
} from './format';
import {
  checkImportedEnvironment,
  checkImportedMemory,
  checkImportedMessage,
  checkImportedRecord,
  checkImportedRelationship,
  checkImportedSchedule,
} from './imported-rows';
import { readLines } from './line-files';
import type { MindTransferPorts } from './transfer-ports';

/** Lines per unit of work (SQL items) and per embedding batch (memories). */
const DEFAULT_BATCH = 500;
const MEMORY_BATCH = 256;

export interface ImportMindOptions {
  /** Lines of SQL items committed per unit of work. Default 500. */
  batchSize?: number;
  /** Told how many items were imported so far, of how many. */
  onProgress?: (done: number, total: number) => void;
}

/** What an import did, per item type: stored now, or there already (skipped). */
export interface MindImportReport {
  gmid: string;
  file: string;
  /** `written`: the Mind's JSON document was written; `kept`: this home had one already (left as it is). */
  document: 'written' | 'kept';
  items: Record<MindExportType, AppendResult>;
}

type SqlType = Exclude<MindExportType, 'mind' | 'secrets' | 'memory'>;
/** The item types written in units of work, in the order of the file. */
const SQL_TYPES: readonly SqlType[] = MIND_EXPORT_TYPES.filter(
  (t): t is SqlType => t !== 'mind' && t !== 'secrets' && t !== 'memory',
);

/** A line of the file as checked by the first pass. */
interface CheckedLine {
  n: number;
  item: MindExportItem;
}

/**
 * Reads a Mind's portable document (see `format.ts`) into this home. Two passes over the file,
 * each streaming line by line:
 * 1. every line is parsed and checked (the header, each item's fields, the counts the header
 *    announced): a bad line is reported with its number and nothing is written;
 * 2. the items are written in batches of lines, each batch of SQL items in one unit of work (all
 *    of it or none), memories in batches embedded with this home's provider.
 * Idempotent: rows keep their ids and an item already there is skipped, so importing the same file
 * twice changes nothing; an import that stopped half-way completes when run again.
 */
export class MindImporter {
  constructor(private readonly ports: MindTransferPorts) {}

  async import(path: string, options: ImportMindOptions = {}): Promise<MindImportReport> {
    const file = resolve(nonEmptyText(path, 'file'));
    const batchSize = options.batchSize ?? DEFAULT_BATCH;
    const found = await stat(file).then(
      (stats) => ({ stats, error: undefined }),
      (error: unknown) => ({ stats: undefined, error }),
    );
    if (!found.stats?.isFile())
      throw new GenesisError(
        'INVALID_EXPORT_FILE',
        `Cannot read the export file ${file}: ${found.error ? String((found.error as Error).message ?? found.error) : 'it is not a file'}`,
        { field: 'file', ...(found.error ? { cause: found.error } : {}) },
      );
    const header = await this.check(file);
    const gmid = header.gmid;
    const total = MIND_EXPORT_TYPES.reduce((n, t) => n + header.counts[t], 0);
    const items = Object.fromEntries(MIND_EXPORT_TYPES.map((t) => [t, { inserted: 0, skipped: 0 }])) as Record<
      MindExportType,
      AppendResult
    >;
    let document: MindImportReport['document'] = 'kept';
    let done = 0;
    let sql: CheckedLine[] = [];
    let memories: CheckedLine[] = [];
    const progress = (n: number) => {
      done += n;
      options.onProgress?.(done, total);
    };
    const flushSql = async () => {
      if (sql.length === 0) return;
      const batch = sql;
      sql = [];
      const results = await this.atLines(file, batch, () => this.writeSql(batch));
      for (const t of SQL_TYPES) add(items[t], results[t]);
      progress(batch.length);
    };
    const flushMemories = async () => {
      if (memories.length === 0) return;
      const batch = memories;
      memories = [];
      add(items.memory, await this.atLines(file, batch, () => this.writeMemories(gmid, batch)));
      progress(batch.length);
    };
    for await (const line of this.lines(file)) {
      const { item } = line;
      if (item.type === 'mind') {
        document = await this.atLines(file, [line], () => this.writeMind(gmid, item.data));
        add(items.mind, document === 'written' ? { inserted: 1, skipped: 0 } : { inserted: 0, skipped: 1 });
        progress(1);
      } else if (item.type === 'secrets') {
        await this.ports.documents.writeSecrets(gmid, item.data);
        add(items.secrets, { inserted: 1, skipped: 0 });
        progress(1);
      } else if (item.type === 'memory') {
        await flushSql();
        memories.push(line);
        if (memories.length >= MEMORY_BATCH) await flushMemories();
      } else {
        sql.push(line);
        if (sql.length >= batchSize) await flushSql();
      }
    }
    await flushSql();
    await flushMemories();
    return { gmid, file, document, items };
  }

  /** Pass 1: the header and every line checked, and the counts compared; nothing written. */
  private async check(file: string): Promise<MindExportHeader> {
    let header: MindExportHeader | undefined;
    const seen = emptyCounts();
    for await (const line of this.lines(file, (h) => (header = h))) seen[line.item.type]++;
    if (!header) throw bad(file, 1, 'is empty: an export starts with its header line');
    for (const t of MIND_EXPORT_TYPES) {
      if (seen[t] !== header.counts[t])
        throw new GenesisError(
          'INVALID_EXPORT_FILE',
          `Export file ${file} announces ${header.counts[t]} ${t} item(s) but holds ${seen[t]}: it is truncated or was changed. Nothing was imported.`,
          { field: `counts.${t}` },
        );
    }
    if (seen.mind !== 1) throw bad(file, 2, 'must be the Mind (type "mind"), once');
    return header;
  }

  /** The checked items of the file, line by line (the header handed to `onHeader`). */
  private async *lines(file: string, onHeader?: (header: MindExportHeader) => void): AsyncGenerator<CheckedLine> {
    let header: MindExportHeader | undefined;
    let last: number = -1;
    for await (const { n, text } of readLines(file)) {
      if (text.trim() === '') continue;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        throw bad(file, n, 'is not JSON');
      }
      if (!header) {
        header = checkHeader(file, n, value);
        onHeader?.(header);
        continue;
      }
      const item = checkItem(file, n, value, header.gmid);
      const order = MIND_EXPORT_TYPES.indexOf(item.type);
      // concerns and their fires alternate page by page; every other type comes in the format's order.
      const fireOrConcern = (t: MindExportType) => t === 'concern' || t === 'concernFire';
      if (order < last && !(fireOrConcern(item.type) && fireOrConcern(MIND_EXPORT_TYPES[last]!)))
        throw bad(file, n, `is a ${item.type} after the ${MIND_EXPORT_TYPES[last]} items: the file is out of order`);
      if (item.type === 'mind' && last !== -1) throw bad(file, n, 'is a second Mind: an export holds one');
      if (item.type !== 'mind' && last === -1) throw bad(file, n, 'must be the Mind (type "mind")');
      last = Math.max(last, order);
      yield { n, item };
    }
  }

  /** Runs a write for some lines; a failure names the lines (of which nothing was written). */
  private async atLines<T>(file: string, lines: readonly CheckedLine[], work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      const failure = toGenesisError(error);
      const first = lines[0]!.n;
      const last = lines[lines.length - 1]!.n;
      const where = first === last ? `line ${first}` : `lines ${first}-${last}`;
      throw new GenesisError(
        failure.code,
        `Import of ${file} stopped at ${where}: ${failure.message} (nothing of ${where} was written; the lines before are; importing the file again continues).`,
        { ...(failure.field ? { field: failure.field } : {}), cause: error },
      );
    }
  }

  /** The Mind's document (written only when this home has none) and its registry row. */
  private async writeMind(
    gmid: string,
    data: Extract<MindExportItem, { type: 'mind' }>['data'],
  ): Promise<'written' | 'kept'> {
    const { documents, stores } = this.ports;
    const written = await documents.withLock(gmid, async () => {
      if (await documents.exists(gmid)) return false;
      await documents.write(gmid, `${JSON.stringify(data.document, null, 2)}\n`);
      return true;
    });
    if (!(await stores.minds.get(gmid))) {
      const identity = data.document.identity as { name: string };
      await stores.minds.upsert({ gmid, name: identity.name, jsonPath: documents.pathFor(gmid), status: data.status });
    }
    return written ? 'written' : 'kept';
  }

  /** One batch of SQL lines in one unit of work: every store's rows, in the format's order. */
  private async writeSql(lines: readonly CheckedLine[]): Promise<Record<SqlType, AppendResult>> {
    type DataOf<T extends SqlType> = Extract<MindExportItem, { type: T }>['data'];
    const by = <T extends SqlType>(type: T): Array<DataOf<T>> =>
      lines.filter((l) => l.item.type === type).map((l) => l.item.data as DataOf<T>);
    return this.ports.unitOfWork.run(async (s) => {
      const none: AppendResult = { inserted: 0, skipped: 0 };
      const environments = by('environment');
      const relationships = by('relationship');
      const messages = by('message');
      const concerns = by('concern');
      const fires = by('concernFire');
      const tasks = by('task');
      const schedules = by('schedule');
      const records = by('record');
      return {
        environment: environments.length ? await s.environments.importMany(environments) : none,
        relationship: relationships.length ? await s.relationships.importMany(relationships) : none,
        message: messages.length ? await s.messages.importMany(messages) : none,
        concern: concerns.length ? await s.concerns.importMany(concerns) : none,
        concernFire: fires.length ? await importFires(s, fires) : none,
        task: tasks.length ? await s.tasks.importMany(tasks) : none,
        schedule: schedules.length ? await s.schedules.importMany(schedules) : none,
        record: records.length ? await s.records.importMany(records) : none,
      };
    });
  }

  /** Memories that are not there yet, embedded by this home's provider; every field kept. */
  private async writeMemories(gmid: string, lines: readonly CheckedLine[]): Promise<AppendResult> {
    const memories = lines.map((l) => (l.item as Extract<MindExportItem, { type: 'memory' }>).data);
    const { store, embedder } = await this.ports.memory.connect();
    await store.open(gmid, { provider: embedder.name, dimension: embedder.dimension });
    const there = new Set(
      (
        await store.get(
          gmid,
          memories.map((m) => m.id),
        )
      ).map((v) => v.id),
    );
    const fresh: Memory[] = [];
    for (const m of memories) if (!there.has(m.id) && !fresh.some((f) => f.id === m.id)) fresh.push(m);
    if (fresh.length > 0) {
      const vectors = await embedder.embed(fresh.map((m) => m.content));
      await store.add(
        gmid,
        fresh.map((m, i) => ({ id: m.id, embedding: vectors[i]!, document: m.content, metadata: toVectorMetadata(m) })),
      );
    }
    return { inserted: fresh.length, skipped: memories.length - fresh.length };
  }
}

const add = (into: AppendResult, more: AppendResult) => {
  into.inserted += more.inserted;
  into.skipped += more.skipped;
};

function bad(file: string, n: number, what: string): GenesisError {
  return new GenesisError('INVALID_EXPORT_FILE', `Export file ${file} line ${n} ${what}. Nothing was imported.`, {
    field: `line ${n}`,
  });
}

function checkHeader(file: string, n: number, value: unknown): MindExportHeader {
  if (!isRecord(value) || value.format !== MIND_EXPORT_FORMAT)
    throw bad(file, n, `is not the header of a Mind export (format "${MIND_EXPORT_FORMAT}")`);
  if (value.version !== MIND_EXPORT_VERSION)
    throw bad(
      file,
      n,
      `has version ${JSON.stringify(value.version)}; this Genesis reads version ${MIND_EXPORT_VERSION} (a newer Genesis wrote it?)`,
    );
  let gmid: string;
  try {
    gmid = parseGmid(value.gmid, 'gmid');
  } catch {
    throw bad(file, n, 'has no valid gmid');
  }
  const counts = value.counts;
  if (!isRecord(counts)) throw bad(file, n, 'has no counts');
  const checked = emptyCounts();
  for (const t of MIND_EXPORT_TYPES) {
    const c = counts[t] ?? 0;
    if (typeof c !== 'number' || !Number.isSafeInteger(c) || c < 0) throw bad(file, n, `has a bad count of ${t}`);
    checked[t] = c;
  }
  return {
    format: MIND_EXPORT_FORMAT,
    version: MIND_EXPORT_VERSION,
    gmid,
    exportedAt: String(value.exportedAt ?? ''),
    counts: checked,
    secrets: value.secrets === true,
  };
}

/** One item checked: a known type, every field of its data, and that it belongs to the header's Mind. */
function checkItem(file: string, n: number, value: unknown, gmid: string): MindExportItem {
  if (!isRecord(value) || typeof value.type !== 'string' || !('data' in value))
    throw bad(file, n, 'is not an item { type, data }');
  const type = value.type as MindExportType;
  if (!MIND_EXPORT_TYPES.includes(type)) throw bad(file, n, `has an unknown type ${JSON.stringify(value.type)}`);
  const data = value.data;
  let item: MindExportItem;
  try {
    item = checkData(type, data, `${file} line ${n}`);
  } catch (error) {
    const e = toGenesisError(error);
    throw new GenesisError(
      'INVALID_EXPORT_FILE',
      `Export file ${file} line ${n} (${type}): ${e.message}. Nothing was imported.`,
      {
        field: `line ${n}${e.field ? ` ${e.field}` : ''}`,
        cause: error,
      },
    );
  }
  const owner =
    item.type === 'mind'
      ? (item.data.document.identity as { gmid?: unknown }).gmid
      : item.type === 'secrets' || item.type === 'memory'
        ? gmid
        : item.data.mindId;
  if (owner !== gmid) throw bad(file, n, `belongs to ${JSON.stringify(owner)}, not to the exported Mind ${gmid}`);
  return item;
}

function checkData(type: MindExportType, data: unknown, where: string): MindExportItem {
  switch (type) {
    case 'mind': {
      if (!isRecord(data)) throw new GenesisError('INVALID_INPUT', 'data must be an object', { field: 'data' });
      const document = validateMindDocument(data.document, where) as unknown as Record<string, unknown>;
      return { type, data: { document, status: oneOf(data.status, MIND_STATUSES, 'data.status') } };
    }
    case 'secrets':
      if (!isRecord(data)) throw new GenesisError('INVALID_INPUT', 'data must be an object', { field: 'data' });
      return { type, data };
    case 'environment':
      return { type, data: checkImportedEnvironment(data, 'data') };
    case 'relationship':
      return { type, data: checkImportedRelationship(data, 'data') };
    case 'message':
      return { type, data: checkImportedMessage(data, 'data') };
    case 'concern':
      return { type, data: checkRow<StoredConcern>(data) };
    case 'concernFire':
      return { type, data: checkConcernFire(data as ConcernFire) };
    case 'task':
      return { type, data: checkRow<StoredTask>(data) };
    case 'schedule':
      return { type, data: checkImportedSchedule(data, 'data') };
    case 'record':
      return { type, data: checkImportedRecord(data, 'data') };
    case 'memory':
      return { type, data: checkImportedMemory(data, 'data') };
  }
}

/** A concern or task row: its id and Mind here; every other field is checked by the store's importMany. */
function checkRow<T>(data: unknown): T {
  if (!isRecord(data)) throw new GenesisError('INVALID_INPUT', 'data must be an object', { field: 'data' });
  nonEmptyText(data.id, 'data.id', 64);
  nonEmptyText(data.mindId, 'data.mindId', 64);
  return data as T;
}

async function importFires(s: TransactionStores, fires: readonly ConcernFire[]): Promise<AppendResult> {
  let inserted = 0;
  for (const fire of fires) if (await s.concerns.recordFire(fire)) inserted++;
  return { inserted, skipped: fires.length - inserted };
}
