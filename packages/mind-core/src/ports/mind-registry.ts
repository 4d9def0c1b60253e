import type { EpochMs, Page } from './page';

export const MIND_STATUSES = ['active', 'sleeping', 'archived'] as const;
export type MindStatus = (typeof MIND_STATUSES)[number];

export interface RegisteredMind {
  gmid: string;
  name: string;
  jsonPath: string;
  status: MindStatus;
  createdAt: EpochMs;
  updatedAt: EpochMs;
  lastSeenAt: EpochMs | null;
}

export interface MindRegistry {
  /** Inserts or updates the registry row of a mind (createdAt is kept on update). */
  upsert(
    mind: Omit<RegisteredMind, 'createdAt' | 'updatedAt' | 'lastSeenAt'> & { lastSeenAt?: EpochMs | null },
  ): Promise<RegisteredMind>;
  get(gmid: string): Promise<RegisteredMind | null>;
  /** Ordered by (createdAt, gmid) ascending. */
  list(query: { limit: number; cursor?: string | null; status?: MindStatus }): Promise<Page<RegisteredMind>>;
  touch(gmid: string, at: EpochMs): Promise<boolean>;
  /** Deletes the registry row and every SQL row owned by the mind, in one transaction. */
  remove(gmid: string): Promise<{ removed: boolean; rowsDeleted: number }>;
}
