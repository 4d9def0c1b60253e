import { CONCERN_STATUSES, CONCERN_TYPES, CONCERN_URGENCIES } from '../ports/concern-store';
import type { ConcernFire, ConcernPatch, DuePosition, NewConcern, StoredConcern } from '../ports/concern-store';
import type { EpochMs } from '../ports/page';
import { invalidInput } from '../shared/errors';
import { count, epochMs, jsonObject, nonEmptyText, oneOf, unitInterval } from '../shared/validation';

/**
 * A new concern as every ConcernStore stores it: the input checked (the stores' assertion) and
 * its defaults filled in — severity 0.5, urgency normal, status active, no checks yet.
 */
export function newConcernRow(c: NewConcern, id: string, now: EpochMs): StoredConcern {
  return {
    id,
    mindId: nonEmptyText(c.mindId, 'mindId', 64),
    userEmail: c.userEmail ?? null,
    concernType: oneOf(c.concernType, CONCERN_TYPES, 'concernType'),
    description: nonEmptyText(c.description, 'description'),
    severity: unitInterval(c.severity ?? 0.5, 'severity'),
    urgency: oneOf(c.urgency ?? 'normal', CONCERN_URGENCIES, 'urgency'),
    status: oneOf(c.status ?? 'active', CONCERN_STATUSES, 'status'),
    nextCheckAt: epochMs(c.nextCheckAt, 'nextCheckAt'),
    followUpCount: 0,
    lastCheckedAt: null,
    resolvedAt: null,
    expiresAt: c.expiresAt == null ? null : epochMs(c.expiresAt, 'expiresAt'),
    memoryId: c.memoryId ?? null,
    metadata: c.metadata === undefined ? {} : jsonObject(c.metadata, 'metadata'),
    createdAt: now,
    updatedAt: now,
  };
}

const orNull =
  <T>(check: (v: unknown) => T) =>
  (v: unknown): T | null =>
    v === null ? null : check(v);

/** The check each patchable field must pass. */
const PATCH_CHECKS: { [K in keyof ConcernPatch]-?: (v: unknown) => ConcernPatch[K] } = {
  description: (v) => nonEmptyText(v, 'description'),
  severity: (v) => unitInterval(v, 'severity'),
  urgency: (v) => oneOf(v, CONCERN_URGENCIES, 'urgency'),
  status: (v) => oneOf(v, CONCERN_STATUSES, 'status'),
  nextCheckAt: (v) => epochMs(v, 'nextCheckAt'),
  followUpCount: (v) => count(v, 'followUpCount'),
  lastCheckedAt: orNull((v) => epochMs(v, 'lastCheckedAt')),
  resolvedAt: orNull((v) => epochMs(v, 'resolvedAt')),
  expiresAt: orNull((v) => epochMs(v, 'expiresAt')),
  memoryId: orNull((v) => nonEmptyText(v, 'memoryId', 64)),
  metadata: (v) => jsonObject(v, 'metadata'),
};

/**
 * A concern patch as every ConcernStore applies it: each given field checked (before anything
 * changes), fields that are not patchable or are undefined left out.
 */
export function checkConcernPatch(patch: ConcernPatch): ConcernPatch {
  const checked: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(patch)) {
    const check = PATCH_CHECKS[key as keyof ConcernPatch] as ((v: unknown) => unknown) | undefined;
    if (check !== undefined && value !== undefined) checked[key] = check(value);
  }
  return checked as ConcernPatch;
}

/** A fire record as every ConcernStore stores it: each field checked, a plain copy. */
export function checkConcernFire(fire: ConcernFire): ConcernFire {
  if (fire === null || typeof fire !== 'object') throw invalidInput('fire', 'must be an object');
  return {
    concernId: nonEmptyText(fire.concernId, 'concernId', 36),
    mindId: nonEmptyText(fire.mindId, 'mindId', 64),
    userEmail: fire.userEmail == null ? null : nonEmptyText(fire.userEmail, 'userEmail', 320),
    checkAt: epochMs(fire.checkAt, 'checkAt'),
    firedAt: epochMs(fire.firedAt, 'firedAt'),
    taskId: fire.taskId == null ? null : nonEmptyText(fire.taskId, 'taskId', 36),
  };
}

/** The `after` position of a `due` page, checked (null when not given). */
export function checkDueAfter(after: DuePosition | null | undefined): DuePosition | null {
  if (after == null) return null;
  if (typeof after !== 'object') throw invalidInput('after', 'must be { nextCheckAt, id }');
  return { nextCheckAt: epochMs(after.nextCheckAt, 'after.nextCheckAt'), id: nonEmptyText(after.id, 'after.id', 36) };
}
