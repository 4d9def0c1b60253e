import type { EpochMs } from './page';

/** Who drives a Mind: one daemon at a time holds its lease. */
export interface MindLease {
  mindId: string;
  /** The daemon's id (unique per daemon process). */
  ownerId: string;
  host: string;
  pid: number;
  acquiredAt: EpochMs;
  expiresAt: EpochMs;
}

export type LeaseClaim = Omit<MindLease, 'acquiredAt' | 'expiresAt'>;

export type AcquireResult = { acquired: true; lease: MindLease } | { acquired: false; holder: MindLease };

export interface MindLeaseStore {
  /**
   * Takes the Mind's lease for `claim.ownerId` until now + leaseMs when nobody holds it, its lease
   * expired, or this owner already holds it; otherwise returns the holder. Atomic: two daemons
   * racing never both acquire.
   */
  acquire(claim: LeaseClaim, now: EpochMs, leaseMs: number): Promise<AcquireResult>;
  /**
   * Takes the lease from `holderOwnerId` even though it has not expired (its process is known to be
   * gone). Conditional: false when someone else holds it by now.
   */
  takeOver(claim: LeaseClaim, holderOwnerId: string, now: EpochMs, leaseMs: number): Promise<boolean>;
  /** Extends the lease; false when this owner no longer holds it. */
  renew(mindId: string, ownerId: string, now: EpochMs, leaseMs: number): Promise<boolean>;
  /** Gives the lease up; false when this owner did not hold it. */
  release(mindId: string, ownerId: string): Promise<boolean>;
  get(mindId: string): Promise<MindLease | null>;
  /** Every lease (held or expired), by mindId. */
  list(): Promise<MindLease[]>;
}
