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

/** The statuses a concern must be in for an update to apply (empty or absent: any). */
export type StatusGuard = readonly ConcernStatus[];

export interface ConcernStore {
  insert(concern: NewConcern): Promise<StoredConcern>;
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
  /** Active concerns of a mind whose next check is at or before `now`, soonest first. */
  due(mindId: string, now: EpochMs, limit: number): Promise<StoredConcern[]>;
  /** Marks active or snoozed concerns whose expiresAt has passed as expired; returns how many. */
  expire(mindId: string, now: EpochMs): Promise<number>;
}
