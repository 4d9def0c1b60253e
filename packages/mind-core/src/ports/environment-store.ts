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
  markActive(mindId: string, id: string, at: EpochMs): Promise<boolean>;
  remove(mindId: string, id: string): Promise<boolean>;
}
