import type { Clock } from '../ports/clock';
import { CONCERN_STATUSES, CONCERN_TYPES, CONCERN_URGENCIES } from '../ports/concern-store';
import type { ConcernStatus, ConcernStore, ConcernType, ConcernUrgency, StoredConcern } from '../ports/concern-store';
import type { Page } from '../ports/page';
import { GenesisError, invalidInput } from '../shared/errors';
import { jsonObject, nonEmptyText, oneOf, parseEmail, parseLimit, toEpochMs, unitInterval } from '../shared/validation';
import type { TimeInput } from '../shared/validation';

export interface CreateConcernInput {
  type: ConcernType;
  description: string;
  followUpAt: TimeInput;
  userEmail?: string;
  /** 0..1, default 0.5 */
  severity?: number;
  urgency?: ConcernUrgency;
  memoryId?: string;
  expiresAt?: TimeInput;
  metadata?: Record<string, unknown>;
}

export interface ListConcernsInput {
  status?: ConcernStatus | ConcernStatus[];
  userEmail?: string;
  dueBefore?: TimeInput;
  dueAfter?: TimeInput;
  limit: number;
  cursor?: string | null;
}

/** Which statuses each status may move to. resolved, dismissed and expired are final. */
const TRANSITIONS: Record<ConcernStatus, readonly ConcernStatus[]> = {
  active: ['snoozed', 'resolved', 'dismissed', 'expired', 'active'],
  snoozed: ['active', 'resolved', 'dismissed', 'expired', 'snoozed'],
  resolved: [],
  dismissed: [],
  expired: [],
};
const from = (to: ConcernStatus): ConcernStatus[] => CONCERN_STATUSES.filter((s) => TRANSITIONS[s].includes(to));

/** A Mind's proactive follow-ups about its users, stored in SQL. */
export class ConcernManager {
  constructor(
    private readonly mindId: string,
    private readonly store: ConcernStore,
    private readonly clock: Clock,
  ) {}

  async create(input: CreateConcernInput): Promise<StoredConcern> {
    const concernType = oneOf(input.type, CONCERN_TYPES, 'type');
    const description = nonEmptyText(input.description, 'description', 10_000);
    const severity = unitInterval(input.severity ?? 0.5, 'severity');
    return this.store.insert({
      mindId: this.mindId,
      concernType,
      description,
      nextCheckAt: toEpochMs(input.followUpAt, 'followUpAt'),
      userEmail: input.userEmail === undefined ? null : parseEmail(input.userEmail),
      severity,
      urgency: oneOf(input.urgency ?? 'normal', CONCERN_URGENCIES, 'urgency'),
      memoryId: input.memoryId === undefined ? null : nonEmptyText(input.memoryId, 'memoryId', 200),
      expiresAt: input.expiresAt === undefined ? null : toEpochMs(input.expiresAt, 'expiresAt'),
      metadata: input.metadata === undefined ? {} : jsonObject(input.metadata, 'metadata'),
    });
  }

  async get(id: string): Promise<StoredConcern | null> {
    return this.store.get(this.mindId, id);
  }

  /** Soonest follow-up first, keyset-paginated. */
  async list(input: ListConcernsInput): Promise<Page<StoredConcern>> {
    const statuses =
      input.status === undefined
        ? undefined
        : (Array.isArray(input.status) ? input.status : [input.status]).map((s) =>
            oneOf(s, CONCERN_STATUSES, 'status'),
          );
    return this.store.list({
      mindId: this.mindId,
      ...(statuses ? { status: statuses.length === 1 ? statuses[0]! : statuses } : {}),
      ...(input.userEmail !== undefined ? { userEmail: parseEmail(input.userEmail) } : {}),
      ...(input.dueBefore !== undefined ? { dueBefore: toEpochMs(input.dueBefore, 'dueBefore') } : {}),
      ...(input.dueAfter !== undefined ? { dueAfter: toEpochMs(input.dueAfter, 'dueAfter') } : {}),
      limit: parseLimit(input.limit),
      cursor: input.cursor ?? null,
    });
  }

  /**
   * Active concerns whose next check has come (snoozed ones whose snooze ended become active
   * again first; ones past their expiry become expired and are not returned).
   */
  async due(now: TimeInput = this.clock.now(), limit = 100): Promise<StoredConcern[]> {
    const at = toEpochMs(now, 'now');
    await this.store.expire(this.mindId, at);
    for (;;) {
      const woken = await this.store.list({ mindId: this.mindId, status: 'snoozed', dueBefore: at + 1, limit: 100 });
      for (const c of woken.items) await this.store.update(this.mindId, c.id, { status: 'active' }, ['snoozed']);
      if (!woken.nextCursor) break;
    }
    return this.store.due(this.mindId, at, parseLimit(limit));
  }

  async resolve(id: string, note?: string): Promise<StoredConcern> {
    const current = await this.require(id);
    return this.transition(current, 'resolved', {
      resolvedAt: this.clock.now(),
      ...(note !== undefined ? { metadata: { ...current.metadata, resolutionNote: note } } : {}),
    });
  }

  async dismiss(id: string): Promise<StoredConcern> {
    return this.transition(await this.require(id), 'dismissed', {});
  }

  async snooze(id: string, until: TimeInput): Promise<StoredConcern> {
    const at = toEpochMs(until, 'until');
    if (at <= this.clock.now()) throw invalidInput('until', `must be in the future, got ${new Date(at).toISOString()}`);
    return this.transition(await this.require(id), 'snoozed', { nextCheckAt: at });
  }

  /** Records that the Mind followed up now; the next check is at `next`. A snoozed concern becomes active. */
  async recordCheck(id: string, next: TimeInput): Promise<StoredConcern> {
    const current = await this.require(id);
    const now = this.clock.now();
    return this.transition(current, 'active', {
      lastCheckedAt: now,
      nextCheckAt: toEpochMs(next, 'next'),
      followUpCount: current.followUpCount + 1,
    });
  }

  private async require(id: string): Promise<StoredConcern> {
    const concern = await this.store.get(this.mindId, id);
    if (!concern)
      throw new GenesisError('CONCERN_NOT_FOUND', `No concern ${JSON.stringify(id)} for Mind ${this.mindId}`);
    return concern;
  }

  private async transition(
    current: StoredConcern,
    to: ConcernStatus,
    patch: Parameters<ConcernStore['update']>[2],
  ): Promise<StoredConcern> {
    if (!TRANSITIONS[current.status].includes(to)) {
      throw new GenesisError(
        'INVALID_TRANSITION',
        `Concern ${current.id} is ${current.status}: it cannot become ${to}`,
      );
    }
    const updated = await this.store.update(this.mindId, current.id, { ...patch, status: to }, from(to));
    if (!updated) {
      const now = await this.store.get(this.mindId, current.id);
      throw new GenesisError(
        'INVALID_TRANSITION',
        `Concern ${current.id} changed meanwhile (now ${now?.status ?? 'deleted'}): it cannot become ${to}`,
      );
    }
    return updated;
  }
}
