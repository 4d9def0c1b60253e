import type { AcquireResult, LeaseClaim, MindLease, MindLeaseStore } from '../ports/mind-lease-store';
import type { EpochMs } from '../ports/page';
import { checkLeaseClaim, leaseEnd } from '../leases/lease-claim';
import { nonEmptyText } from '../shared/validation';
import { copy, InMemoryStore } from './in-memory-state';

/**
 * The MindLeaseStore port in memory, behaving like the SQL one: one lease per Mind, taken when free,
 * expired (expiresAt <= now) or already this owner's; acquiredAt kept while the same owner holds it.
 * Every method reads and writes without awaiting in between, so each is atomic.
 */
export class InMemoryMindLeaseStore extends InMemoryStore implements MindLeaseStore {
  async acquire(claim: LeaseClaim, now: EpochMs, leaseMs: number): Promise<AcquireResult> {
    const checked = checkLeaseClaim(claim);
    const expiresAt = leaseEnd(now, leaseMs);
    const held = this.find(checked.mindId);
    if (!held) {
      const lease: MindLease = { ...checked, acquiredAt: now, expiresAt };
      this.state.mindLeases.push(lease);
      return { acquired: true, lease: copy(lease) };
    }
    const same = held.ownerId === checked.ownerId;
    if (!same && held.expiresAt > now) return { acquired: false, holder: copy(held) };
    Object.assign(held, checked, { acquiredAt: same ? held.acquiredAt : now, expiresAt });
    return { acquired: true, lease: copy(held) };
  }

  async takeOver(claim: LeaseClaim, holderOwnerId: string, now: EpochMs, leaseMs: number): Promise<boolean> {
    const checked = checkLeaseClaim(claim);
    const expiresAt = leaseEnd(now, leaseMs);
    nonEmptyText(holderOwnerId, 'holderOwnerId', 64);
    const held = this.find(checked.mindId);
    if (!held || held.ownerId !== holderOwnerId) return false;
    Object.assign(held, checked, { acquiredAt: now, expiresAt });
    return true;
  }

  async renew(mindId: string, ownerId: string, now: EpochMs, leaseMs: number): Promise<boolean> {
    const expiresAt = leaseEnd(now, leaseMs);
    const held = this.find(mindId);
    if (!held || held.ownerId !== ownerId) return false;
    held.expiresAt = expiresAt;
    return true;
  }

  async release(mindId: string, ownerId: string): Promise<boolean> {
    const before = this.state.mindLeases.length;
    this.state.mindLeases = this.state.mindLeases.filter((l) => !(l.mindId === mindId && l.ownerId === ownerId));
    return this.state.mindLeases.length < before;
  }

  async get(mindId: string): Promise<MindLease | null> {
    const held = this.find(mindId);
    return held ? copy(held) : null;
  }

  async list(): Promise<MindLease[]> {
    return [...this.state.mindLeases]
      .sort((a, b) => (a.mindId < b.mindId ? -1 : a.mindId > b.mindId ? 1 : 0))
      .map(copy);
  }

  private find(mindId: string): MindLease | undefined {
    return this.state.mindLeases.find((l) => l.mindId === mindId);
  }
}
