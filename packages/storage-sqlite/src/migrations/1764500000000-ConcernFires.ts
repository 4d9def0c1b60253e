import type { MigrationInterface, QueryRunner } from 'typeorm';
import { mindId, ms, str } from './columns';
import { ensureTable, type TableSpec } from './schema-reconcile';

/** Expiring concerns: one Mind's active or snoozed concerns by expiry time (a range scan, set-based). */
const EXPIRES_INDEX = 'idx_concerns_mind_status_expires';

/**
 * Concern follow-ups that fire once:
 * - `concern_fires`: one row per fired (concern, check time). The primary key (concern_id, check_at)
 *   is what makes a check fire at most once, also across daemons and restarts; the index
 *   (mind_id, user_email, fired_at) counts one user's recent fires (the hourly rate limit), and
 *   (mind_id, fired_at) finds a Mind's old fires for retention.
 * - `concerns` gets the index of the set-based expiry (mind_id, status, expires_at).
 *
 * Idempotent: a table left by an older tool is adopted, an index there already is kept.
 * Reversible: `down()` drops the index and the table. The fire records are history of what was
 * sent, not of what users said; losing them can at worst let a check that already fired fire again.
 */
export class ConcernFires1764500000000 implements MigrationInterface {
  name = 'ConcernFires1764500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const table: TableSpec = {
      name: 'concern_fires',
      columns: [
        { name: 'concern_id', type: 'varchar', length: '36', isPrimary: true },
        { name: 'check_at', type: 'bigint', isPrimary: true },
        mindId,
        str('user_email', 320, true),
        ms('fired_at'),
        str('task_id', 36, true),
      ],
      indices: [
        { name: 'idx_concern_fires_mind_user_fired', columnNames: ['mind_id', 'user_email', 'fired_at'] },
        // Retention: one Mind's fires older than a time.
        { name: 'idx_concern_fires_mind_fired', columnNames: ['mind_id', 'fired_at'] },
      ],
    };
    await ensureTable(queryRunner, table, Date.now());
    await queryRunner.query(
      `CREATE INDEX IF NOT EXISTS "${EXPIRES_INDEX}" ON "concerns" ("mind_id", "status", "expires_at")`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX IF EXISTS "${EXPIRES_INDEX}"`);
    await queryRunner.dropTable('concern_fires', true);
  }
}
