import type {
  CatalogCursor,
  CatalogEntry,
  CatalogFilter,
  CatalogState,
  MemoryCatalogStore,
  MergedMemories,
  MergedMemory,
  QueuedVectors,
} from '../ports/memory-catalog';
import type { QueuedVector } from '../ports/memory-catalog';
import type { EpochMs } from '../ports/page';
import { invalidInput } from '../shared/errors';
import { CATALOG_STATES, checkCatalogEntry, checkMerged, checkQueuedVectors } from '../memory/catalog-entry';
import { epochMs, nonEmptyText, oneOf, parseLimit, shown } from '../shared/validation';

const STATES = CATALOG_STATES;

/** Checks one entry as the SQL catalogue does; a new row starts at revision 0. */
function checkEntry(e: CatalogEntry, at: string): CatalogEntry {
  return { ...checkCatalogEntry(e, at), revision: 0 };
}

function checkIds(ids: readonly string[]): readonly string[] {
  if (!Array.isArray(ids)) throw invalidInput('ids', `must be a list of memory ids, got ${shown(ids)}`);
  ids.forEach((id, i) => nonEmptyText(id, `ids[${i}]`, 256));
  return ids;
}

function checkFilter(filter: CatalogFilter | undefined): CatalogFilter {
  if (filter === undefined) return {};
  if (typeof filter !== 'object' || filter === null)
    throw invalidInput('filter', `must be an object, got ${shown(filter)}`);
  const out: CatalogFilter = {};
  if (filter.memoryType !== undefined) out.memoryType = nonEmptyText(filter.memoryType, 'filter.memoryType', 64);
  if (filter.userEmail !== undefined) out.userEmail = nonEmptyText(filter.userEmail, 'filter.userEmail', 320);
  if (filter.environmentId !== undefined)
    out.environmentId = nonEmptyText(filter.environmentId, 'filter.environmentId', 256);
  return out;
}

function checkCursor(after: CatalogCursor | undefined): CatalogCursor | undefined {
  if (after === undefined) return undefined;
  if (typeof after !== 'object' || after === null)
    throw invalidInput('after', `must be { createdAt, id }, got ${shown(after)}`);
  return { createdAt: epochMs(after.createdAt, 'after.createdAt'), id: nonEmptyText(after.id, 'after.id', 256) };
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
/** createdAt desc, id desc: the order of `recent`. */
const newestFirst = (a: CatalogEntry, b: CatalogEntry) => b.createdAt - a.createdAt || cmp(b.id, a.id);
const matches = (e: CatalogEntry, f: CatalogFilter) =>
  (f.memoryType === undefined || e.memoryType === f.memoryType) &&
  (f.userEmail === undefined || e.userEmail === f.userEmail) &&
  (f.environmentId === undefined || e.environmentId === f.environmentId);

/**
 * The MemoryCatalogStore port in memory, behaving like the SQL one: one entry per (Mind, id); only
 * `stored` entries are listed and counted; ids compare as strings (code-unit order, as SQLite's
 * BINARY collation and PostgreSQL's C collation). Every method reads and writes without awaiting in
 * between, so each is atomic; a `put` that fails validation writes nothing.
 */
export class InMemoryMemoryCatalog implements MemoryCatalogStore {
  /** Per Mind: id to entry. */
  private readonly minds = new Map<string, Map<string, CatalogEntry>>();
  /** The write-behind queue: vectors by Mind, then id, oldest first (Map order). */
  private readonly queues = new Map<string, Map<string, QueuedVector>>();
  /** Ids of merged memories by Mind, then id: the memory each was merged into. */
  private readonly aliasesOf = new Map<string, Map<string, string>>();

  async put(
    entries: readonly CatalogEntry[],
    options: { replace?: boolean; queue?: QueuedVectors; merged?: MergedMemories } = {},
  ): Promise<number> {
    if (!Array.isArray(entries))
      throw invalidInput('entries', `must be a list of catalogue entries, got ${shown(entries)}`);
    const checked = entries.map((e, i) => checkEntry(e, `entries[${i}]`));
    const queue = options.queue === undefined ? [] : checkQueuedVectors(options.queue, checked);
    const merged = options.merged === undefined ? [] : checkMerged(options.merged, checked);
    if (options.merged !== undefined && merged.length > 0) {
      const mind = options.merged.mindId;
      let aliases = this.aliasesOf.get(mind);
      if (!aliases) this.aliasesOf.set(mind, (aliases = new Map()));
      for (const { id, into } of merged) {
        this.minds.get(mind)?.delete(id);
        this.queues.get(mind)?.delete(id);
        aliases.set(id, into);
      }
    }
    if (options.queue !== undefined) {
      let queued = this.queues.get(options.queue.mindId);
      if (!queued) this.queues.set(options.queue.mindId, (queued = new Map()));
      for (const v of queue) {
        queued.delete(v.id); // a vector queued again goes to the end, as the newest
        queued.set(v.id, {
          id: v.id,
          document: v.document,
          metadata: { ...v.metadata },
          embedding: Array.from(Float32Array.from(v.embedding)),
          ...(v.metadataOnly === true ? { metadataOnly: true } : {}),
        });
      }
    }
    let inserted = 0;
    for (const e of checked) {
      let rows = this.minds.get(e.mindId);
      if (!rows) this.minds.set(e.mindId, (rows = new Map()));
      const existing = rows.get(e.id);
      if (!existing) inserted++;
      if (!existing) rows.set(e.id, e);
      else if (options.replace === true) rows.set(e.id, { ...e, revision: (existing.revision ?? 0) + 1 });
    }
    return inserted;
  }

  async setState(mindId: string, ids: readonly string[], state: CatalogState): Promise<void> {
    const rows = this.rowsOf(mindId);
    checkIds(ids);
    oneOf(state, STATES, 'state');
    for (const id of ids) {
      const e = rows?.get(id);
      if (e) rows!.set(id, { ...e, state });
    }
  }

  async remove(mindId: string, ids: readonly string[], options: { onlyIf?: CatalogState } = {}): Promise<number> {
    const rows = this.rowsOf(mindId);
    checkIds(ids);
    const onlyIf = options.onlyIf === undefined ? undefined : oneOf(options.onlyIf, STATES, 'onlyIf');
    let removed = 0;
    for (const id of new Set(ids)) {
      const e = rows?.get(id);
      if (e && (onlyIf === undefined || e.state === onlyIf)) {
        rows!.delete(id);
        removed++;
      }
    }
    // A removed memory's aliases go with it.
    const aliases = this.aliasesOf.get(mindId);
    for (const [alias, into] of aliases ?? []) if (ids.includes(into) && !rows?.has(into)) aliases!.delete(alias);
    return removed;
  }

  async get(mindId: string, ids: readonly string[]): Promise<CatalogEntry[]> {
    const rows = this.rowsOf(mindId);
    checkIds(ids);
    return [...new Set(ids)].flatMap((id) => {
      const e = rows?.get(id);
      return e ? [{ ...e }] : [];
    });
  }

  async aliases(mindId: string, ids: readonly string[]): Promise<MergedMemory[]> {
    const aliases = this.aliasesOf.get(nonEmptyText(mindId, 'mindId', 64));
    checkIds(ids);
    return [...new Set(ids)].flatMap((id) => {
      const into = aliases?.get(id);
      return into === undefined ? [] : [{ id, into }];
    });
  }

  async recent(
    mindId: string,
    query: { limit: number; after?: CatalogCursor; filter?: CatalogFilter },
  ): Promise<CatalogEntry[]> {
    const rows = this.rowsOf(mindId);
    const limit = parseLimit(query?.limit);
    const after = checkCursor(query.after);
    const filter = checkFilter(query.filter);
    return this.storedOf(rows)
      .filter((e) => matches(e, filter))
      .filter((e) => !after || e.createdAt < after.createdAt || (e.createdAt === after.createdAt && e.id < after.id))
      .sort(newestFirst)
      .slice(0, limit);
  }

  async important(mindId: string, limit: number): Promise<CatalogEntry[]> {
    const rows = this.rowsOf(mindId);
    const n = parseLimit(limit);
    return this.storedOf(rows)
      .sort((a, b) => b.importance - a.importance || newestFirst(a, b))
      .slice(0, n);
  }

  async count(mindId: string, filter?: CatalogFilter): Promise<number> {
    const rows = this.rowsOf(mindId);
    const f = checkFilter(filter);
    return this.storedOf(rows).filter((e) => matches(e, f)).length;
  }

  async recordAccess(mindId: string, ids: readonly string[], at: EpochMs): Promise<void> {
    const rows = this.rowsOf(mindId);
    checkIds(ids);
    epochMs(at, 'at');
    for (const id of new Set(ids)) {
      const e = rows?.get(id);
      if (e) rows!.set(id, { ...e, accessCount: e.accessCount + 1, lastAccessedAt: at });
    }
  }

  async unsettled(mindId: string, limit: number): Promise<CatalogEntry[]> {
    const rows = this.rowsOf(mindId);
    const n = parseLimit(limit);
    return [...(rows?.values() ?? [])]
      .filter((e) => e.state !== 'stored')
      .sort((a, b) => a.createdAt - b.createdAt || cmp(a.id, b.id))
      .slice(0, n)
      .map((e) => ({ ...e }));
  }

  async ids(mindId: string, query: { afterId?: string; limit: number }): Promise<string[]> {
    const rows = this.rowsOf(mindId);
    const limit = parseLimit(query?.limit);
    const afterId = query.afterId === undefined ? undefined : nonEmptyText(query.afterId, 'afterId', 256);
    return [...(rows?.keys() ?? [])]
      .filter((id) => afterId === undefined || id > afterId)
      .sort(cmp)
      .slice(0, limit);
  }

  async queued(mindId: string, query: { limit: number; ids?: readonly string[] }): Promise<QueuedVector[]> {
    const queued = this.queues.get(nonEmptyText(mindId, 'mindId', 64));
    const limit = parseLimit(query?.limit);
    const only = query.ids === undefined ? undefined : new Set(checkIds(query.ids));
    return [...(queued?.values() ?? [])]
      .filter((v) => only === undefined || only.has(v.id))
      .slice(0, limit)
      .map((v) => ({ ...v, metadata: { ...v.metadata }, embedding: [...v.embedding] }));
  }

  async dequeue(mindId: string, ids: readonly string[]): Promise<number> {
    const queued = this.queues.get(nonEmptyText(mindId, 'mindId', 64));
    checkIds(ids);
    let removed = 0;
    for (const id of new Set(ids)) if (queued?.delete(id)) removed++;
    return removed;
  }

  async removeMind(mindId: string): Promise<number> {
    const rows = this.rowsOf(mindId);
    this.minds.delete(mindId);
    this.queues.delete(mindId);
    this.aliasesOf.delete(mindId);
    return rows?.size ?? 0;
  }

  /** The Mind's rows (checking the id), or undefined when it has none. */
  private rowsOf(mindId: string): Map<string, CatalogEntry> | undefined {
    return this.minds.get(nonEmptyText(mindId, 'mindId', 64));
  }

  /** Copies of the `stored` entries. */
  private storedOf(rows: Map<string, CatalogEntry> | undefined): CatalogEntry[] {
    return [...(rows?.values() ?? [])].filter((e) => e.state === 'stored').map((e) => ({ ...e }));
  }
}
