import type { EpochMs } from './page';

/**
 * An API token of the daemon's HTTP API, as stored: never the token itself, only the SHA-256 of it
 * (hex). A token reaches one Mind (`mindId`) or, with `mindId` null, every Mind (admin).
 */
export interface StoredApiToken {
  id: string;
  /** The Mind it reaches; null: an admin token (every Mind). */
  mindId: string | null;
  name: string;
  /** SHA-256 of the token, lower-case hex (64 characters). */
  tokenHash: string;
  createdAt: EpochMs;
  lastUsedAt: EpochMs | null;
  revokedAt: EpochMs | null;
}

export interface NewApiToken {
  mindId: string | null;
  name: string;
  tokenHash: string;
}

export interface ApiTokenStore {
  /** Stores a new token (its hash); the id and createdAt are set here. */
  insert(token: NewApiToken): Promise<StoredApiToken>;
  /** The token with this hash, revoked or not (null when there is none). */
  findByHash(tokenHash: string): Promise<StoredApiToken | null>;
  get(id: string): Promise<StoredApiToken | null>;
  /** Every token (revoked ones too), oldest first. */
  list(query?: { mindId?: string }): Promise<StoredApiToken[]>;
  /** Marks it revoked (once): false when there is no such token or it was revoked already. */
  revoke(id: string, at: EpochMs): Promise<boolean>;
  /** Records a use (best effort: callers may throttle it). */
  touch(id: string, at: EpochMs): Promise<void>;
}
