import type { MigrationInterface, QueryRunner } from 'typeorm';
import { ms } from './columns';
import { ensureTable } from './schema-reconcile';

/**
 * `memory_aliases`: the ids of memories merged into a near-duplicate of theirs. A single memory's add
 * returns before its near-duplicate check (which runs as it is written to the vector store); when it
 * turns out to repeat a stored memory, that memory is strengthened, the new one's row goes and its
 * id is kept here, naming the memory it was merged into, so the id the add returned still finds it.
 * Primary key (mind_id, id); an index on (mind_id, target_id) for removing a memory's aliases with it.
 *
 * Idempotent: a table there already is brought to this shape and keeps its rows.
 * `down()` drops the table (the merged memories are gone either way; only their old ids stop resolving).
 */
export class MemoryAliases1765100000000 implements MigrationInterface {
  name = 'MemoryAliases1765100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await ensureTable(
      queryRunner,
      {
        name: 'memory_aliases',
        columns: [
          { name: 'mind_id', type: 'varchar', length: '64', isPrimary: true },
          { name: 'id', type: 'varchar', length: '256', isPrimary: true },
          { name: 'target_id', type: 'varchar', length: '256', fill: "''" },
          ms('created_at'),
        ],
        indices: [{ name: 'idx_memory_aliases_target', columnNames: ['mind_id', 'target_id'] }],
      },
      Date.now(),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE memory_aliases');
  }
}
