import { inject, injectable } from 'tsyringe';
import { CLOCK, invalidInput, nonEmptyText } from '@genesis/mind-core';
import type { ApiTokenStore, Clock, EpochMs, NewApiToken, StoredApiToken } from '@genesis/mind-core';
import type { SqlExecutor } from '../sql-database';
import { SQL_EXECUTOR } from '../tokens';
import { newId, num, numOrNull, rowCodec, strOrNull, text } from './values';
import type { Row } from './values';

const { columns: COLUMNS, read: toToken } = rowCodec<StoredApiToken>({
  id: text,
  mindId: strOrNull,
  name: text,
  tokenHash: text,
  createdAt: num,
  lastUsedAt: numOrNull,
  revokedAt: numOrNull,
});

const HASH = /^[0-9a-f]{64}$/;

/** api_tokens: the HTTP API's tokens, by the SHA-256 of the token (never the token). */
@injectable()
export class ApiTokenRepository implements ApiTokenStore {
  constructor(
    @inject(SQL_EXECUTOR) private readonly db: SqlExecutor,
    @inject(CLOCK) private readonly clock: Clock,
  ) {}

  async insert(input: NewApiToken): Promise<StoredApiToken> {
    if (!HASH.test(input.tokenHash)) throw invalidInput('tokenHash', 'must be a SHA-256 in lower-case hex');
    const token: StoredApiToken = {
      id: newId(),
      mindId: input.mindId === null ? null : nonEmptyText(input.mindId, 'mindId', 64),
      name: nonEmptyText(input.name, 'name', 100),
      tokenHash: input.tokenHash,
      createdAt: this.clock.now(),
      lastUsedAt: null,
      revokedAt: null,
    };
    await this.db.write((tx) =>
      tx.run(`INSERT INTO api_tokens (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)`, [
        token.id,
        token.mindId,
        token.name,
        token.tokenHash,
        token.createdAt,
        null,
        null,
      ]),
    );
    return token;
  }

  async findByHash(tokenHash: string): Promise<StoredApiToken | null> {
    const [row] = await this.db.all<Row>(`SELECT ${COLUMNS} FROM api_tokens WHERE token_hash = ?`, [tokenHash]);
    return row ? toToken(row) : null;
  }

  async get(id: string): Promise<StoredApiToken | null> {
    const [row] = await this.db.all<Row>(`SELECT ${COLUMNS} FROM api_tokens WHERE id = ?`, [id]);
    return row ? toToken(row) : null;
  }

  async list(query: { mindId?: string } = {}): Promise<StoredApiToken[]> {
    const rows =
      query.mindId === undefined
        ? await this.db.all<Row>(`SELECT ${COLUMNS} FROM api_tokens ORDER BY created_at, id`)
        : await this.db.all<Row>(`SELECT ${COLUMNS} FROM api_tokens WHERE mind_id = ? ORDER BY created_at, id`, [
            query.mindId,
          ]);
    return rows.map(toToken);
  }

  async revoke(id: string, at: EpochMs): Promise<boolean> {
    const changed = await this.db.write((tx) =>
      tx.run('UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL', [at, id]),
    );
    return changed > 0;
  }

  async touch(id: string, at: EpochMs): Promise<void> {
    await this.db.write((tx) => tx.run('UPDATE api_tokens SET last_used_at = ? WHERE id = ?', [at, id]));
  }
}
