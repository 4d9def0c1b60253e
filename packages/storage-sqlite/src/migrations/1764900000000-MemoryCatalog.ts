import type { MigrationInterface, QueryRunner } from 'typeorm';
import { ms, str } from './columns';
import { ensureTable, type TableSpec } from './schema-reconcile';

const STORED = `"state" = 'stored'`;

/** The key of memory_catalog_counts for a row of memory_catalog (`NEW` or `OLD`). */
const countKey = (row: 'NEW' | 'OLD') =>
  `${row}.mind_id, ${row}.memory_type, COALESCE(${row}.user_email, ''), COALESCE(${row}.environment_id, '')`;
const COUNT_COLUMNS = 'mind_id, memory_type, user_email, environment_id';
const countMatches = (row: 'NEW' | 'OLD') =>
  `mind_id = ${row}.mind_id AND memory_type = ${row}.memory_type AND ` +
  `user_email = COALESCE(${row}.user_email, '') AND environment_id = COALESCE(${row}.environment_id, '')`;
const DECREMENT = (row: 'OLD') => `UPDATE memory_catalog_counts SET n = n - 1 WHERE ${countMatches(row)}`;
const INCREMENT_ON_CONFLICT = `ON CONFLICT (${COUNT_COLUMNS}) DO UPDATE SET n = memory_catalog_counts.n + 1`;
/** The columns whose change moves a stored memory from one count to another. */
const COUNTED = 'state, memory_type, user_email, environment_id';

/** SQLite: three triggers (UPSERT in a trigger needs SQLite 3.24; sqlite3 ships 3.44). */
const SQLITE_TRIGGERS = [
  `CREATE TRIGGER IF NOT EXISTS trg_memory_catalog_insert AFTER INSERT ON memory_catalog
   WHEN NEW.state = 'stored' BEGIN
     INSERT INTO memory_catalog_counts (${COUNT_COLUMNS}, n) VALUES (${countKey('NEW')}, 1) ${INCREMENT_ON_CONFLICT};
   END`,
  `CREATE TRIGGER IF NOT EXISTS trg_memory_catalog_delete AFTER DELETE ON memory_catalog
   WHEN OLD.state = 'stored' BEGIN
     ${DECREMENT('OLD')};
   END`,
  `CREATE TRIGGER IF NOT EXISTS trg_memory_catalog_update AFTER UPDATE OF ${COUNTED} ON memory_catalog
   WHEN OLD.state = 'stored' OR NEW.state = 'stored' BEGIN
     ${DECREMENT('OLD')} AND OLD.state = 'stored';
     INSERT INTO memory_catalog_counts (${COUNT_COLUMNS}, n) SELECT ${countKey('NEW')}, 1 WHERE NEW.state = 'stored'
       ${INCREMENT_ON_CONFLICT};
   END`,
];

/** PostgreSQL: one row trigger function for the three events. */
const POSTGRES_TRIGGERS = [
  `CREATE OR REPLACE FUNCTION memory_catalog_count() RETURNS trigger LANGUAGE plpgsql AS $fn$
   BEGIN
     IF TG_OP <> 'INSERT' THEN
       IF OLD.state = 'stored' THEN ${DECREMENT('OLD')}; END IF;
     END IF;
     IF TG_OP <> 'DELETE' THEN
       IF NEW.state = 'stored' THEN
         INSERT INTO memory_catalog_counts (${COUNT_COLUMNS}, n) VALUES (${countKey('NEW')}, 1) ${INCREMENT_ON_CONFLICT};
       END IF;
     END IF;
     RETURN NULL;
   END
   $fn$`,
  'DROP TRIGGER IF EXISTS trg_memory_catalog_count ON memory_catalog',
  `CREATE TRIGGER trg_memory_catalog_count AFTER INSERT OR DELETE OR UPDATE OF ${COUNTED} ON memory_catalog
   FOR EACH ROW EXECUTE FUNCTION memory_catalog_count()`,
];

/**
 * `memory_catalog`: the SQL side of the memory tier, one row per memory of a Mind with the fields
 * that are sorted, counted and changed on every search (the content and the embedding stay in the
 * vector store). Primary key (mind_id, id). `state` is pending | stored | deleting: only stored rows
 * are listed and counted, the others are writes in flight that repair settles.
 *
 * Indexes, so that each hot query is one index scan at a million rows: recent (mind_id, created_at,
 * id), important (mind_id, importance, created_at, id), by type / user / environment (mind_id, x,
 * created_at, id) — all partial on stored rows and read backwards for newest first — and the
 * unsettled rows (mind_id, created_at, id) WHERE state <> 'stored'. `importance` is a double
 * (PostgreSQL's `real` would round it).
 *
 * `memory_catalog_counts`: the number of stored memories per (mind, type, user, environment), kept
 * by triggers on memory_catalog (insert, delete, and updates of state/type/user/environment; an
 * access count update fires none), so a count with any filter reads a handful of rows whatever the
 * number of memories. It is rebuilt from memory_catalog here, so running the migration again on
 * existing rows leaves the counts right.
 * A later migration that rebuilds memory_catalog on SQLite (TypeORM's changeColumn copies the table
 * and drops the old one, and its triggers with it) must create the triggers again.
 *
 * Idempotent: tables there already are brought to this shape, indexes and triggers there already
 * are kept (PostgreSQL's trigger function is replaced).
 * Irreversible: `down()` refuses. The vector store keeps each memory's other fields, but the
 * catalogue owns the access counts and last-access times (written here on every search): dropping
 * the table would lose them.
 */
export class MemoryCatalog1764900000000 implements MigrationInterface {
  name = 'MemoryCatalog1764900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const table: TableSpec = {
      name: 'memory_catalog',
      columns: [
        { name: 'mind_id', type: 'varchar', length: '64', isPrimary: true },
        { name: 'id', type: 'varchar', length: '256', isPrimary: true },
        str('memory_type', 64, false),
        { name: 'importance', type: 'double precision', fill: '0.5' },
        str('user_email', 320, true),
        str('relationship_context', 64, false, "'generic'"),
        str('environment_id', 256, true),
        ms('created_at'),
        ms('last_accessed_at', true),
        { name: 'access_count', type: 'integer', default: 0, fill: '0' },
        str('state', 16, false, "'pending'"),
        { name: 'revision', type: 'integer', default: 0, fill: '0' },
      ],
      indices: [
        { name: 'idx_memory_catalog_recent', columnNames: ['mind_id', 'created_at', 'id'], where: STORED },
        {
          name: 'idx_memory_catalog_important',
          columnNames: ['mind_id', 'importance', 'created_at', 'id'],
          where: STORED,
        },
        { name: 'idx_memory_catalog_type', columnNames: ['mind_id', 'memory_type', 'created_at', 'id'], where: STORED },
        { name: 'idx_memory_catalog_user', columnNames: ['mind_id', 'user_email', 'created_at', 'id'], where: STORED },
        {
          name: 'idx_memory_catalog_environment',
          columnNames: ['mind_id', 'environment_id', 'created_at', 'id'],
          where: STORED,
        },
        {
          name: 'idx_memory_catalog_unsettled',
          columnNames: ['mind_id', 'created_at', 'id'],
          where: `"state" <> 'stored'`,
        },
      ],
    };
    await ensureTable(queryRunner, table, Date.now());
    await ensureTable(
      queryRunner,
      {
        name: 'memory_catalog_counts',
        columns: [
          { name: 'mind_id', type: 'varchar', length: '64', isPrimary: true },
          { name: 'memory_type', type: 'varchar', length: '64', isPrimary: true },
          { name: 'user_email', type: 'varchar', length: '320', isPrimary: true },
          { name: 'environment_id', type: 'varchar', length: '256', isPrimary: true },
          { name: 'n', type: 'integer', default: 0, fill: '0' },
        ],
        indices: [],
      },
      Date.now(),
    );
    const postgres = queryRunner.connection.driver.options.type === 'postgres';
    for (const statement of postgres ? POSTGRES_TRIGGERS : SQLITE_TRIGGERS) await queryRunner.query(statement);
    await queryRunner.query('DELETE FROM memory_catalog_counts');
    await queryRunner.query(
      `INSERT INTO memory_catalog_counts (${COUNT_COLUMNS}, n) SELECT mind_id, memory_type, ` +
        `COALESCE(user_email, ''), COALESCE(environment_id, ''), COUNT(*) FROM memory_catalog WHERE ${STORED} ` +
        "GROUP BY mind_id, memory_type, COALESCE(user_email, ''), COALESCE(environment_id, '')",
    );
  }

  async down(): Promise<void> {
    throw new Error(
      'MemoryCatalog1764900000000 is irreversible: reverting it would lose the access counts and last-access times of every memory.',
    );
  }
}
