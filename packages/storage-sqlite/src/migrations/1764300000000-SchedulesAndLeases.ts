import type { MigrationInterface, QueryRunner } from 'typeorm';
import { id, mindId, ms, str } from './columns';
import { ensureTable, type TableSpec } from './schema-reconcile';

const TABLES = ['schedules', 'schedule_fires', 'mind_leases'] as const;

/**
 * The runtime's tables:
 * - `schedules`: recurring schedules, unique per (mind_id, name). The daemon's own schedules have
 *   mind_id '' (NOT NULL, so that the unique index holds for them too: NULLs never collide);
 *   the repository maps '' to null.
 * - `schedule_fires`: one row per fired (schedule, slot), so that a slot fires at most once.
 * - `mind_leases`: which daemon drives each Mind, until when.
 *
 * Reversible: `down()` drops the three tables. What they hold is runtime state, not history: the
 * schedules are re-declared by the Minds and daemons that own them, the leases retaken at start.
 */
export class SchedulesAndLeases1764300000000 implements MigrationInterface {
  name = 'SchedulesAndLeases1764300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const pg = queryRunner.connection.driver.options.type === 'postgres';
    const tables: TableSpec[] = [
      {
        name: 'schedules',
        columns: [
          id,
          mindId,
          str('name', 100, false),
          str('cron', 200, false),
          str('timezone', 64, false, "'UTC'"),
          str('type', 100, false, "'unknown'"),
          { name: 'payload', type: 'text', fill: "'null'" },
          // A schedule adopted from an older tool stays off until it is upserted again.
          { name: 'enabled', type: 'boolean', fill: pg ? 'false' : '0' },
          ms('next_run_at'),
          { name: 'last_slot_at', type: 'bigint', isNullable: true },
          ms('created_at'),
          ms('updated_at'),
        ],
        indices: [
          { name: 'uq_schedules_mind_name', columnNames: ['mind_id', 'name'], isUnique: true },
          // The due query: enabled schedules by next run time.
          { name: 'idx_schedules_enabled_next', columnNames: ['enabled', 'next_run_at', 'id'] },
          // Listing one Mind's schedules by next run time.
          { name: 'idx_schedules_mind_next', columnNames: ['mind_id', 'next_run_at', 'id'] },
        ],
      },
      {
        name: 'schedule_fires',
        columns: [
          { name: 'schedule_id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'slot_at', type: 'bigint', isPrimary: true },
          ms('fired_at'),
        ],
        indices: [],
      },
      {
        name: 'mind_leases',
        columns: [
          { name: 'mind_id', type: 'varchar', length: '64', isPrimary: true },
          str('owner_id', 64, false),
          str('host', 255, false),
          { name: 'pid', type: 'integer', fill: '0' },
          // Adopted leases count as expired: the next daemon takes them.
          { name: 'acquired_at', type: 'bigint', fill: '0' },
          { name: 'expires_at', type: 'bigint', fill: '0' },
        ],
        indices: [],
      },
    ];
    const now = Date.now();
    for (const table of tables) await ensureTable(queryRunner, table, now);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of [...TABLES].reverse()) await queryRunner.dropTable(table, true);
  }
}
