import type { MigrationInterface, QueryRunner } from 'typeorm';
import { id, int, mindId, ms, str, text } from './columns';
import { ensureTable, type TableSpec } from './schema-reconcile';

/**
 * The first schema: minds, environments, relationships, conversation_messages, concerns and
 * background_tasks, with the indexes their queries use. Tables of these names left by an older
 * tool are brought to this shape instead of failing with "table already exists".
 *
 * Irreversible: `down()` refuses, because dropping these tables would delete every Mind's history.
 */
export class InitialSchema1764000000000 implements MigrationInterface {
  name = 'InitialSchema1764000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const pg = queryRunner.connection.driver.options.type === 'postgres';
    const falseDefault = pg ? 'false' : '0';
    const bool = (name: string) => ({ name, type: 'boolean', default: falseDefault, fill: falseDefault });
    const now = Date.now();
    const tables: TableSpec[] = [
      {
        name: 'minds',
        columns: [
          { name: 'gmid', type: 'varchar', length: '64', isPrimary: true },
          str('name', 200, false),
          { name: 'json_path', type: 'text', fill: "''" },
          str('status', 16, false, "'active'"),
          ms('created_at'),
          ms('updated_at'),
          ms('last_seen_at', true),
        ],
        indices: [
          { name: 'idx_minds_created', columnNames: ['created_at', 'gmid'] },
          { name: 'idx_minds_status_created', columnNames: ['status', 'created_at', 'gmid'] },
        ],
      },
      {
        name: 'environments',
        columns: [
          id,
          mindId,
          str('name', 200, false),
          str('kind', 16, false, "'other'"),
          text('description'),
          bool('is_primary'),
          text('metadata'),
          ms('created_at'),
          ms('updated_at'),
          ms('last_active_at', true),
        ],
        indices: [
          { name: 'uq_environments_mind_name', columnNames: ['mind_id', 'name'], isUnique: true },
          { name: 'idx_environments_mind_active', columnNames: ['mind_id', 'last_active_at'] },
        ],
      },
      {
        name: 'relationships',
        columns: [
          id,
          mindId,
          str('user_email', 320, false),
          str('display_name', 200, true),
          str('relationship_type', 16, false, "'user'"),
          { name: 'trust_level', type: 'real', fill: '0.5' },
          int('interaction_count'),
          ms('first_interaction_at', true),
          ms('last_interaction_at', true),
          text('notes'),
          text('metadata'),
          ms('created_at'),
          ms('updated_at'),
        ],
        indices: [
          { name: 'uq_relationships_mind_user', columnNames: ['mind_id', 'user_email'], isUnique: true },
          { name: 'idx_relationships_mind_last', columnNames: ['mind_id', 'last_interaction_at', 'id'] },
        ],
      },
      {
        name: 'conversation_messages',
        columns: [
          id,
          mindId,
          str('role', 16, false, "'user'"),
          { name: 'content', type: 'text', fill: "''" },
          str('user_email', 320, true),
          str('environment_id', 64, true),
          text('metadata'),
          ms('created_at', false, ['timestamp', 'created', 'time']),
          bool('archived'),
          str('source_key', 200, true),
        ],
        indices: [
          { name: 'idx_messages_mind_created', columnNames: ['mind_id', 'archived', 'created_at', 'id'] },
          {
            name: 'idx_messages_mind_user_created',
            columnNames: ['mind_id', 'archived', 'user_email', 'created_at', 'id'],
          },
          { name: 'uq_messages_mind_source_key', columnNames: ['mind_id', 'source_key'], isUnique: true },
        ],
      },
      {
        name: 'concerns',
        columns: [
          id,
          mindId,
          str('user_email', 320, true),
          str('concern_type', 16, false, "'personal'"),
          { name: 'description', type: 'text', fill: "''" },
          { name: 'severity', type: 'real', fill: '0.5' },
          str('urgency', 16, false, "'normal'"),
          str('status', 16, false, "'active'"),
          ms('next_check_at', false, ['follow_up_at', 'next_check', 'created_at']),
          int('follow_up_count'),
          ms('last_checked_at', true),
          ms('resolved_at', true),
          ms('expires_at', true),
          str('memory_id', 64, true),
          text('metadata'),
          ms('created_at', false, ['timestamp', 'created']),
          ms('updated_at', false, ['created_at']),
        ],
        indices: [
          { name: 'idx_concerns_mind_status_next', columnNames: ['mind_id', 'status', 'next_check_at', 'id'] },
          { name: 'idx_concerns_mind_user_next', columnNames: ['mind_id', 'user_email', 'next_check_at', 'id'] },
          { name: 'idx_concerns_mind_next', columnNames: ['mind_id', 'next_check_at', 'id'] },
        ],
      },
      {
        name: 'background_tasks',
        columns: [
          id,
          mindId,
          str('type', 100, false, "'unknown'"),
          text('payload'),
          str('status', 16, false, "'pending'"),
          int('priority'),
          ms('run_at', false, ['scheduled_at', 'created_at']),
          int('attempts'),
          { name: 'max_attempts', type: 'integer', fill: '5' },
          str('lease_owner', 200, true),
          ms('lease_expires_at', true),
          text('last_error'),
          text('result'),
          str('idempotency_key', 200, true),
          ms('created_at'),
          ms('updated_at', false, ['created_at']),
          ms('finished_at', true),
        ],
        indices: [
          { name: 'idx_tasks_status_run', columnNames: ['status', 'run_at', 'id'] },
          { name: 'idx_tasks_status_priority_run', columnNames: ['status', 'priority', 'run_at'] },
          { name: 'idx_tasks_mind_status_run', columnNames: ['mind_id', 'status', 'run_at', 'id'] },
          { name: 'uq_tasks_mind_idempotency_key', columnNames: ['mind_id', 'idempotency_key'], isUnique: true },
        ],
      },
    ];
    for (const table of tables) await ensureTable(queryRunner, table, now);
  }

  async down(): Promise<void> {
    throw new Error(
      'InitialSchema1764000000000 is irreversible: reverting it would drop every table of Genesis and all history in them.',
    );
  }
}
