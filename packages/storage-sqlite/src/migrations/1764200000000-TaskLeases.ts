import type { MigrationInterface, QueryRunner } from 'typeorm';

const COLUMNS = [
  // A fresh random token per claim: every write of the running attempt must present it.
  ['lease_token', 'VARCHAR(36)'],
  // Past this run time an attempt is aborted; null: no limit.
  ['timeout_ms', 'BIGINT'],
  // The last progress the handler reported (JSON text).
  ['progress', 'TEXT'],
] as const;

const INDEXES = [
  // Claiming due pending tasks in claim order (highest priority, then oldest run time, then id),
  // read in index order and stopped at the batch size.
  ['idx_tasks_claim', '"status", "priority" DESC, "run_at", "id"'],
  // Claiming (or burying) running tasks whose lease expired.
  ['idx_tasks_status_lease', '"status", "lease_expires_at"'],
  // Listing a mind's tasks: all of them, and one type in one status.
  ['idx_tasks_mind_run', '"mind_id", "run_at", "id"'],
  ['idx_tasks_mind_type_status_run', '"mind_id", "type", "status", "run_at", "id"'],
] as const;

/**
 * Task leases with tokens: background_tasks gets `lease_token` (a fresh random token per claim, which
 * every write of the attempt must present), `timeout_ms` and `progress`, and the indexes of the
 * one-statement claim and of listing by type. The claim index replaces idx_tasks_status_priority_run.
 *
 * Reversible: `down()` drops the added indexes and columns (the tokens, timeouts and progress in
 * them) and restores the old claim index.
 */
export class TaskLeases1764200000000 implements MigrationInterface {
  name = 'TaskLeases1764200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const [column, type] of COLUMNS) {
      await queryRunner.query(`ALTER TABLE "background_tasks" ADD COLUMN "${column}" ${type} NULL`);
    }
    await queryRunner.query('DROP INDEX IF EXISTS "idx_tasks_status_priority_run"');
    for (const [index, columns] of INDEXES) {
      await queryRunner.query(`CREATE INDEX "${index}" ON "background_tasks" (${columns})`);
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const [index] of [...INDEXES].reverse()) await queryRunner.query(`DROP INDEX "${index}"`);
    await queryRunner.query(
      'CREATE INDEX "idx_tasks_status_priority_run" ON "background_tasks" ("status", "priority", "run_at")',
    );
    for (const [column] of [...COLUMNS].reverse()) {
      await queryRunner.query(`ALTER TABLE "background_tasks" DROP COLUMN "${column}"`);
    }
  }
}
