import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The index of claims with per-Mind limits: each held Mind's pending tasks in claim order (highest
 * priority, then oldest run time, then id), read in index order and stopped at that Mind's free
 * slots, instead of sorting every due task of the Mind on each claim. Partial (pending tasks only):
 * a claim removes a task from it, and nothing else a task goes through (running, succeeded, …)
 * writes to it.
 *
 * Reversible: `down()` drops the index (claims then sort each Mind's due tasks; nothing is lost).
 */
export class TaskClaimIndex1764400000000 implements MigrationInterface {
  name = 'TaskClaimIndex1764400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE INDEX "idx_tasks_mind_pending" ON "background_tasks" ("mind_id", "priority" DESC, "run_at", "id") ' +
        `WHERE "status" = 'pending'`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX "idx_tasks_mind_pending"');
  }
}
