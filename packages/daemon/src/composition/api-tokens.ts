import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { GenesisError, nonEmptyText, parseGmid } from '@genesis/mind-core';
import type { ApiTokenStore, Clock, StoredApiToken } from '@genesis/mind-core';

/** A token of the HTTP API as shown to people: never the token, never its hash. */
export interface ApiTokenInfo {
  id: string;
  /** The one Mind it reaches; null: an admin token (every Mind). */
  mindId: string | null;
  name: string;
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

/** Tokens start with this, so a leaked one is recognisable (e.g. by secret scanners). */
export const API_TOKEN_PREFIX = 'gns_';

const tokenDigest = (token: string): Buffer => createHash('sha256').update(token, 'utf8').digest();

/** SHA-256 of a token, lower-case hex: what is stored and compared. */
export function hashApiToken(token: string): string {
  return tokenDigest(token).toString('hex');
}

/** A new random token: the prefix and 32 random bytes (base64url). */
export function newApiToken(): string {
  return `${API_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
}

const info = ({ tokenHash: _hash, ...rest }: StoredApiToken): ApiTokenInfo => rest;

/** How often a token's `lastUsedAt` is written at most (per token). */
const TOUCH_EVERY_MS = 60_000;

/**
 * The HTTP API's tokens (`genesis token create|list|revoke`, `genesis.apiTokens`): each created
 * token is shown once and stored only as its SHA-256. A token reaches one Mind, or every Mind.
 */
export class ApiTokens {
  private readonly touched = new Map<string, number>();

  constructor(
    private readonly store: ApiTokenStore,
    private readonly clock: Clock,
  ) {}

  /** Makes a token for one Mind (or, with `mindId: null`, an admin token): `token` is shown once. */
  async create(input: { mindId: string | null; name?: string }): Promise<{ token: string; info: ApiTokenInfo }> {
    const mindId = input.mindId === null ? null : parseGmid(input.mindId, 'gmid');
    const name = nonEmptyText(input.name ?? (mindId ? `token for ${mindId}` : 'admin token'), 'name', 100);
    const token = newApiToken();
    const stored = await this.store.insert({ mindId, name, tokenHash: hashApiToken(token) });
    return { token, info: info(stored) };
  }

  async list(filter: { mindId?: string } = {}): Promise<ApiTokenInfo[]> {
    const mindId = filter.mindId === undefined ? undefined : parseGmid(filter.mindId, 'gmid');
    return (await this.store.list(mindId === undefined ? {} : { mindId })).map(info);
  }

  /** Revokes a token by id: API_TOKEN_NOT_FOUND when there is none; revoking twice keeps the first time. */
  async revoke(id: string): Promise<ApiTokenInfo> {
    const key = nonEmptyText(id, 'id', 36);
    const current = await this.store.get(key);
    if (!current)
      throw new GenesisError('API_TOKEN_NOT_FOUND', `No API token ${JSON.stringify(key)}: see genesis token list`, {
        field: 'id',
      });
    if (current.revokedAt === null) await this.store.revoke(key, this.clock.now());
    return info((await this.store.get(key)) ?? current);
  }

  /**
   * The live token a presented secret is, or null (unknown or revoked). Looked up by its hash; the
   * stored hash is compared again in constant time. Records its use (at most once a minute).
   */
  async verify(token: string): Promise<ApiTokenInfo | null> {
    if (typeof token !== 'string' || token.length === 0 || token.length > 512) return null;
    const hash = hashApiToken(token);
    const found = await this.store.findByHash(hash);
    if (!found || found.revokedAt !== null) return null;
    if (!timingSafeEqual(Buffer.from(found.tokenHash, 'hex'), Buffer.from(hash, 'hex'))) return null;
    const now = this.clock.now();
    if (now - (this.touched.get(found.id) ?? 0) >= TOUCH_EVERY_MS) {
      this.touched.set(found.id, now);
      await this.store.touch(found.id, now);
    }
    return info(found);
  }
}
