import type { AppendResult } from './message-store';
import type { EpochMs, Page } from './page';

export const RELATIONSHIP_TYPES = ['creator', 'owner', 'family', 'friend', 'colleague', 'user', 'other'] as const;
export type RelationshipType = (typeof RELATIONSHIP_TYPES)[number];

/** Whom a mind knows. Unique by (mindId, userEmail). */
export interface RelationshipRecord {
  id: string;
  mindId: string;
  userEmail: string;
  displayName: string | null;
  relationshipType: RelationshipType;
  /** 0..1 */
  trustLevel: number;
  interactionCount: number;
  firstInteractionAt: EpochMs | null;
  lastInteractionAt: EpochMs | null;
  notes: string | null;
  metadata: Record<string, unknown>;
  createdAt: EpochMs;
  updatedAt: EpochMs;
}

export interface RelationshipInput {
  mindId: string;
  userEmail: string;
  displayName?: string | null;
  relationshipType?: RelationshipType;
  trustLevel?: number;
  notes?: string | null;
  metadata?: Record<string, unknown>;
}

export interface RelationshipStore {
  upsert(rel: RelationshipInput): Promise<RelationshipRecord>;
  get(mindId: string, userEmail: string): Promise<RelationshipRecord | null>;
  /**
   * Adds `count` interactions (default 1, a positive integer) that happened up to `at`: increments
   * interactionCount by `count`, moves firstInteractionAt back and lastInteractionAt forward to `at`
   * when it is earlier / later (creates the row, as a `user` with trust 0.5, if new).
   */
  recordInteraction(mindId: string, userEmail: string, at: EpochMs, count?: number): Promise<RelationshipRecord>;
  /** Most recent interaction first (never-interacted last). */
  list(query: { mindId: string; limit: number; cursor?: string | null }): Promise<Page<RelationshipRecord>>;
  remove(mindId: string, userEmail: string): Promise<boolean>;
  /**
   * Imports whole rows (ids, counts and times kept) in one transaction; a row already there (by id,
   * or by mind and email) is skipped and left as it is.
   */
  importMany(rows: readonly RelationshipRecord[]): Promise<AppendResult>;
}
