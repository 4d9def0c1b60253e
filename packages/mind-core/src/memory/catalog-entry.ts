import type { CatalogEntry, CatalogState } from '../ports/memory-catalog';
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
