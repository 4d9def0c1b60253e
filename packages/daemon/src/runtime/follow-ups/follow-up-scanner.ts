import { decideFire, nextCheckAfterFire, parseTimezone } from '@genesis/mind-core';
import type { Clock, ConcernStore, DuePosition, FireContext, FollowUpPolicyConfig, Logger } from '@genesis/mind-core';
import type { MessageStore, RelationshipStore, StoredConcern, TransactionStores, UnitOfWork } from '@genesis/mind-core';

/** The task type a fired follow-up enqueues. */
export const FOLLOW_UP_TASK = 'concern.follow-up';

/** A check's task is keyed by the check, so no check can enqueue two. */
export const followUpKey = (concernId: string, checkAt: number): string => `concern:${concernId}:${checkAt}`;

/** The payload of a `concern.follow-up` task. */
export interface FollowUpPayload {
  concernId: string;
  checkAt: number;
}

export interface FollowUpScannerOptions {
  /** The Minds whose concerns this daemon follows up (the ones it holds). */
  minds(): readonly string[];
  policy: FollowUpPolicyConfig;
  /** The Mind's time zone, used when the user's is unknown (null: UTC). */
  timezone: string | null;
  /** Attempts of each follow-up task. */
  maxAttempts: number;
  /** Due concerns read per query (the scan pages through all of them). Default 200. */
  pageSize?: number;
  /** Told after a check fired (its task is enqueued). */
  onFired?(concern: StoredConcern, checkAt: number): void;
}

export interface FollowUpScan {
  woken: number;
  expired: number;
  fired: number;
  deferred: number;
  resolved: number;
  /** Checks another scanner fired first, or concerns changed meanwhile. */
  skipped: number;
  failed: number;
}

/** Thrown inside a unit of work to roll it back when the check is not ours to fire. */
class NotOurs extends Error {}

/** Caches of one scan of one Mind (per user). */
interface MindScan {
  mindId: string;
  now: number;
  recentFires: Map<string, number>;
  userZones: Map<string, string | null>;
}

/**
 * Fires due follow-ups of the held Minds. Per Mind and tick: snoozed concerns whose snooze ended
 * wake and concerns past expiresAt expire (set-based), then every due concern is read, page after
 * page, and decided by the policy: deferred (its next check moved), resolved (no answer after the
 * allowed follow-ups), or fired — in ONE unit of work the fire record (unique per concern and
 * check), the concern's real next check and the `concern.follow-up` task. Two scanners racing, or
 * a restart between two steps, fire a check once.
 */
export class FollowUpScanner {
  private running: Promise<FollowUpScan> | undefined;
  private readonly warnedZones = new Set<string>();

  constructor(
    private readonly concerns: ConcernStore,
    private readonly messages: MessageStore,
    private readonly relationships: RelationshipStore | null,
    private readonly unitOfWork: UnitOfWork,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly options: FollowUpScannerOptions,
  ) {}

  /** One scan of every held Mind; a tick while one runs joins it. */
  tick(): Promise<FollowUpScan> {
    this.running ??= this.scan().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** Resolves once no scan is running (stop waits for it). */
  async settle(): Promise<void> {
    await this.running?.catch(() => undefined);
  }

  private async scan(): Promise<FollowUpScan> {
    const totals: FollowUpScan = { woken: 0, expired: 0, fired: 0, deferred: 0, resolved: 0, skipped: 0, failed: 0 };
    for (const mindId of this.options.minds()) await this.scanMind(mindId, totals);
    return totals;
  }

  private async scanMind(mindId: string, totals: FollowUpScan): Promise<void> {
    const now = this.clock.now();
    totals.woken += await this.concerns.wake(mindId, now);
    totals.expired += await this.concerns.expire(mindId, now);
    const scan: MindScan = { mindId, now, recentFires: new Map(), userZones: new Map() };
    const pageSize = this.options.pageSize ?? 200;
    let after: DuePosition | null = null;
    for (;;) {
      const page = await this.concerns.due(mindId, now, pageSize, after);
      for (const concern of page) {
        try {
          totals[await this.followUp(concern, scan)]++;
        } catch (error) {
          totals.failed++;
          this.log.error(
            { mindId, concernId: concern.id, err: error },
            'follow-up check failed; tried again next tick',
          );
        }
      }
      if (page.length < pageSize) return;
      const last = page[page.length - 1]!;
      after = { nextCheckAt: last.nextCheckAt, id: last.id };
    }
  }

  private async followUp(
    concern: StoredConcern,
    scan: MindScan,
  ): Promise<'fired' | 'deferred' | 'resolved' | 'skipped'> {
    const { policy } = this.options;
    const context = await this.context(concern, scan);
    const decision = decideFire(concern, context, policy);
    const checkAt = concern.nextCheckAt;
    const log = this.log;
    if (decision.kind === 'defer') {
      const moved = await this.ifUnchanged(concern, (stores) =>
        stores.concerns.update(concern.mindId, concern.id, { nextCheckAt: decision.until }, ['active']),
      );
      if (moved)
        log.debug(
          {
            mindId: concern.mindId,
            concernId: concern.id,
            until: new Date(decision.until).toISOString(),
            reason: decision.reason,
          },
          'follow-up deferred',
        );
      return moved ? 'deferred' : 'skipped';
    }
    if (decision.kind === 'resolve') {
      const resolved = await this.ifUnchanged(concern, (stores) =>
        stores.concerns.update(
          concern.mindId,
          concern.id,
          {
            status: 'resolved',
            resolvedAt: scan.now,
            metadata: { ...concern.metadata, resolutionNote: decision.note },
          },
          ['active'],
        ),
      );
      if (resolved)
        log.info({ mindId: concern.mindId, concernId: concern.id, note: decision.note }, 'concern resolved');
      return resolved ? 'resolved' : 'skipped';
    }
    const firedAt = this.clock.now();
    const next = nextCheckAfterFire(concern, firedAt, context, policy);
    const nextCheckAt = Math.max(next.nextCheckAt, firedAt + 1);
    const fired = await this.ifUnchanged(concern, async (stores) => {
      const { task } = await stores.tasks.enqueue({
        mindId: concern.mindId,
        type: FOLLOW_UP_TASK,
        payload: { concernId: concern.id, checkAt } satisfies FollowUpPayload,
        idempotencyKey: followUpKey(concern.id, checkAt),
        maxAttempts: this.options.maxAttempts,
      });
      const recorded = await stores.concerns.recordFire({
        concernId: concern.id,
        mindId: concern.mindId,
        userEmail: concern.userEmail,
        checkAt,
        firedAt,
        taskId: task.id,
      });
      if (!recorded) throw new NotOurs('fired already');
      return stores.concerns.update(
        concern.mindId,
        concern.id,
        { lastCheckedAt: firedAt, followUpCount: next.followUpCount, nextCheckAt },
        ['active'],
      );
    });
    if (!fired) return 'skipped';
    const key = concern.userEmail ?? '';
    scan.recentFires.set(key, (scan.recentFires.get(key) ?? 0) + 1);
    log.info(
      {
        mindId: concern.mindId,
        concernId: concern.id,
        check: new Date(checkAt).toISOString(),
        next: new Date(nextCheckAt).toISOString(),
        followUpCount: next.followUpCount,
        reason: decision.reason,
      },
      'follow-up fired',
    );
    this.options.onFired?.(concern, checkAt);
    return 'fired';
  }

  /**
   * Runs `work` in one unit of work if the concern is still active with the check we read;
   * returns false (and keeps nothing) if it changed or `work` found the check fired already.
   */
  private async ifUnchanged(
    concern: StoredConcern,
    work: (stores: TransactionStores) => Promise<unknown>,
  ): Promise<boolean> {
    try {
      return await this.unitOfWork.run(async (stores) => {
        const now = await stores.concerns.get(concern.mindId, concern.id);
        if (!now || now.status !== 'active' || now.nextCheckAt !== concern.nextCheckAt) return false;
        if (!(await work(stores))) throw new NotOurs('changed meanwhile');
        return true;
      });
    } catch (error) {
      if (error instanceof NotOurs) return false;
      throw error;
    }
  }

  /** What the policy needs: the user's recent messages, the fires of the last window, the time zones. */
  private async context(concern: StoredConcern, scan: MindScan): Promise<FireContext> {
    const { policy, timezone } = this.options;
    const { mindId, now } = scan;
    const user = concern.userEmail;
    const key = user ?? '';
    let recentFires = scan.recentFires.get(key);
    if (recentFires === undefined) {
      recentFires = await this.concerns.countFires(mindId, user, now - policy.rateLimit.windowMs);
      scan.recentFires.set(key, recentFires);
    }
    const context: FireContext = { now, recentFires, mindTimeZone: timezone, userTimeZone: null };
    if (user === null) return context;
    // Indexed: (mind, archived, user, created_at) newest first, one row.
    const [last] = (await this.messages.list({ mindId, userEmail: user, limit: 1, order: 'desc' })).items;
    context.lastMessageAt = last?.createdAt ?? null;
    if (concern.lastCheckedAt !== null && last && last.createdAt > concern.lastCheckedAt) {
      // An answer: a message FROM the user after the last follow-up (oldest first from there).
      const [answer] = (
        await this.messages.list({
          mindId,
          userEmail: user,
          role: 'user',
          since: concern.lastCheckedAt + 1,
          limit: 1,
          order: 'asc',
        })
      ).items;
      context.lastAnswerAt = answer?.createdAt ?? null;
    }
    context.userTimeZone = this.zoneOf(concern.metadata.timezone, concern) ?? (await this.userZone(user, scan));
    return context;
  }

  /** The user's zone from their relationship record (metadata.timezone), if any; cached per scan. */
  private async userZone(user: string, scan: MindScan): Promise<string | null> {
    if (!this.relationships) return null;
    if (scan.userZones.has(user)) return scan.userZones.get(user)!;
    const record = await this.relationships.get(scan.mindId, user);
    const zone = this.zoneOf(record?.metadata.timezone, null);
    scan.userZones.set(user, zone);
    return zone;
  }

  /** A zone name if it is a valid one; an invalid one is logged once and ignored. */
  private zoneOf(value: unknown, concern: StoredConcern | null): string | null {
    if (value === undefined || value === null || value === '') return null;
    try {
      return parseTimezone(value);
    } catch {
      const shown = String(value);
      if (!this.warnedZones.has(shown)) {
        this.warnedZones.add(shown);
        this.log.warn(
          { concernId: concern?.id, timezone: shown },
          "unknown time zone in metadata.timezone; using the Mind's",
        );
      }
      return null;
    }
  }
}
