import type {
  CatalogEntry,
  CatalogState,
  MergedMemories,
  MergedMemory,
  QueuedVector,
  QueuedVectors,
} from '../ports/memory-catalog';
import { invalidInput } from '../shared/errors';
import { count, epochMs, nonEmptyText, oneOf, shown } from '../shared/validation';

/** The states of a catalogue row (see CatalogState). */
export const CATALOG_STATES: readonly CatalogState[] = ['pending', 'stored', 'deleting'];

/**
 * One catalogue entry checked as every MemoryCatalogStore checks it (`at` names it in messages,
 * e.g. `entries[2]` → `entries[2].importance`); its `revision` is the store's, not the caller's.
 */
export function checkCatalogEntry(e: CatalogEntry, at: string): Omit<CatalogEntry, 'revision'> {
  if (typeof e !== 'object' || e === null) throw invalidInput(at, `must be a catalogue entry, got ${shown(e)}`);
  if (typeof e.importance !== 'number' || !Number.isFinite(e.importance))
    throw invalidInput(`${at}.importance`, `must be a finite number, got ${shown(e.importance)}`);
  return {
    id: nonEmptyText(e.id, `${at}.id`, 256),
    mindId: nonEmptyText(e.mindId, `${at}.mindId`, 64),
    memoryType: nonEmptyText(e.memoryType, `${at}.memoryType`, 64),
    importance: e.importance,
    userEmail: e.userEmail == null ? null : nonEmptyText(e.userEmail, `${at}.userEmail`, 320),
    relationshipContext: nonEmptyText(e.relationshipContext, `${at}.relationshipContext`, 64),
    environmentId: e.environmentId == null ? null : nonEmptyText(e.environmentId, `${at}.environmentId`, 256),
    createdAt: epochMs(e.createdAt, `${at}.createdAt`),
    lastAccessedAt: e.lastAccessedAt == null ? null : epochMs(e.lastAccessedAt, `${at}.lastAccessedAt`),
    accessCount: count(e.accessCount, `${at}.accessCount`),
    state: oneOf(e.state, CATALOG_STATES, `${at}.state`),
  };
}

/**
 * A `put`'s queued vectors checked as every MemoryCatalogStore checks them: one Mind, each id one of
 * the put's entries of that Mind (a queued vector always has its row), finite numbers.
 */
export function checkQueuedVectors(queue: QueuedVectors, entries: readonly CatalogEntry[]): QueuedVector[] {
  if (typeof queue !== 'object' || queue === null || !Array.isArray(queue.vectors))
    throw invalidInput('queue', `must be { mindId, vectors: [...] }, got ${shown(queue)}`);
  const mindId = nonEmptyText(queue.mindId, 'queue.mindId', 64);
  const ids = new Set(entries.filter((e) => e.mindId === mindId).map((e) => e.id));
  return queue.vectors.map((v, i) => {
    const at = `queue.vectors[${i}]`;
    if (typeof v !== 'object' || v === null) throw invalidInput(at, `must be a vector record, got ${shown(v)}`);
    if (!ids.has(v.id)) throw invalidInput(`${at}.id`, `must be the id of one of the entries of Mind ${mindId}`);
    if (v.metadataOnly === true) {
      if (!Array.isArray(v.embedding) || v.embedding.length > 0)
        throw invalidInput(`${at}.embedding`, 'must be empty for a metadata-only update');
    } else if (!Array.isArray(v.embedding) || !v.embedding.every(Number.isFinite))
      // Empty: a memory to embed when it is written (its near-duplicate check runs then).
      throw invalidInput(`${at}.embedding`, 'must be a list of finite numbers (empty: to be embedded)');
    if (typeof v.document !== 'string')
      throw invalidInput(`${at}.document`, `must be a string, got ${shown(v.document)}`);
    if (typeof v.metadata !== 'object' || v.metadata === null)
      throw invalidInput(`${at}.metadata`, `must be an object, got ${shown(v.metadata)}`);
    return v;
  });
}

/**
 * A `put`'s merged memories checked as every MemoryCatalogStore checks them: one Mind, each id
 * neither one of the put's entries of that Mind nor its own target, each target one of them.
 */
export function checkMerged(merged: MergedMemories, entries: readonly CatalogEntry[]): MergedMemory[] {
  if (typeof merged !== 'object' || merged === null || !Array.isArray(merged.ids))
    throw invalidInput('merged', `must be { mindId, ids: [{ id, into }] }, got ${shown(merged)}`);
  const mindId = nonEmptyText(merged.mindId, 'merged.mindId', 64);
  const written = new Set(entries.filter((e) => e.mindId === mindId).map((e) => e.id));
  return merged.ids.map((m, i) => {
    const at = `merged.ids[${i}]`;
    if (typeof m !== 'object' || m === null) throw invalidInput(at, `must be { id, into }, got ${shown(m)}`);
    const id = nonEmptyText(m.id, `${at}.id`, 256);
    const into = nonEmptyText(m.into, `${at}.into`, 256);
    if (written.has(id) || id === into)
      throw invalidInput(`${at}.id`, 'must be a memory merged into another, not one the put writes');
    if (!written.has(into)) throw invalidInput(`${at}.into`, `must be the id of one of the entries of Mind ${mindId}`);
    return { id, into };
  });
}
