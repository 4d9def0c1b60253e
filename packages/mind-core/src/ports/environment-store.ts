import type { AppendResult } from './message-store';
import type { EpochMs } from './page';

export const ENVIRONMENT_KINDS = ['cli', 'chat', 'email', 'web', 'api', 'voice', 'game', 'other'] as const;
export type EnvironmentKind = (typeof ENVIRONMENT_KINDS)[number];

/** Where a mind lives and talks: a channel, an app, a world. Unique by (mindId, name). */
export interface EnvironmentRecord {
  id: string;
  mindId: string;
  name: string;
  kind: EnvironmentKind;
  description: string | null;
  isPrimary: boolean;
  metadata: Record<string, unknown>;
  createdAt: EpochMs;
  updatedAt: EpochMs;
  lastActiveAt: EpochMs | null;
  /** How many times the Mind visited it (`recordVisit`); messages mark it active without counting. */
  visitCount: number;
}

export interface EnvironmentInput {
  mindId: string;
  name: string;
  kind: EnvironmentKind;
  description?: string | null;
  isPrimary?: boolean;
  metadata?: Record<string, unknown>;
}

export interface EnvironmentStore {
  /** Creates the environment, or updates the one with the same name (id and createdAt kept). */
  upsert(env: EnvironmentInput): Promise<EnvironmentRecord>;
  get(mindId: string, id: string): Promise<EnvironmentRecord | null>;
  findByName(mindId: string, name: string): Promise<EnvironmentRecord | null>;
  /** Most recently active first. */
  list(mindId: string): Promise<EnvironmentRecord[]>;
  /** Sets lastActiveAt (and updatedAt) to `at`; false when there is no such environment. */
  markActive(mindId: string, id: string, at: EpochMs): Promise<boolean>;
  /** A visit: marks it active at `at` (as markActive) and adds one to visitCount; null when there is none. */
  recordVisit(mindId: string, id: string, at: EpochMs): Promise<EnvironmentRecord | null>;
  remove(mindId: string, id: string): Promise<boolean>;
  /**
   * Imports whole rows (ids, visits and times kept) in one transaction; a row already there (by id,
   * or by mind and name) is skipped and left as it is.
   */
  importMany(rows: readonly EnvironmentRecord[]): Promise<AppendResult>;
}
