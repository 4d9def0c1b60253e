import type { Logger } from '../ports/logger';
import type { CatalogEntry, MemoryCatalogStore } from '../ports/memory-catalog';
import type { MemoryStore, StoredVector } from '../ports/memory-store';
import { fromStoredVector } from './memory-codec';
import type { Memory } from './memory-input';
import { writeAllQueued, type PrepareQueued } from './write-behind';

/** A memory's row of the SQL catalogue, in `state`. */
export function catalogEntry(mindId: string, m: Memory, state: CatalogEntry['state']): CatalogEntry {
  return {
    id: m.id,
    mindId,
    memoryType: m.type,
    importance: m.importance,
    userEmail: m.userEmail,
    relationshipContext: m.relationshipContext,
    environmentId: m.environmentId,
    createdAt: m.timestamp,
    lastAccessedAt: m.lastAccessed,
    accessCount: m.accessCount,
    state,
  };
}

/** What a repair found and did. */
export interface CatalogRepair {
  /** Vectors of added memories still queued in SQL (a process ended before writing them): written. */
  written: number;
  /** Pending rows whose vector was written: now stored. */
  settled: number;
  /** Pending rows with no vector (a write that never reached the vector store): removed. */
  abandoned: number;
  /** Deletions that were interrupted: finished. */
  deleted: number;
  /** Vectors with no row (memories from before the catalogue, or an interrupted import): catalogued. */
  backfilled: number;
  /** Stored rows whose vector is gone: removed. */
  orphaned: number;
}

const BATCH = 500;
const SCAN = 2000;

/**
 * Brings a Mind's SQL catalogue in line with its vectors. A single memory's add commits its row
 * (stored) with its record queued in SQL, then embeds it and writes the vector (write-behind): what is
 * still queued is written first. Bulk writes go catalogue (pending) → vectors → catalogue (stored), and deletions
 * catalogue (deleting) → vectors → catalogue (removed), so after a crash a pending row is settled by
 * whether its vector exists and a deleting one is finished. When the
 * counts still differ (memories written before the catalogue existed), or with `full`, the vectors are
 * scanned and the missing rows back-filled, reporting `(done, total)` to `onProgress`, and rows whose
 * vector is gone are removed.
 */
export async function repairCatalog(
  mindId: string,
  store: MemoryStore,
  catalog: MemoryCatalogStore,
  options: {
    onProgress?: (done: number, total: number) => void;
    logger: Logger;
    full?: boolean;
    /** Embeds (and checks for near-duplicates) memories queued before they were embedded. */
    prepare: PrepareQueued;
  },
): Promise<CatalogRepair> {
  const result: CatalogRepair = { written: 0, settled: 0, abandoned: 0, deleted: 0, backfilled: 0, orphaned: 0 };
  result.written = await writeAllQueued(mindId, store, catalog, options.prepare);
  for (;;) {
    const unsettled = await catalog.unsettled(mindId, BATCH);
    if (unsettled.length === 0) break;
    const deleting = unsettled.filter((e) => e.state === 'deleting').map((e) => e.id);
    const pending = unsettled.filter((e) => e.state === 'pending').map((e) => e.id);
    if (deleting.length > 0) {
      await store.delete(mindId, deleting);
      result.deleted += await catalog.remove(mindId, deleting, { onlyIf: 'deleting' });
    }
    if (pending.length > 0) {
      const present = new Set((await store.get(mindId, pending)).map((v) => v.id));
      const written = pending.filter((id) => present.has(id));
      const lost = pending.filter((id) => !present.has(id));
      if (written.length > 0) await catalog.setState(mindId, written, 'stored');
      // Only rows still pending go: a writer that stored its vector meanwhile has marked its row stored.
      if (lost.length > 0) result.abandoned += await catalog.remove(mindId, lost, { onlyIf: 'pending' });
      result.settled += written.length;
    }
    if (unsettled.length < BATCH) break;
  }

  // A crash leaves only pending or deleting rows (settled above). Vectors with no row (memories from
  // before the catalogue) show in the counts; a full repair also finds a missing row and an orphan
  // that cancel out in them (a vector store restored from an older copy).
  const [vectors, rows] = await Promise.all([store.count(mindId), catalog.count(mindId)]);
  if (vectors !== rows || options.full) {
    const backfilled = await backfill(mindId, store, catalog, vectors, options.onProgress);
    result.backfilled = backfilled;
    if (rows + backfilled > vectors || options.full) result.orphaned = await removeOrphans(mindId, store, catalog);
  }
  if (Object.values(result).some((n) => n > 0)) options.logger.info({ mindId, ...result }, 'memory catalogue repaired');
  return result;
}

/** Catalogues every vector that has no row yet (memories stored before the catalogue existed). */
async function backfill(
  mindId: string,
  store: MemoryStore,
  catalog: MemoryCatalogStore,
  total: number,
  onProgress: ((done: number, total: number) => void) | undefined,
): Promise<number> {
  let added = 0;
  onProgress?.(0, total);
  for (let offset = 0; offset < total + SCAN; offset += SCAN) {
    const vectors: StoredVector[] = await store.scan(mindId, { limit: SCAN, offset });
    if (vectors.length === 0) break;
    const known = new Set(
      (
        await catalog.get(
          mindId,
          vectors.map((v) => v.id),
        )
      ).map((e) => e.id),
    );
    const missing = vectors.filter((v) => !known.has(v.id));
    if (missing.length > 0)
      added += await catalog.put(missing.map((v) => catalogEntry(mindId, fromStoredVector(v), 'stored')));
    onProgress?.(Math.min(total, offset + vectors.length), total);
    if (vectors.length < SCAN) break;
  }
  return added;
}

/** Removes stored rows whose vector no longer exists (a vector store restored from an older copy). */
async function removeOrphans(mindId: string, store: MemoryStore, catalog: MemoryCatalogStore): Promise<number> {
  let removed = 0;
  let afterId: string | undefined;
  for (;;) {
    const ids = await catalog.ids(mindId, { limit: BATCH, ...(afterId === undefined ? {} : { afterId }) });
    if (ids.length === 0) return removed;
    const present = new Set((await store.get(mindId, ids)).map((v) => v.id));
    // A memory added meanwhile has its row before its vector: it is queued, not an orphan.
    const missing = ids.filter((id) => !present.has(id));
    const queued =
      missing.length === 0
        ? new Set<string>()
        : new Set((await catalog.queued(mindId, { limit: missing.length, ids: missing })).map((v) => v.id));
    const gone = missing.filter((id) => !queued.has(id));
    if (gone.length > 0) removed += await catalog.remove(mindId, gone, { onlyIf: 'stored' });
    afterId = ids[ids.length - 1];
  }
}

/**
 * Memories read from the vector store, with the access counters of their catalogue rows (the
 * catalogue owns them); memories being deleted are left out. For readers that scan the vectors.
 */
export async function withCatalogCounters(
  catalog: MemoryCatalogStore,
  mindId: string,
  memories: readonly Memory[],
): Promise<Memory[]> {
  const rows = new Map(
    (
      await catalog.get(
        mindId,
        memories.map((m) => m.id),
      )
    ).map((e) => [e.id, e]),
  );
  return memories.flatMap((m) => {
    const row = rows.get(m.id);
    if (row?.state === 'deleting') return [];
    return [row ? { ...m, accessCount: row.accessCount, lastAccessed: row.lastAccessedAt } : m];
  });
}
