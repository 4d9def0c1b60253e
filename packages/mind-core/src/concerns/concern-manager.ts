import type { Clock } from '../ports/clock';
import { CONCERN_STATUSES, CONCERN_TYPES, CONCERN_URGENCIES } from '../ports/concern-store';
import type { ConcernFilter, ConcernStatus, ConcernStore, ConcernType, ConcernUrgency } from '../ports/concern-store';
import type { ConcernFire, DuePosition, NewConcern, StoredConcern } from '../ports/concern-store';
import type { Page } from '../ports/page';
import { GenesisError, invalidInput } from '../shared/errors';
import { jsonObject, nonEmptyText, oneOf, parseEmail, parseLimit, toEpochMs, unitInterval } from '../shared/validation';
import type { TimeInput } from '../shared/validation';
import { parseTimezone } from '../schedules/cron';
import { DEFAULT_FOLLOW_UP_POLICY, firstCheckAt } from './follow-up-policy';
import type { FollowUpPolicyConfig } from './follow-up-policy';

export interface CreateConcernInput {
  type: ConcernType;
  description: string;
  /** When to check first. Default: the follow-up policy's first check for this type, urgency and time. */
  followUpAt?: TimeInput;
  userEmail?: string;
  /** 0..1, default 0.5 */
  severity?: number;
  urgency?: ConcernUrgency;
  memoryId?: string;
  expiresAt?: TimeInput;
  metadata?: Record<string, unknown>;
}

/** Which concerns to count (or list): all of the Mind's when empty. */
export interface ConcernFilterInput {
  status?: ConcernStatus | ConcernStatus[];
  userEmail?: string;
  /** next check before this time */
  dueBefore?: TimeInput;
  /** next check at or after this time */
  dueAfter?: TimeInput;
}

/** The follow-up policy and the Mind's time zone, for concerns created without a `followUpAt`. */
export interface ConcernFollowUpOptions {
  policy?: FollowUpPolicyConfig;
  timezone?: string | null;
}

export interface ListConcernsInput extends ConcernFilterInput {
  limit: number;
  cursor?: string | null;
}

export interface DueConcernsInput {
  /** default: the clock's now */
  now?: TimeInput;
  /** the batch size: default 100, at most 1,000 */
  limit?: number;
  /** continue after this concern (the last of the previous batch): its nextCheckAt and id */
  after?: DuePosition | null;
}

/** At most this many concerns per `due` batch; `after` pages through the rest. */
export const MAX_DUE_LIMIT = 1000;
/** At most this many concerns per `createMany` call (one transaction). */
export const MAX_CREATE_MANY = 10_000;

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
    private readonly followUps: ConcernFollowUpOptions = {},
  ) {}

  async create(input: CreateConcernInput): Promise<StoredConcern> {
    return this.store.insert(this.newConcern(input));
  }

  /**
   * Creates every concern in one transaction: each input is checked first, and one invalid input
   * writes none (the error names it: `inputs[3].type …`). At most 10,000 per call.
   */
  async createMany(inputs: readonly CreateConcernInput[]): Promise<StoredConcern[]> {
    if (!Array.isArray(inputs)) throw invalidInput('inputs', 'must be an array of concerns');
    if (inputs.length > MAX_CREATE_MANY)
      throw invalidInput('inputs', `must hold at most ${MAX_CREATE_MANY} concerns per call, got ${inputs.length}`);
    const rows = inputs.map((input, i) => {
      try {
        return this.newConcern(input);
      } catch (error) {
        if (error instanceof GenesisError && error.code === 'INVALID_INPUT') {
          const field = `inputs[${i}]${error.field && error.field !== 'input' ? `.${error.field}` : ''}`;
          const detail =
            error.field && error.message.startsWith(error.field)
              ? error.message.slice(error.field.length + 1)
              : error.message;
          throw invalidInput(field, detail, error);
        }
        throw error;
      }
    });
    return rows.length === 0 ? [] : this.store.insertMany(rows);
  }

  private newConcern(input: CreateConcernInput): NewConcern {
    if (input === null || typeof input !== 'object') throw invalidInput('input', 'must be an object');
    const concernType = oneOf(input.type, CONCERN_TYPES, 'type');
    const description = nonEmptyText(input.description, 'description', 10_000);
    const severity = unitInterval(input.severity ?? 0.5, 'severity');
    const urgency = oneOf(input.urgency ?? 'normal', CONCERN_URGENCIES, 'urgency');
    const metadata = input.metadata === undefined ? {} : jsonObject(input.metadata, 'metadata');
    return {
      mindId: this.mindId,
      concernType,
      description,
      nextCheckAt:
        input.followUpAt !== undefined
          ? toEpochMs(input.followUpAt, 'followUpAt')
          : this.firstCheck(concernType, urgency, severity, metadata),
      userEmail: input.userEmail === undefined ? null : parseEmail(input.userEmail),
      severity,
      urgency,
      memoryId: input.memoryId === undefined ? null : nonEmptyText(input.memoryId, 'memoryId', 200),
      expiresAt: input.expiresAt === undefined ? null : toEpochMs(input.expiresAt, 'expiresAt'),
      metadata,
    };
  }

  /** The policy's first check (the user's zone from metadata.timezone, else the Mind's). */
  private firstCheck(
    concernType: ConcernType,
    urgency: ConcernUrgency,
    severity: number,
    metadata: Record<string, unknown>,
  ): number {
    const zone = metadata.timezone;
    return firstCheckAt(
      { concernType, urgency, severity, metadata },
      {
        now: this.clock.now(),
        userTimeZone: typeof zone === 'string' && zone !== '' ? parseTimezone(zone, 'metadata.timezone') : null,
        mindTimeZone: this.followUps.timezone ?? null,
      },
      this.followUps.policy ?? DEFAULT_FOLLOW_UP_POLICY,
    ).at;
  }

  async get(id: string): Promise<StoredConcern | null> {
    return this.store.get(this.mindId, id);
  }

  /** Soonest follow-up first, keyset-paginated. */
  async list(input: ListConcernsInput): Promise<Page<StoredConcern>> {
    return this.store.list({
      ...this.filter(input),
      limit: parseLimit(input.limit),
      cursor: input.cursor ?? null,
    });
  }

  /** How many of the Mind's concerns match (one SQL COUNT; no paging). */
  async count(filter: ConcernFilterInput = {}): Promise<number> {
    return this.store.count(this.filter(filter));
  }

  /**
   * One batch of the active concerns whose next check has come, soonest first (then by id): at most
   * `limit` (default 100, at most 1,000); pass the last one's `{ nextCheckAt, id }` as `after` for
   * the next batch, until a batch comes back shorter than `limit`. First, in two set-based
   * statements, snoozed concerns whose snooze ended become active and those past their expiry
   * become expired (and are not returned).
   */
  async due(input: DueConcernsInput = {}): Promise<StoredConcern[]> {
    if (input === null || typeof input !== 'object' || input instanceof Date)
      throw invalidInput('input', 'must be { now?, limit?, after? }');
    const at = input.now === undefined ? this.clock.now() : toEpochMs(input.now, 'now');
    const limit = parseLimit(input.limit ?? 100, 'limit', MAX_DUE_LIMIT);
    await this.store.expire(this.mindId, at);
    await this.store.wake(this.mindId, at);
    return this.store.due(this.mindId, at, limit, input.after ?? null);
  }

  /** The checks of these concerns that fired (follow-ups sent), oldest first. */
  async fires(ids: string | readonly string[]): Promise<ConcernFire[]> {
    const list = typeof ids === 'string' ? [ids] : ids;
    if (!Array.isArray(list)) throw invalidInput('ids', 'must be a concern id or a list of them');
    return list.length === 0 ? [] : this.store.fires(this.mindId, list);
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

  private filter(input: ConcernFilterInput): ConcernFilter {
    if (input === null || typeof input !== 'object') throw invalidInput('filter', 'must be an object');
    const statuses =
      input.status === undefined
        ? undefined
        : (Array.isArray(input.status) ? input.status : [input.status]).map((s) =>
            oneOf(s, CONCERN_STATUSES, 'status'),
          );
    if (statuses?.length === 0) throw invalidInput('status', 'must name at least one status when given as a list');
    return {
      mindId: this.mindId,
      ...(statuses ? { status: statuses.length === 1 ? statuses[0]! : statuses } : {}),
      ...(input.userEmail !== undefined ? { userEmail: parseEmail(input.userEmail) } : {}),
      ...(input.dueBefore !== undefined ? { dueBefore: toEpochMs(input.dueBefore, 'dueBefore') } : {}),
      ...(input.dueAfter !== undefined ? { dueAfter: toEpochMs(input.dueAfter, 'dueAfter') } : {}),
    };
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
