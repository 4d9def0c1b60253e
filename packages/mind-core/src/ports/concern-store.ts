import type { AppendResult } from './message-store';
import type { EpochMs, Page } from './page';

export const CONCERN_TYPES = ['health', 'emotion', 'task', 'relationship', 'financial', 'personal'] as const;
export type ConcernType = (typeof CONCERN_TYPES)[number];
export const CONCERN_URGENCIES = ['critical', 'high', 'normal', 'low'] as const;
export type ConcernUrgency = (typeof CONCERN_URGENCIES)[number];
export const CONCERN_STATUSES = ['active', 'snoozed', 'resolved', 'dismissed', 'expired'] as const;
export type ConcernStatus = (typeof CONCERN_STATUSES)[number];

export interface StoredConcern {
  id: string;
  mindId: string;
  userEmail: string | null;
  concernType: ConcernType;
  description: string;
  /** 0..1 */
  severity: number;
  urgency: ConcernUrgency;
  status: ConcernStatus;
  nextCheckAt: EpochMs;
  followUpCount: number;
  lastCheckedAt: EpochMs | null;
  resolvedAt: EpochMs | null;
  expiresAt: EpochMs | null;
  memoryId: string | null;
  metadata: Record<string, unknown>;
  createdAt: EpochMs;
  updatedAt: EpochMs;
}

export interface NewConcern {
  mindId: string;
  concernType: ConcernType;
  description: string;
  nextCheckAt: EpochMs;
  userEmail?: string | null;
  severity?: number;
  urgency?: ConcernUrgency;
  status?: ConcernStatus;
  expiresAt?: EpochMs | null;
  memoryId?: string | null;
  metadata?: Record<string, unknown>;
}

export type ConcernPatch = Partial<
  Pick<
    StoredConcern,
    | 'description'
    | 'severity'
    | 'urgency'
    | 'status'
    | 'nextCheckAt'
    | 'followUpCount'
    | 'lastCheckedAt'
    | 'resolvedAt'
    | 'expiresAt'
    | 'memoryId'
    | 'metadata'
  >
>;

export interface ConcernFilter {
  mindId: string;
  status?: ConcernStatus | readonly ConcernStatus[];
  userEmail?: string;
  /** nextCheckAt < dueBefore */
  dueBefore?: EpochMs;
  /** nextCheckAt >= dueAfter */
  dueAfter?: EpochMs;
}

export interface ConcernQuery extends ConcernFilter {
  limit: number;
  cursor?: string | null;
}

/** A check of a concern that fired: one per (concernId, checkAt), whoever fired it. */
export interface ConcernFire {
  concernId: string;
  mindId: string;
  userEmail: string | null;
  /** the check time that fired (the concern's nextCheckAt when it fired) */
  checkAt: EpochMs;
  firedAt: EpochMs;
  /** the follow-up task enqueued for it, if any */
  taskId: string | null;
}

/** Where `due` continues: strictly after this (nextCheckAt, id). */
export interface DuePosition {
  nextCheckAt: EpochMs;
  id: string;
}

/** The statuses a concern must be in for an update to apply (empty or absent: any). */
export type StatusGuard = readonly ConcernStatus[];

export interface ConcernStore {
  insert(concern: NewConcern): Promise<StoredConcern>;
  /** All in one transaction; every concern validated before anything is written (one invalid: none written). */
  insertMany(concerns: readonly NewConcern[]): Promise<StoredConcern[]>;
  get(mindId: string, id: string): Promise<StoredConcern | null>;
  /** A concern by its id alone (ids are unique across minds). */
  findById(id: string): Promise<StoredConcern | null>;
  /**
   * Applies `patch` if the concern exists and (when given) its status is one of `onlyFrom`.
   * Returns the updated row, or null when nothing matched.
   */
  update(mindId: string, id: string, patch: ConcernPatch, onlyFrom?: StatusGuard): Promise<StoredConcern | null>;
  /** Ordered by (nextCheckAt, id) ascending. */
  list(query: ConcernQuery): Promise<Page<StoredConcern>>;
  count(filter: ConcernFilter): Promise<number>;
  /**
   * Active concerns of a mind whose next check is at or before `now`, ordered by (nextCheckAt, id)
   * ascending, at most `limit`; strictly after `after` when given (keyset paging through all of them).
   */
  due(mindId: string, now: EpochMs, limit: number, after?: DuePosition | null): Promise<StoredConcern[]>;
  /** Set-based: snoozed concerns of a mind whose nextCheckAt <= now become active; returns how many. */
  wake(mindId: string, now: EpochMs): Promise<number>;
  /** Set-based: active or snoozed concerns whose expiresAt <= now become expired; returns how many. */
  expire(mindId: string, now: EpochMs): Promise<number>;
  /**
   * Records that check `checkAt` of the concern fired. Unique per (concernId, checkAt): returns false
   * and writes nothing when that check was recorded already. Call it in the same unit of work as the
   * concern's update and the follow-up task.
   */
  recordFire(fire: ConcernFire): Promise<boolean>;
  /** The fires of these concerns (of one mind), oldest check first (then by concern id). */
  fires(mindId: string, concernIds: readonly string[]): Promise<ConcernFire[]>;
  /**
   * How many fires for (mind, user) happened at or after `since` (the per-user hourly rate limit).
   * userEmail null counts the fires of concerns with no user.
   */
  countFires(mindId: string, userEmail: string | null, since: EpochMs): Promise<number>;
  /**
   * Imports whole rows (an earlier Genesis, another home): ids, statuses, check counts and times
   * kept, in one transaction, every row checked before anything is written (see
   * `checkImportedConcern`). A row whose id is there already is skipped and left as it is, so
   * importing twice stores each concern once.
   */
  importMany(rows: readonly StoredConcern[]): Promise<AppendResult>;
}
