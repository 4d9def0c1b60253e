import { hostname } from 'node:os';
import { GenesisError, processAlive } from '@genesis/mind-core';
import type { Clock, Logger, MindLease, MindLeaseStore } from '@genesis/mind-core';

export interface MindLeaseOptions {
  ownerId: string;
  /** How long a lease lasts without renewal. Renewed every leaseMs / 3. */
  leaseMs: number;
  /** Told when a held Mind is lost (not renewed in time, or taken): stop working it at once. */
  onLost(mindId: string, reason: string): void;
}

/** The owner ids of the daemons alive in this process (a lease with our pid but another id is a predecessor's). */
const liveOwners = new Set<string>();

/** Who holds a Mind, for messages: "pid 4242 on host-a since 2026-11-26T09:00:00.000Z". */
export const describeHolder = (holder: MindLease): string =>
  `pid ${holder.pid} on ${holder.host} since ${new Date(holder.acquiredAt).toISOString()}`;

/**
 * One daemon per Mind: acquires each Mind's lease row, renews it, and gives it up on stop. A lease
 * whose holder ran on this host and whose process is gone is taken over at once; any other only
 * after it expires.
 */
export class MindLeaseKeeper {
  private readonly held = new Set<string>();
  private readonly host = hostname();
  /** Set by `releaseAll`: no lease is taken after it. */
  private released = false;
  private readonly acquiring = new Set<Promise<unknown>>();

  constructor(
    private readonly store: MindLeaseStore,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly options: MindLeaseOptions,
  ) {}

  /** Marks this daemon alive in this process (until `releaseAll`). */
  register(): void {
    liveOwners.add(this.options.ownerId);
  }

  /** The Minds this daemon holds now. */
  heldMinds(): string[] {
    return [...this.held];
  }

  holds(mindId: string): boolean {
    return this.held.has(mindId);
  }

  /** Takes the Mind's lease, or returns the holder that keeps it. Refused once `releaseAll` began. */
  async acquire(mindId: string): Promise<{ acquired: true } | { acquired: false; holder: MindLease }> {
    if (this.released) throw new GenesisError('DAEMON_STOPPING', `Cannot take Mind ${mindId}: this daemon is stopping`);
    const attempt = this.attemptAcquire(mindId);
    this.acquiring.add(attempt);
    try {
      return await attempt;
    } finally {
      this.acquiring.delete(attempt);
    }
  }

  private async attemptAcquire(mindId: string): Promise<{ acquired: true } | { acquired: false; holder: MindLease }> {
    const claim = { mindId, ownerId: this.options.ownerId, host: this.host, pid: process.pid };
    const now = this.clock.now();
    const result = await this.store.acquire(claim, now, this.options.leaseMs);
    if (result.acquired) {
      this.held.add(mindId);
      return { acquired: true };
    }
    const { holder } = result;
    // Gone: another pid of this host that no longer runs, or our own pid held by a daemon that is not
    // alive in this process (a predecessor that had the same pid, e.g. a restarted container).
    const gone = holder.pid === process.pid ? !liveOwners.has(holder.ownerId) : !processAlive(holder.pid);
    if (holder.host === this.host && gone) {
      if (await this.store.takeOver(claim, holder.ownerId, now, this.options.leaseMs)) {
        this.log.info({ mindId, previous: describeHolder(holder) }, 'took over the lease of a daemon that died');
        this.held.add(mindId);
        return { acquired: true };
      }
      // Someone moved first (or the dead holder's row is gone): one more ordinary attempt.
      const again = await this.store.acquire(claim, now, this.options.leaseMs);
      if (again.acquired) {
        this.held.add(mindId);
        return { acquired: true };
      }
      return { acquired: false, holder: again.holder };
    }
    return { acquired: false, holder };
  }

  /** Renews every held lease; a Mind whose lease is gone is dropped and reported lost. */
  async renew(): Promise<void> {
    const now = this.clock.now();
    for (const mindId of [...this.held]) {
      let renewed = false;
      try {
        renewed = await this.store.renew(mindId, this.options.ownerId, now, this.options.leaseMs);
      } catch (error) {
        // A database hiccup is not a lost lease yet: the lease lasts leaseMs, renewal runs every third of it.
        this.log.warn({ mindId, err: error }, 'renewing a Mind lease failed; will retry');
        continue;
      }
      if (!renewed) this.lose(mindId, 'the lease was not renewed in time and another daemon may hold it');
    }
  }

  /** Drops a Mind at once (lease lost, or found held by someone else). */
  lose(mindId: string, reason: string): void {
    if (!this.held.delete(mindId)) return;
    this.log.error({ mindId, reason }, 'lost the lease of a Mind: stopped working it');
    this.options.onLost(mindId, reason);
  }

  /** Gives every lease up (graceful stop). */
  async releaseAll(): Promise<void> {
    this.released = true;
    await Promise.allSettled([...this.acquiring]); // an acquisition in flight lands in `held` first
    liveOwners.delete(this.options.ownerId);
    for (const mindId of [...this.held]) {
      this.held.delete(mindId);
      await this.store
        .release(mindId, this.options.ownerId)
        .catch((error: unknown) =>
          this.log.warn({ mindId, err: error }, 'releasing a Mind lease failed; it expires on its own'),
        );
    }
  }
}

/** The error for a Mind another daemon holds. */
export function mindHeldError(mindId: string, holder: MindLease): GenesisError {
  return new GenesisError(
    'MIND_HELD',
    `Mind ${mindId} is driven by another daemon (${describeHolder(holder)}; lease until ${new Date(holder.expiresAt).toISOString()}). ` +
      'Only one daemon may drive a Mind: stop that one first.',
    { field: 'mind' },
  );
}
