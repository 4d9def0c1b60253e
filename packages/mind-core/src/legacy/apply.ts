import type { TransactionStores } from '../ports/unit-of-work';
import { isRecord } from '../shared/validation';
import type { LegacyPerson, LegacyPlace } from './plugins';
import { digest } from './values';

export interface MovedCount {
  /** Written by this import (new, or changed since an earlier import of the same entry). */
  moved: number;
  /** Already there from an earlier import of the same entry, unchanged. */
  alreadyThere: number;
}

interface ImportMark {
  key: string;
  digest: string;
  interactionCount?: number;
}

const markOf = (metadata: Record<string, unknown> | undefined): ImportMark | null => {
  const mark = metadata?.legacyImport;
  return isRecord(mark) && typeof mark.key === 'string' && typeof mark.digest === 'string'
    ? (mark as unknown as ImportMark)
    : null;
};

/**
 * The people of an old relationships plugin into the relationship store, in the caller's unit of
 * work. Each row carries `metadata.legacyImport = { key, digest, interactionCount, first…, last… }`:
 * importing the same entry again changes nothing. The old interaction count is absolute, a floor:
 * the row ends with at least that many interactions (interactions are added only up to it), so it
 * is never added twice, nor on top of the interactions the same messages recorded when the old SQL
 * rows were imported first. Two entries with the same email are one person (counts summed, the
 * others' fields kept in `metadata.legacyAlso`).
 */
export async function applyPeople(
  stores: TransactionStores,
  mindId: string,
  people: readonly LegacyPerson[],
  fallbackTime: number,
): Promise<MovedCount> {
  const byEmail = new Map<string, LegacyPerson>();
  for (const p of people) {
    const first = byEmail.get(p.email);
    if (!first) {
      byEmail.set(p.email, { ...p, metadata: { ...p.metadata } });
      continue;
    }
    first.interactionCount += p.interactionCount;
    first.firstInteractionAt = minTime(first.firstInteractionAt, p.firstInteractionAt);
    first.lastInteractionAt = maxTime(first.lastInteractionAt, p.lastInteractionAt);
    const also = Array.isArray(first.metadata.legacyAlso) ? first.metadata.legacyAlso : [];
    first.metadata.legacyAlso = [...also, { key: p.key, displayName: p.displayName, notes: p.notes, ...p.metadata }];
  }
  const result: MovedCount = { moved: 0, alreadyThere: 0 };
  for (const p of byEmail.values()) {
    const existing = await stores.relationships.get(mindId, p.email);
    const mark = markOf(existing?.metadata);
    const d = digest(p);
    if (mark && mark.key === p.legacyKey && mark.digest === d) {
      result.alreadyThere++;
      continue;
    }
    await stores.relationships.upsert({
      mindId,
      userEmail: p.email,
      displayName: p.displayName ?? existing?.displayName ?? null,
      relationshipType: p.relationshipType,
      ...(p.trustLevel !== null ? { trustLevel: p.trustLevel } : {}),
      ...(p.notes !== null ? { notes: p.notes } : {}),
      metadata: {
        ...existing?.metadata,
        ...p.metadata,
        legacyImport: {
          key: p.legacyKey,
          digest: d,
          interactionCount: p.interactionCount,
          firstInteractionAt: p.firstInteractionAt,
          lastInteractionAt: p.lastInteractionAt,
        },
      },
    });
    const add = p.interactionCount - (existing?.interactionCount ?? 0);
    if (add > 0) {
      const last = p.lastInteractionAt ?? p.firstInteractionAt ?? fallbackTime;
      const first = p.firstInteractionAt ?? last;
      if (add > 1 && first < last) {
        await stores.relationships.recordInteraction(mindId, p.email, first, 1);
        await stores.relationships.recordInteraction(mindId, p.email, last, add - 1);
      } else await stores.relationships.recordInteraction(mindId, p.email, last, add);
    }
    result.moved++;
  }
  return result;
}

/**
 * The places of an old environments plugin into the environment store, in the caller's unit of
 * work: upserted by name (a second place with a name already used gets `name (key)`), marked
 * active at their last activity (never moved back), `metadata.legacyImport = { key, digest }`.
 */
export async function applyPlaces(
  stores: TransactionStores,
  mindId: string,
  places: readonly LegacyPlace[],
): Promise<MovedCount> {
  const result: MovedCount = { moved: 0, alreadyThere: 0 };
  const used = new Set<string>();
  for (const place of places) {
    const name = used.has(place.name) ? `${place.name} (${place.key})`.slice(0, 200) : place.name;
    used.add(name);
    const existing = await stores.environments.findByName(mindId, name);
    const mark = markOf(existing?.metadata);
    const d = digest(place);
    if (existing && mark && mark.key === place.legacyKey && mark.digest === d) {
      result.alreadyThere++;
      continue;
    }
    const env = await stores.environments.upsert({
      mindId,
      name,
      kind: place.kind,
      ...(place.description !== null ? { description: place.description } : {}),
      isPrimary: existing?.isPrimary ?? false,
      metadata: { ...existing?.metadata, ...place.metadata, legacyImport: { key: place.legacyKey, digest: d } },
    });
    if (place.lastActiveAt !== null && (env.lastActiveAt === null || env.lastActiveAt < place.lastActiveAt))
      await stores.environments.markActive(mindId, env.id, place.lastActiveAt);
    result.moved++;
  }
  return result;
}

const minTime = (a: number | null, b: number | null): number | null =>
  a === null ? b : b === null ? a : Math.min(a, b);
const maxTime = (a: number | null, b: number | null): number | null =>
  a === null ? b : b === null ? a : Math.max(a, b);
