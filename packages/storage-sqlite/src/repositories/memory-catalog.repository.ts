import { inject, injectable } from 'tsyringe';
import {
  CATALOG_STATES,
  checkCatalogEntry,
  checkMerged,
  checkQueuedVectors,
  epochMs,
  invalidInput,
  nonEmptyText,
  oneOf,
  parseLimit,
  shown,
} from '@genesis/mind-core';
import type {
  CatalogCursor,
  CatalogEntry,
  CatalogFilter,
  CatalogState,
  EpochMs,
  MemoryCatalogStore,
  MergedMemories,
  MergedMemory,
  QueuedVector,
  QueuedVectors,
  VectorScalar,
} from '@genesis/mind-core';
import type { SqlExecutor } from '../sql-database';
import { SQL_EXECUTOR } from '../tokens';
import { asIs, inList, num, numOrNull, rowCodec, strOrNull, text } from './values';
import type { Row } from './values';

const { columns: COLUMNS, read: toEntry } = rowCodec<CatalogEntry>({
  id: text,
  mindId: text,
  memoryType: text,
  importance: num,
  userEmail: strOrNull,
  relationshipContext: text,
  environmentId: strOrNull,
  createdAt: num,
  lastAccessedAt: numOrNull,
  accessCount: num,
  state: asIs,
  revision: num,
});
const WIDTH = COLUMNS.split(',').length;
const TUPLE = `(${new Array(WIDTH).fill('?').join(', ')})`;
/** Rows per INSERT: 363 × 11 parameters, well under SQLite's (32766) and PostgreSQL's (65535) limits. */
const ROWS_PER_INSERT = Math.floor(4000 / WIDTH);
/** Ids per `IN (…)` list: one statement for any search or page, a few for a bulk call. */
const IDS_PER_STATEMENT = 500;
/** What `replace` overwrites: every column but the key. */
const REPLACE_SET = COLUMNS.split(', ')
  .filter((c) => c !== 'id' && c !== 'mind_id')
  .map((c) => (c === 'revision' ? 'revision = memory_catalog.revision + 1' : `${c} = excluded.${c}`))
  .join(', ');

const STATES = CATALOG_STATES;
/**
 * The conditions of the partial indexes, as literals: SQLite uses a partial index only when the
 * query's WHERE holds the same term (a bound parameter would not do).
 */
const STORED = "state = 'stored'";
const UNSETTLED = "state <> 'stored'";

function checkEntry(e: CatalogEntry, at: string): CatalogEntry {
  return checkCatalogEntry(e, at);
}

/** The ids, checked, without repeats (an id repeated in one call counts once). */
function uniqueIds(ids: readonly string[]): string[] {
  if (!Array.isArray(ids)) throw invalidInput('ids', `must be a list of memory ids, got ${shown(ids)}`);
  ids.forEach((id, i) => nonEmptyText(id, `ids[${i}]`, 256));
  return [...new Set(ids)];
}

/** `AND memory_type = ? …` for the fields of the filter that are set. */
function filterTerms(filter: CatalogFilter | undefined): { sql: string; params: unknown[] } {
  if (filter === undefined) return { sql: '', params: [] };
  if (typeof filter !== 'object' || filter === null)
    throw invalidInput('filter', `must be an object, got ${shown(filter)}`);
  let sql = '';
  const params: unknown[] = [];
  if (filter.memoryType !== undefined) {
    sql += ' AND memory_type = ?';
    params.push(nonEmptyText(filter.memoryType, 'filter.memoryType', 64));
  }
  if (filter.userEmail !== undefined) {
    sql += ' AND user_email = ?';
    params.push(nonEmptyText(filter.userEmail, 'filter.userEmail', 320));
  }
  if (filter.environmentId !== undefined) {
    sql += ' AND environment_id = ?';
    params.push(nonEmptyText(filter.environmentId, 'filter.environmentId', 256));
  }
  return { sql, params };
}

function checkCursor(after: CatalogCursor): CatalogCursor {
  if (typeof after !== 'object' || after === null)
    throw invalidInput('after', `must be { createdAt, id }, got ${shown(after)}`);
  return { createdAt: epochMs(after.createdAt, 'after.createdAt'), id: nonEmptyText(after.id, 'after.id', 256) };
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
/**
 * The order rows are written in: by their row of memory_catalog_counts, then id. The count
 * triggers lock those rows; two transactions that take them in the same order cannot deadlock
 * (PostgreSQL; SQLite has one writer at a time).
 */
const byCountKey = (a: CatalogEntry, b: CatalogEntry) =>
  cmp(a.mindId, b.mindId) ||
  cmp(a.memoryType, b.memoryType) ||
  cmp(a.userEmail ?? '', b.userEmail ?? '') ||
  cmp(a.environmentId ?? '', b.environmentId ?? '') ||
  cmp(a.id, b.id);

/** A queued vector as memory_outbox keeps it: the embedding as base64 of little-endian float32s. */
function encodeQueued(v: QueuedVector): string {
  const floats = Float32Array.from(v.embedding);
  const bytes = Buffer.from(floats.buffer, floats.byteOffset, floats.byteLength);
  return JSON.stringify({
    document: v.document,
    metadata: v.metadata,
    embedding: bytes.toString('base64'),
    ...(v.metadataOnly === true ? { metadataOnly: true } : {}),
  });
}

function decodeQueued(id: string, payload: string): QueuedVector {
  const parsed = JSON.parse(payload) as {
    document: string;
    metadata: Record<string, VectorScalar>;
    embedding: string;
    metadataOnly?: boolean;
  };
  const bytes = Buffer.from(parsed.embedding, 'base64');
  const floats = new Float32Array(bytes.byteLength / 4);
  Buffer.from(floats.buffer).set(bytes); // copied: the Buffer's offset need not be float-aligned
  return {
    id,
    document: parsed.document,
    metadata: parsed.metadata,
    embedding: Array.from(floats),
    ...(parsed.metadataOnly === true ? { metadataOnly: true } : {}),
  };
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * memory_catalog: one row per memory of a Mind, keyed by (mind_id, id). Every hot path (recent,
 * count, get, recordAccess, setState) is one statement on an index; see the migration
 * MemoryCatalog1764900000000 for the indexes each one reads. Counts read memory_catalog_counts,
 * which triggers keep in step with every insert, delete and change of state, type, user or
 * environment (in the same transaction as the change).
 */
@injectable()
export class MemoryCatalogRepository implements MemoryCatalogStore {
  constructor(@inject(SQL_EXECUTOR) private readonly db: SqlExecutor) {}

  async put(
    entries: readonly CatalogEntry[],
    options: { replace?: boolean; queue?: QueuedVectors; merged?: MergedMemories } = {},
  ): Promise<number> {
    if (!Array.isArray(entries))
      throw invalidInput('entries', `must be a list of catalogue entries, got ${shown(entries)}`);
    const replace = options.replace === true;
    // One row per (mind, id), as if the entries were put one after the other: without `replace`
    // the first of a repeated id stays, with it the last one wins.
    const rows = new Map<string, CatalogEntry>();
    entries.forEach((e, i) => {
      const checked = checkEntry(e, `entries[${i}]`);
      const key = `${checked.mindId}\u0000${checked.id}`;
      if (replace || !rows.has(key)) rows.set(key, checked);
    });
    const queue = options.queue === undefined ? [] : checkQueuedVectors(options.queue, [...rows.values()]);
    const merged = options.merged === undefined ? [] : checkMerged(options.merged, [...rows.values()]);
    if (rows.size === 0) return 0;
    const conflict = replace ? `DO UPDATE SET ${REPLACE_SET}` : 'DO NOTHING';
    const queuedAt = Date.now();
    return this.db.write(async (tx) => {
      // Merged memories leave with the write of what they were merged into; their ids stay as aliases.
      for (const part of chunks(merged, IDS_PER_STATEMENT)) {
        const mind = options.merged!.mindId;
        const ids = part.map((m) => m.id);
        for (const table of ['memory_catalog', 'memory_outbox'])
          await tx.run(`DELETE FROM ${table} WHERE mind_id = ? AND ${inList('id', ids.length)}`, [mind, ...ids]);
        await tx.run(
          `INSERT INTO memory_aliases (mind_id, id, target_id, created_at) VALUES ${part.map(() => '(?, ?, ?, ?)').join(', ')} ` +
            'ON CONFLICT (mind_id, id) DO UPDATE SET target_id = excluded.target_id',
          part.flatMap((m) => [mind, m.id, m.into, queuedAt]),
        );
      }
      let inserted = 0;
      for (const part of chunks([...rows.values()].sort(byCountKey), ROWS_PER_INSERT)) {
        // An upsert reports inserted and updated rows alike: those already there are counted first.
        const existing = replace ? await this.countExisting(tx, part) : 0;
        const written = await tx.run(
          `INSERT INTO memory_catalog (${COLUMNS}) VALUES ${part.map(() => TUPLE).join(', ')} ` +
            `ON CONFLICT (mind_id, id) ${conflict}`,
          part.flatMap((e) => [
            e.id,
            e.mindId,
            e.memoryType,
            e.importance,
            e.userEmail,
            e.relationshipContext,
            e.environmentId,
            e.createdAt,
            e.lastAccessedAt,
            e.accessCount,
            e.state,
            0,
          ]),
        );
        inserted += replace ? part.length - existing : written;
      }
      // The vectors commit with their rows: a memory is never catalogued without its vector somewhere.
      for (const part of chunks(queue, 100))
        await tx.run(
          `INSERT INTO memory_outbox (mind_id, id, payload, queued_at) VALUES ${part.map(() => '(?, ?, ?, ?)').join(', ')} ` +
            'ON CONFLICT (mind_id, id) DO UPDATE SET payload = excluded.payload, queued_at = excluded.queued_at',
          part.flatMap((v) => [options.queue!.mindId, v.id, encodeQueued(v), queuedAt]),
        );
      return inserted;
    });
  }

  async setState(mindId: string, ids: readonly string[], state: CatalogState): Promise<void> {
    const mind = nonEmptyText(mindId, 'mindId', 64);
    const unique = uniqueIds(ids);
    oneOf(state, STATES, 'state');
    if (unique.length === 0) return;
    await this.db.write(async (tx) => {
      for (const part of chunks(unique, IDS_PER_STATEMENT))
        await tx.run(`UPDATE memory_catalog SET state = ? WHERE mind_id = ? AND ${inList('id', part.length)}`, [
          state,
          mind,
          ...part,
        ]);
    });
  }

  async remove(mindId: string, ids: readonly string[], options: { onlyIf?: CatalogState } = {}): Promise<number> {
    const mind = nonEmptyText(mindId, 'mindId', 64);
    const unique = uniqueIds(ids);
    const onlyIf = options.onlyIf === undefined ? undefined : oneOf(options.onlyIf, STATES, 'onlyIf');
    if (unique.length === 0) return 0;
    // `onlyIf`: the state is checked by the DELETE itself, so a row another writer moved on meanwhile stays.
    return onlyIf === undefined
      ? this.deleteIds('memory_catalog', mind, unique)
      : this.deleteIds('memory_catalog', mind, unique, { sql: ' AND state = ?', param: onlyIf });
  }

  async aliases(mindId: string, ids: readonly string[]): Promise<MergedMemory[]> {
    const mind = nonEmptyText(mindId, 'mindId', 64);
    const out: MergedMemory[] = [];
    for (const part of chunks(uniqueIds(ids), IDS_PER_STATEMENT)) {
      const rows = await this.db.all<{ id: unknown; target_id: unknown }>(
        `SELECT id, target_id FROM memory_aliases WHERE mind_id = ? AND ${inList('id', part.length)}`,
        [mind, ...part],
      );
      out.push(...rows.map((r) => ({ id: String(r.id), into: String(r.target_id) })));
    }
    return out;
  }

  async get(mindId: string, ids: readonly string[]): Promise<CatalogEntry[]> {
    const mind = nonEmptyText(mindId, 'mindId', 64);
    const unique = uniqueIds(ids);
    const out: CatalogEntry[] = [];
    for (const part of chunks(unique, IDS_PER_STATEMENT)) {
      const rows = await this.db.all<Row>(
        `SELECT ${COLUMNS} FROM memory_catalog WHERE mind_id = ? AND ${inList('id', part.length)}`,
        [mind, ...part],
      );
      out.push(...rows.map(toEntry));
    }
    return out;
  }

  async recent(
    mindId: string,
    query: { limit: number; after?: CatalogCursor; filter?: CatalogFilter },
  ): Promise<CatalogEntry[]> {
    const mind = nonEmptyText(mindId, 'mindId', 64);
    const limit = parseLimit(query?.limit);
    const filter = filterTerms(query.filter);
    const params: unknown[] = [mind, ...filter.params];
    let keyset = '';
    if (query.after !== undefined) {
      const after = checkCursor(query.after);
      // The row-value form: SQLite and PostgreSQL both read it as one range of the index.
      keyset = ' AND (created_at, id) < (?, ?)';
      params.push(after.createdAt, after.id);
    }
    const rows = await this.db.all<Row>(
      `SELECT ${COLUMNS} FROM memory_catalog WHERE mind_id = ? AND ${STORED}${filter.sql}${keyset} ` +
        'ORDER BY created_at DESC, id DESC LIMIT ?',
      [...params, limit],
    );
    return rows.map(toEntry);
  }

  async important(mindId: string, limit: number): Promise<CatalogEntry[]> {
    const mind = nonEmptyText(mindId, 'mindId', 64);
    const rows = await this.db.all<Row>(
      `SELECT ${COLUMNS} FROM memory_catalog WHERE mind_id = ? AND ${STORED} ` +
        'ORDER BY importance DESC, created_at DESC, id DESC LIMIT ?',
      [mind, parseLimit(limit)],
    );
    return rows.map(toEntry);
  }

  async count(mindId: string, filter?: CatalogFilter): Promise<number> {
    const mind = nonEmptyText(mindId, 'mindId', 64);
    const terms = filterTerms(filter);
    // memory_catalog_counts holds the stored memories per (type, user, environment), kept by triggers:
    // a handful of rows of the Mind, however many memories it has.
    const [row] = await this.db.all<{ n: unknown }>(
      `SELECT COALESCE(SUM(n), 0) AS n FROM memory_catalog_counts WHERE mind_id = ?${terms.sql}`,
      [mind, ...terms.params],
    );
    return num(row?.n ?? 0);
  }

  async recordAccess(mindId: string, ids: readonly string[], at: EpochMs): Promise<void> {
    const mind = nonEmptyText(mindId, 'mindId', 64);
    const unique = uniqueIds(ids);
    epochMs(at, 'at');
    if (unique.length === 0) return;
    await this.db.write(async (tx) => {
      for (const part of chunks(unique, IDS_PER_STATEMENT))
        await tx.run(
          'UPDATE memory_catalog SET access_count = access_count + 1, last_accessed_at = ? ' +
            `WHERE mind_id = ? AND ${inList('id', part.length)}`,
          [at, mind, ...part],
        );
    });
  }

  async unsettled(mindId: string, limit: number): Promise<CatalogEntry[]> {
    const mind = nonEmptyText(mindId, 'mindId', 64);
    const rows = await this.db.all<Row>(
      `SELECT ${COLUMNS} FROM memory_catalog WHERE mind_id = ? AND ${UNSETTLED} ORDER BY created_at, id LIMIT ?`,
      [mind, parseLimit(limit)],
    );
    return rows.map(toEntry);
  }

  async ids(mindId: string, query: { afterId?: string; limit: number }): Promise<string[]> {
    const mind = nonEmptyText(mindId, 'mindId', 64);
    const limit = parseLimit(query?.limit);
    const rows =
      query.afterId === undefined
        ? await this.db.all<{ id: unknown }>('SELECT id FROM memory_catalog WHERE mind_id = ? ORDER BY id LIMIT ?', [
            mind,
            limit,
          ])
        : await this.db.all<{ id: unknown }>(
            'SELECT id FROM memory_catalog WHERE mind_id = ? AND id > ? ORDER BY id LIMIT ?',
            [mind, nonEmptyText(query.afterId, 'afterId', 256), limit],
          );
    return rows.map((r) => String(r.id));
  }

  async queued(mindId: string, query: { limit: number; ids?: readonly string[] }): Promise<QueuedVector[]> {
    const mind = nonEmptyText(mindId, 'mindId', 64);
    const limit = parseLimit(query?.limit);
    const read = (sql: string, params: unknown[]) =>
      this.db.all<{ id: unknown; payload: unknown }>(
        `SELECT id, payload FROM memory_outbox WHERE mind_id = ?${sql} ORDER BY queued_at, id LIMIT ?`,
        [mind, ...params, limit],
      );
    let rows: Array<{ id: unknown; payload: unknown }>;
    if (query.ids === undefined) rows = await read('', []);
    else {
      rows = [];
      for (const part of chunks(uniqueIds(query.ids), IDS_PER_STATEMENT))
        rows.push(...(await read(` AND ${inList('id', part.length)}`, part)));
      rows = rows.slice(0, limit);
    }
    return rows.map((r) => decodeQueued(String(r.id), String(r.payload)));
  }

  async dequeue(mindId: string, ids: readonly string[]): Promise<number> {
    const unique = uniqueIds(ids);
    return unique.length === 0 ? 0 : this.deleteIds('memory_outbox', nonEmptyText(mindId, 'mindId', 64), unique);
  }

  async removeMind(mindId: string): Promise<number> {
    const mind = nonEmptyText(mindId, 'mindId', 64);
    return this.db.write(async (tx) => {
      const removed = await tx.run('DELETE FROM memory_catalog WHERE mind_id = ?', [mind]);
      await tx.run('DELETE FROM memory_catalog_counts WHERE mind_id = ?', [mind]);
      await tx.run('DELETE FROM memory_outbox WHERE mind_id = ?', [mind]);
      await tx.run('DELETE FROM memory_aliases WHERE mind_id = ?', [mind]);
      return removed;
    });
  }

  /**
   * Deletes these ids of a Mind from `table` (and `also`), in one transaction; returns how many went.
   * Memories removed from the catalogue take their aliases with them.
   */
  private deleteIds(
    table: 'memory_catalog' | 'memory_outbox',
    mind: string,
    ids: readonly string[],
    also?: { sql: string; param: unknown },
  ): Promise<number> {
    return this.db.write(async (tx) => {
      let removed = 0;
      for (const part of chunks(ids, IDS_PER_STATEMENT)) {
        removed += await tx.run(
          `DELETE FROM ${table} WHERE mind_id = ? AND ${inList('id', part.length)}${also?.sql ?? ''}`,
          also === undefined ? [mind, ...part] : [mind, ...part, also.param],
        );
        if (table === 'memory_catalog')
          await tx.run(
            `DELETE FROM memory_aliases WHERE mind_id = ? AND ${inList('target_id', part.length)} AND NOT EXISTS ` +
              '(SELECT 1 FROM memory_catalog c WHERE c.mind_id = memory_aliases.mind_id AND c.id = memory_aliases.target_id)',
            [mind, ...part],
          );
      }
      return removed;
    });
  }

  /** How many of these entries are catalogued already (one statement per Mind among them). */
  private async countExisting(tx: SqlExecutor, entries: readonly CatalogEntry[]): Promise<number> {
    const byMind = new Map<string, string[]>();
    for (const e of entries) {
      const ids = byMind.get(e.mindId);
      if (ids) ids.push(e.id);
      else byMind.set(e.mindId, [e.id]);
    }
    let existing = 0;
    for (const [mind, ids] of byMind) {
      const [row] = await tx.all<{ n: unknown }>(
        `SELECT COUNT(*) AS n FROM memory_catalog WHERE mind_id = ? AND ${inList('id', ids.length)}`,
        [mind, ...ids],
      );
      existing += num(row?.n ?? 0);
    }
    return existing;
  }
}
