import type { MigrationInterface, QueryRunner } from 'typeorm';
import { id, ms, str } from './columns';
import { ensureTable, type TableSpec } from './schema-reconcile';

/**
 * `api_tokens`: the tokens of the daemon's HTTP API. Only the SHA-256 of a token is stored
 * (`token_hash`, unique); `mind_id` is the one Mind it reaches, or NULL for an admin token.
 * `last_used_at` and `revoked_at` say how it is used; a revoked token stays as a record.
 *
 * Reversible: `down()` drops the table. Losing it loses no Mind's data, only the issued tokens
 * (which then stop working and must be created again).
 */
export class ApiTokens1764800000000 implements MigrationInterface {
  name = 'ApiTokens1764800000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const table: TableSpec = {
      name: 'api_tokens',
      columns: [
        id,
        str('mind_id', 64, true),
        str('name', 100, false),
        str('token_hash', 64, false),
        ms('created_at'),
        ms('last_used_at', true),
        ms('revoked_at', true),
      ],
      indices: [
        { name: 'idx_api_tokens_hash', columnNames: ['token_hash'], isUnique: true },
        { name: 'idx_api_tokens_mind', columnNames: ['mind_id'] },
      ],
    };
    await ensureTable(queryRunner, table, Date.now());
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('api_tokens', true);
  }
}
