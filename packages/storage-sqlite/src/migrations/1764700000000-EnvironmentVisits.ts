import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * How many times a Mind visited each environment: `environments.visit_count`, an integer that
 * starts at 0 (existing rows included). A plain `ADD COLUMN` on both SQLite and PostgreSQL (no table
 * rebuild); a column already there (a re-run, or a table adopted from an older tool) is kept.
 *
 * Reversible: `down()` drops the column. Only the visit counts are lost; the environments and their
 * last activity stay.
 */
export class EnvironmentVisits1764700000000 implements MigrationInterface {
  name = 'EnvironmentVisits1764700000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    if (await queryRunner.hasColumn('environments', 'visit_count')) return;
    await queryRunner.query('ALTER TABLE "environments" ADD COLUMN "visit_count" integer NOT NULL DEFAULT 0');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "environments" DROP COLUMN "visit_count"');
  }
}
