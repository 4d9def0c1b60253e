import type { MigrationInterface, QueryRunner } from 'typeorm';
import { ms } from './columns';
import { ensureTable } from './schema-reconcile';

/**
 * `memory_outbox`: the write-behind queue of the memory tier. A new memory's row in memory_catalog
 * and its vector here commit in one transaction; the vector leaves once the vector store has it.
 * Primary key (mind_id, id); `payload` is JSON (document, metadata, embedding as base64 float32s).
 *
 * Idempotent: a table there already is brought to this shape and keeps its rows.
 * `down()` drops the table only when it is empty: a queued vector is a memory's only vector.
 */
export class MemoryOutbox1765000000000 implements MigrationInterface {
  name = 'MemoryOutbox1765000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await ensureTable(
      queryRunner,
      {
        name: 'memory_outbox',
        columns: [
          { name: 'mind_id', type: 'varchar', length: '64', isPrimary: true },
          { name: 'id', type: 'varchar', length: '256', isPrimary: true },
          { name: 'payload', type: 'text', fill: "'{}'" },
          ms('queued_at'),
        ],
        indices: [],
      },
      Date.now(),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const [row] = (await queryRunner.query('SELECT COUNT(*) AS n FROM memory_outbox')) as Array<{ n: unknown }>;
    if (Number(row?.n ?? 0) > 0)
      throw new Error(
        'MemoryOutbox1765000000000 cannot be reverted while memory_outbox holds vectors: start Genesis once so they reach the vector store.',
      );
    await queryRunner.query('DROP TABLE memory_outbox');
  }
}
