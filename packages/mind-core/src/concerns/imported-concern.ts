import type { StoredConcern } from '../ports/concern-store';
import { invalidInput } from '../shared/errors';
import { count, epochMs, nonEmptyText } from '../shared/validation';
import { newConcernRow } from './new-concern';

const orNull = <T>(value: unknown, check: (v: unknown) => T): T | null => (value == null ? null : check(value));

/**
 * A whole concern row to import (from another home or an earlier Genesis), as every ConcernStore
 * checks it in `importMany`: the fields of a new concern checked as `insert` checks them, and its
 * state (check count, times) for type and range. Returns a plain copy.
 */
export function checkImportedConcern(row: StoredConcern, field = 'concern'): StoredConcern {
  if (typeof row !== 'object' || row === null) throw invalidInput(field, 'must be a concern row');
  const createdAt = epochMs(row.createdAt, 'createdAt');
  const base = newConcernRow(
    {
      mindId: row.mindId,
      concernType: row.concernType,
      description: row.description,
      nextCheckAt: row.nextCheckAt,
      userEmail: row.userEmail == null ? null : nonEmptyText(row.userEmail, 'userEmail', 320),
      severity: row.severity,
      urgency: row.urgency,
      status: row.status,
      expiresAt: row.expiresAt,
      memoryId: row.memoryId == null ? null : nonEmptyText(row.memoryId, 'memoryId', 64),
      metadata: row.metadata ?? {},
    },
    nonEmptyText(row.id, 'id', 36),
    createdAt,
  );
  return {
    ...base,
    followUpCount: count(row.followUpCount, 'followUpCount'),
    lastCheckedAt: orNull(row.lastCheckedAt, (v) => epochMs(v, 'lastCheckedAt')),
    resolvedAt: orNull(row.resolvedAt, (v) => epochMs(v, 'resolvedAt')),
    updatedAt: epochMs(row.updatedAt, 'updatedAt'),
  };
}
