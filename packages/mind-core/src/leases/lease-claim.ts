import type { LeaseClaim } from '../ports/mind-lease-store';
import type { EpochMs } from '../ports/page';
import { invalidInput } from '../shared/errors';
import { count, epochMs, nonEmptyText, shown } from '../shared/validation';

/** A claim on a Mind's lease as every MindLeaseStore checks it. */
export function checkLeaseClaim(claim: LeaseClaim): LeaseClaim {
  return {
    mindId: nonEmptyText(claim.mindId, 'mindId', 64),
    ownerId: nonEmptyText(claim.ownerId, 'ownerId', 64),
    host: nonEmptyText(claim.host, 'host', 255),
    pid: count(claim.pid, 'pid'),
  };
}

/** The end of a lease taken or renewed at `now` for `leaseMs` (both checked, as every MindLeaseStore does). */
export function leaseEnd(now: EpochMs, leaseMs: number): EpochMs {
  epochMs(now, 'now');
  if (typeof leaseMs !== 'number' || !Number.isSafeInteger(leaseMs) || leaseMs < 1) {
    throw invalidInput('leaseMs', `must be a positive integer of milliseconds, got ${shown(leaseMs)}`);
  }
  return epochMs(now + leaseMs, 'leaseMs');
}
