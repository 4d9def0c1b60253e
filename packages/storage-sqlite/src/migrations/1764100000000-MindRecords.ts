import type { MigrationInterface, QueryRunner } from 'typeorm';
import { id, mindId, ms, str, text } from './columns';
import { ensureTable } from './schema-reconcile';

/**
 * mind_records: append-only per-Mind records moved out of old single-file Minds (dreams, thoughts,
 * plugin histories). Irreversible: `down()` refuses, because it would delete those records.
 */
export class MindRecords1764100000000 implements MigrationInterface {
  name = 'MindRecords1764100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await ensureTable(
      queryRunner,
      {
        name: 'mind_records',
        columns: [
          id,
          mindId,
          str('namespace', 100, false, "'unknown'"),
          str('kind', 100, false, "'unknown'"),
          text('data'),
          ms('created_at', false, ['timestamp']),
          str('source_key', 200, true),
        ],
        indices: [
          { name: 'idx_records_mind_ns_created', columnNames: ['mind_id', 'namespace', 'created_at', 'id'] },
          { name: 'uq_records_mind_source_key', columnNames: ['mind_id', 'source_key'], isUnique: true },
        ],
      },
      Date.now(),
    );
  }

  async down(): Promise<void> {
    throw new Error(
      'MindRecords1764100000000 is irreversible: reverting it would delete every imported dream, thought and plugin history.',
    );
  }
}
