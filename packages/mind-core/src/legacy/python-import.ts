import type { LegacyRowSource } from '../ports/legacy-row-source';
import type { NewMessage } from '../ports/message-store';
import type { EpochMs } from '../ports/page';
import type { NewRecord } from '../ports/record-store';
import type { TransactionStores, UnitOfWork } from '../ports/unit-of-work';
import { GenesisError } from '../shared/errors';
import { isEmail, nonEmptyText, parseLimit } from '../shared/validation';
import { mapPythonRow, PYTHON_HOME_TABLES, PYTHON_IMPORT_ORDER } from './python-rows';
import type { PythonMindIdentity, PythonRowMapping } from './python-rows';

/** What the import of one Python table did for one Mind. */
export interface PythonTableReport {
  /** The Python table (its original name). */
  table: string;
  /** Rows of the Mind read from it. */
  read: number;
  /** Items written now. */
  moved: number;
  /** Items that were there already (an earlier run, or a run killed part-way). */
  alreadyThere: number;
  /** Rows that could not be imported, and why (a bad time, no id…). */
  skipped: Array<{ id: string; reason: string }>;
}

export interface PythonImportReport {
  gmid: string;
  dryRun: boolean;
  /** The Mind's row of the Python `minds` table, mapped; null when it has none. */
  identity: PythonMindIdentity | null;
  /** One entry per table that holds rows of the Mind, in import order. */
  tables: PythonTableReport[];
  totals: { read: number; moved: number; alreadyThere: number; skipped: number };
}

export interface ImportPythonRowsOptions {
  source: LegacyRowSource;
  unitOfWork: UnitOfWork;
  /** The Mind whose rows are imported (it need not exist yet: the caller creates or loads it). */
  gmid: string;
  /** Rows per batch, each batch one unit of work. Default 500 (1..10,000). */
  batchSize?: number;
  /** Reads, maps and writes each batch, then rolls it back: the report says what a real run would do. */
  dryRun?: boolean;
  /**
   * Whether each imported message from a user (with a valid email) records an interaction with
   * them (count and first/last time), in the batch's transaction, as live messages do. Default true.
   */
  recordInteractions?: boolean;
  /** Told (rows done, rows in all) after each batch. */
  onProgress?: (done: number, total: number) => void;
}

/** Thrown inside a unit of work to roll a batch back (a dry run, or a batch to redo row by row). */
class Rollback<T> extends Error {
  constructor(readonly value: T) {
    super('rolled back on purpose');
  }
}

interface BatchResult {
  moved: number;
  alreadyThere: number;
  skipped: Array<{ id: string; reason: string }>;
}

/** Runs `work` in a unit of work; in a dry run, rolls it back and still returns its result. */
async function inUnit<T>(unitOfWork: UnitOfWork, dryRun: boolean, work: (s: TransactionStores) => Promise<T>) {
  if (!dryRun) return unitOfWork.run(work);
  try {
    await unitOfWork.run(async (stores) => {
      throw new Rollback(await work(stores));
    });
  } catch (error) {
    if (error instanceof Rollback) return error.value as T;
    throw error;
  }
  throw new Error('unreachable: a dry run always rolls back');
}

/** A batch only partly new, whose new rows must be known one by one: written again row by row. */
class PartialBatch extends Error {
  constructor() {
    super('batch partly imported already');
  }
}

/** An error a row's own data causes (the store refused it): the row is skipped, the import goes on. */
const isRowError = (error: unknown): error is GenesisError =>
  error instanceof GenesisError && error.code === 'INVALID_INPUT';

/**
 * Imports the rows an earlier (Python) Genesis left in the database for one Mind — messages,
 * concerns, background tasks, environments and their visits, and thoughts, gen transactions,
 * Python tasks, shared events, Mind↔Mind relationships, files and the Mind's own row as records —
 * exactly once: each batch of `batchSize` rows is one unit of work, and every item carries a key
 * from its source, so a run killed at any point and run again skips what is there and finishes
 * the rest. A row that cannot be mapped, or that a store refuses, is skipped with its reason; the
 * import never stops for one row. Errors of the database itself (busy, unavailable) are thrown:
 * run it again.
 */
export async function importPythonRows(options: ImportPythonRowsOptions): Promise<PythonImportReport> {
  const { source, unitOfWork } = options;
  const gmid = nonEmptyText(options.gmid, 'gmid', 64);
  const batchSize = parseLimit(options.batchSize ?? 500, 'batchSize', 10_000);
  const dryRun = options.dryRun === true;
  const recordInteractions = options.recordInteractions !== false;

  const present = (await source.tables()).map((t) => t.original);
  const order = [
    ...PYTHON_IMPORT_ORDER.filter((t) => present.includes(t)),
    ...present
      .filter((t) => !(PYTHON_IMPORT_ORDER as readonly string[]).includes(t))
      .filter((t) => !(PYTHON_HOME_TABLES as readonly string[]).includes(t))
      .sort(),
  ];
  const counts = new Map<string, number>();
  for (const table of order) counts.set(table, await source.count(table, gmid));
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  let done = 0;
  let identity: PythonMindIdentity | null = null;
  const reports: PythonTableReport[] = [];
  /** Python env_id → our environment id, for the messages and visits that name one. */
  let environmentIds = new Map<string, string>();

  for (const table of order) {
    if (counts.get(table) === 0) continue;
    if (table === 'environment_visits' || table === 'conversation_messages') {
      environmentIds = await unitOfWork.run((stores) => importedEnvironments(stores, gmid));
    }
    const report: PythonTableReport = { table, read: 0, moved: 0, alreadyThere: 0, skipped: [] };
    reports.push(report);
    let after: number | undefined;
    for (;;) {
      const rows = await source.rows(table, {
        gmid,
        limit: batchSize,
        ...(after === undefined ? {} : { afterRowid: after }),
      });
      if (rows.length === 0) break;
      after = rows[rows.length - 1]!.rowid;
      report.read += rows.length;
      const items: PythonRowMapping[] = [];
      for (const row of rows) {
        const mapped = mapPythonRow(table, row.values, { gmid, environmentIds });
        if (mapped.kind === 'skip') report.skipped.push({ id: mapped.id, reason: mapped.reason });
        else items.push(mapped);
        if (mapped.kind === 'mind') identity = mapped.identity;
      }
      const result = await writeBatch(unitOfWork, dryRun, gmid, items, recordInteractions);
      report.moved += result.moved;
      report.alreadyThere += result.alreadyThere;
      report.skipped.push(...result.skipped);
      done += rows.length;
      options.onProgress?.(done, total);
      if (rows.length < batchSize) break;
    }
  }

  const totals = { read: 0, moved: 0, alreadyThere: 0, skipped: 0 };
  for (const r of reports) {
    totals.read += r.read;
    totals.moved += r.moved;
    totals.alreadyThere += r.alreadyThere;
    totals.skipped += r.skipped.length;
  }
  return { gmid, dryRun, identity, tables: reports, totals };
}

/** Python env_id → our id, of the environments imported already (their metadata.legacy.env_id). */
async function importedEnvironments(stores: TransactionStores, gmid: string): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  for (const env of await stores.environments.list(gmid)) {
    const legacy = env.metadata.legacy as Record<string, unknown> | undefined;
    if (legacy && legacy.table === 'environments' && typeof legacy.env_id === 'string') ids.set(legacy.env_id, env.id);
  }
  return ids;
}

/**
 * Writes one batch in one unit of work. If a store refuses the batch for one row's data, the batch
 * is written again row by row (each its own unit of work) and the refused rows are skipped.
 */
async function writeBatch(
  unitOfWork: UnitOfWork,
  dryRun: boolean,
  gmid: string,
  items: PythonRowMapping[],
  recordInteractions: boolean,
): Promise<BatchResult> {
  if (items.length === 0) return { moved: 0, alreadyThere: 0, skipped: [] };
  try {
    return await inUnit(unitOfWork, dryRun, (stores) => writeItems(stores, gmid, items, recordInteractions));
  } catch (error) {
    if (isRowError(error) && items.length === 1) {
      return { moved: 0, alreadyThere: 0, skipped: [{ id: keyId(items[0]!), reason: error.message }] };
    }
    if (!(isRowError(error) || error instanceof PartialBatch) || items.length === 1) throw error;
  }
  const result: BatchResult = { moved: 0, alreadyThere: 0, skipped: [] };
  for (const item of items) {
    const one = await writeBatch(unitOfWork, dryRun, gmid, [item], recordInteractions);
    result.moved += one.moved;
    result.alreadyThere += one.alreadyThere;
    result.skipped.push(...one.skipped);
  }
  return result;
}

/** The old id of an item, from its key `py:<table>:<id>`. */
const keyId = (item: PythonRowMapping): string =>
  item.kind === 'skip' ? item.id : item.key.split(':').slice(2).join(':');

/** The writes of a batch, inside its unit of work. */
async function writeItems(
  stores: TransactionStores,
  gmid: string,
  items: PythonRowMapping[],
  recordInteractions: boolean,
): Promise<BatchResult> {
  const result: BatchResult = { moved: 0, alreadyThere: 0, skipped: [] };
  const add = (inserted: number, of: number) => {
    result.moved += inserted;
    result.alreadyThere += of - inserted;
  };
  const messages: Array<NewMessage & { createdAt: EpochMs }> = [];
  const records: NewRecord[] = [];
  for (const item of items) {
    if (item.kind === 'message') messages.push(item.message);
    else if (item.kind === 'record' || item.kind === 'mind') records.push(item.record);
  }
  const concerns = items.flatMap((i) => (i.kind === 'concern' ? [i.concern] : []));
  const tasks = items.flatMap((i) => (i.kind === 'task' ? [i.task] : []));

  if (messages.length > 0) add(await writeMessages(stores, gmid, messages, recordInteractions), messages.length);
  if (records.length > 0) add((await stores.records.appendMany(records)).inserted, records.length);
  if (concerns.length > 0) add((await stores.concerns.importMany(concerns)).inserted, concerns.length);
  if (tasks.length > 0) add((await stores.tasks.importMany(tasks)).inserted, tasks.length);

  const environments = items.flatMap((i) => (i.kind === 'environment' ? [i] : []));
  if (environments.length > 0) {
    const known = await importedEnvironments(stores, gmid);
    for (const env of environments) {
      if (known.has(env.pythonId)) {
        add(0, 1);
        continue;
      }
      // Unique by name: a name another environment holds already gets the old id added.
      let name = env.environment.name;
      if (await stores.environments.findByName(gmid, name))
        name = `${name.slice(0, 180)} (${env.pythonId})`.slice(0, 200);
      if (await stores.environments.findByName(gmid, name)) {
        result.skipped.push({
          id: env.pythonId,
          reason: `an environment named ${JSON.stringify(name)} exists already`,
        });
        continue;
      }
      const created = await stores.environments.upsert({ ...env.environment, name });
      if (env.lastActiveAt !== null) await stores.environments.markActive(gmid, created.id, env.lastActiveAt);
      known.set(env.pythonId, created.id);
      add(1, 1);
    }
  }

  const visits = items.flatMap((i) => (i.kind === 'visit' ? [i] : []));
  if (visits.length > 0) {
    const known = await importedEnvironments(stores, gmid);
    for (const visit of visits) {
      // The record and its count on the environment commit together: each visit is counted once.
      const { inserted } = await stores.records.appendMany([visit.record]);
      add(inserted, 1);
      const envId = visit.environment === null ? undefined : known.get(visit.environment);
      if (inserted === 0 || envId === undefined) continue;
      const before = await stores.environments.get(gmid, envId);
      await stores.environments.recordVisit(gmid, envId, visit.at);
      // A visit older than the last activity known leaves lastActiveAt where it was.
      if (before?.lastActiveAt != null && before.lastActiveAt > visit.at) {
        await stores.environments.markActive(gmid, envId, before.lastActiveAt);
      }
    }
  }
  return result;
}

/**
 * Appends messages; with `recordInteractions`, the users of the messages inserted now get their
 * interactions in the same transaction. When only some of the batch is new (a batch size changed
 * between runs), each message goes alone, so that only new ones count.
 */
async function writeMessages(
  stores: TransactionStores,
  gmid: string,
  messages: Array<NewMessage & { createdAt: EpochMs }>,
  recordInteractions: boolean,
): Promise<number> {
  const { inserted: n } = await stores.messages.appendMany(messages);
  // Some new, some there already: which ones a count cannot tell, so the batch goes again row by row.
  if (n !== 0 && n !== messages.length) throw new PartialBatch();
  const inserted = n === 0 ? [] : messages;
  if (recordInteractions) await recordPeople(stores, gmid, inserted);
  return n;
}

/** Each user's interactions from their messages: count, first and last time. */
async function recordPeople(
  stores: TransactionStores,
  gmid: string,
  messages: ReadonlyArray<NewMessage & { createdAt: EpochMs }>,
): Promise<void> {
  const users = new Map<string, { count: number; first: number; last: number }>();
  for (const m of messages) {
    if (m.role !== 'user' || !isEmail(m.userEmail)) continue;
    const email = m.userEmail.trim().toLowerCase();
    const seen = users.get(email);
    users.set(email, {
      count: (seen?.count ?? 0) + 1,
      first: Math.min(seen?.first ?? m.createdAt, m.createdAt),
      last: Math.max(seen?.last ?? m.createdAt, m.createdAt),
    });
  }
  for (const [email, { count, first, last }] of users) {
    await stores.relationships.recordInteraction(gmid, email, first, 1);
    if (count > 1) await stores.relationships.recordInteraction(gmid, email, last, count - 1);
  }
}
