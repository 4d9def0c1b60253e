import type { DataSource, QueryRunner } from 'typeorm';
import { silentLogger, type Logger } from '@genesis/mind-core';
import type { SqlExecutor } from '../sql-database';

/**
 * The Python Genesis wrote its tables into the same `genesis.db`, some under the names ours use
 * (`minds`, `conversation_messages`, `concerns`, …) with another shape. Before our migrations run,
 * those tables are moved aside as `python_<name>` — all of them in one transaction, rows untouched —
 * so our migrations create our own tables next to them and the old data waits for an import.
 */

/** The prefix of the tables (and their indexes) moved aside. */
export const LEGACY_PREFIX = 'python_';

/** One table moved aside, as `legacyTables()` reports it. */
export interface LegacyTable {
  /** Its name now (`python_…`). */
  table: string;
  /** The name the Python Genesis gave it. */
  original: string;
  rows: number;
}

export interface MovePythonTablesOptions {
  logger?: Logger;
  /** The database, as messages name it. */
  location?: string;
  /** Test-only: called before each table is renamed (throwing aborts the whole move). */
  beforeRename?: (from: string, to: string) => void | Promise<void>;
}

/**
 * Per Python table, a column that only the Python shape has. A table is the Python one when it has
 * that column and none of ours (`mind_id`, or `json_path` for `minds`), so a table an earlier
 * Genesis migration already adopted is never moved.
 */
const SIGNATURES: Record<string, string> = {
  minds: 'creator',
  environments: 'env_id',
  relationships: 'from_gmid',
  environment_visits: 'mind_gmid',
  shared_events: 'participant_gmids',
  metaverse_state: 'metaverse_version',
  tasks: 'mind_gmid',
  gen_transactions: 'mind_gmid',
  mind_files: 'owner_gmid',
  genesis_core: 'governance_version',
  conversation_messages: 'mind_gmid',
  concerns: 'concern_id',
  background_tasks: 'task_id',
  thoughts: 'mind_gmid',
};
/** Columns of ours: a table that has one is a Genesis table, never moved. */
const OURS = ['mind_id', 'json_path'];
/** Columns by which other Python tables (ones not named above) are known, once the schema was detected. */
const PYTHON_KEYS = ['mind_gmid', 'owner_gmid', 'from_gmid'];
/** The advisory lock `SqlDatabase.migrate` holds on PostgreSQL ("gene"): the move takes its turn with migrations. */
const MIGRATION_LOCK_KEY = 0x67656e65;

/** Tables to move, given each table's columns: empty unless the Python schema is there. */
export function pythonTablesIn(tables: Map<string, string[]>): string[] {
  const isOurs = (columns: string[]) => OURS.some((c) => columns.includes(c));
  const known = [...tables].filter(([name, columns]) => {
    const marker = SIGNATURES[name];
    return marker !== undefined && columns.includes(marker) && !isOurs(columns);
  });
  if (known.length === 0) return [];
  const others = [...tables].filter(
    ([name, columns]) =>
      SIGNATURES[name] === undefined &&
      !/^(python_|sqlite_|genesis_|pg_)/i.test(name) &&
      PYTHON_KEYS.some((c) => columns.includes(c)) &&
      !isOurs(columns),
  );
  return [...known, ...others].map(([name]) => name).sort();
}

/** A name for `name` under the prefix that nothing in `taken` uses (PostgreSQL cuts names at 63 bytes). */
function asideName(name: string, taken: Set<string>): string {
  for (let n = 1; ; n++) {
    const suffix = n === 1 ? '' : `_${n}`;
    const candidate = `${LEGACY_PREFIX}${name}`.slice(0, 63 - suffix.length) + suffix;
    if (!taken.has(candidate.toLowerCase())) {
      taken.add(candidate.toLowerCase());
      return candidate;
    }
  }
}

const q = (name: string) => `"${name.replace(/"/g, '""')}"`;

type Query = (sql: string, params?: unknown[]) => Promise<Array<Record<string, unknown>>>;

interface Dialect {
  /** Every table with its columns. */
  tables(query: Query): Promise<Map<string, string[]>>;
  /** Every name in the schema (tables, indexes, sequences), lower-cased. */
  names(query: Query): Promise<Set<string>>;
  /** Renames the table's indexes (and, on PostgreSQL, its sequences) under the prefix. */
  renameDependents(query: Query, table: string, taken: Set<string>): Promise<void>;
}

const sqlite: Dialect = {
  async tables(query) {
    const rows = await query(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'",
    );
    const tables = new Map<string, string[]>();
    for (const { name } of rows) {
      const columns = await query('SELECT name FROM pragma_table_info(?)', [name]);
      tables.set(
        String(name),
        columns.map((c) => String(c.name)),
      );
    }
    return tables;
  },
  async names(query) {
    const rows = await query('SELECT name FROM sqlite_master');
    return new Set(rows.map((r) => String(r.name).toLowerCase()));
  },
  async renameDependents(query, table, taken) {
    // SQLite cannot rename an index: it is dropped and created again under the new name (an index
    // holds no data of its own). Automatic indexes (UNIQUE/PRIMARY KEY constraints) follow the table.
    const indexes = await query(
      "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL",
      [table],
    );
    for (const { name, sql } of indexes) {
      const from = String(name);
      if (from.startsWith(LEGACY_PREFIX)) continue;
      const to = asideName(from, taken);
      const created = String(sql).replace(
        /^(\s*CREATE\s+(?:UNIQUE\s+)?INDEX\s+(?:IF\s+NOT\s+EXISTS\s+)?)("(?:[^"]|"")+"|`[^`]+`|\[[^\]]+\]|[^\s(]+)/i,
        (_m, head: string) => `${head}${q(to)}`,
      );
      await query(`DROP INDEX ${q(from)}`);
      await query(created);
    }
  },
};

const postgres: Dialect = {
  async tables(query) {
    const rows = await query(
      `SELECT c.table_name AS t, c.column_name AS c FROM information_schema.columns c
         JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
        WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'`,
    );
    const tables = new Map<string, string[]>();
    for (const row of rows) {
      const name = String(row.t);
      tables.set(name, [...(tables.get(name) ?? []), String(row.c)]);
    }
    return tables;
  },
  async names(query) {
    const rows = await query(
      'SELECT relname AS name FROM pg_class WHERE relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema())',
    );
    return new Set(rows.map((r) => String(r.name).toLowerCase()));
  },
  async renameDependents(query, table, taken) {
    // Indexes (primary keys and unique constraints included) and the sequences of serial columns
    // keep their names when a table is renamed; ours would meet them (`conversation_messages_id_seq`).
    const dependents = await query(
      `SELECT i.relname AS name, 'INDEX' AS kind FROM pg_index x
         JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
        WHERE t.relname = $1 AND t.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema())
       UNION ALL
       SELECT s.relname AS name, 'SEQUENCE' AS kind FROM pg_depend d
         JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S' JOIN pg_class t ON t.oid = d.refobjid
        WHERE t.relname = $1 AND t.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema())
          AND d.deptype IN ('a', 'i')`,
      [table],
    );
    for (const { name, kind } of dependents) {
      const from = String(name);
      if (from.startsWith(LEGACY_PREFIX)) continue;
      await query(`ALTER ${String(kind)} ${q(from)} RENAME TO ${q(asideName(from, taken))}`);
    }
  },
};

/**
 * Moves the tables of a Python Genesis `genesis.db` aside as `python_<name>` (with their indexes),
 * in one transaction: either every one is moved or none is. Does nothing when there are none, so
 * running it on every open costs one look at the schema. Returns what it moved (`from` → `to`).
 */
export async function movePythonTablesAside(
  dataSource: DataSource,
  options: MovePythonTablesOptions = {},
): Promise<Array<{ from: string; to: string }>> {
  const pg = dataSource.driver.options.type === 'postgres';
  const dialect = pg ? postgres : sqlite;
  const runner: QueryRunner = dataSource.createQueryRunner();
  const query: Query = async (sql, params = []) => (await runner.query(sql, params)) as Array<Record<string, unknown>>;
  const moved: Array<{ from: string; to: string }> = [];
  try {
    // A cheap look first: a Genesis-only database never opens a write transaction here.
    if (pythonTablesIn(await dialect.tables(query)).length === 0) return [];
    await runner.query(pg ? 'BEGIN' : 'BEGIN IMMEDIATE');
    try {
      if (pg) await runner.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
      // Looked at again inside the transaction: another process may have moved them meanwhile.
      const found = pythonTablesIn(await dialect.tables(query));
      const taken = await dialect.names(query);
      for (const from of found) {
        const to = asideName(from, taken);
        await options.beforeRename?.(from, to);
        await query(`ALTER TABLE ${q(from)} RENAME TO ${q(to)}`);
        await dialect.renameDependents(query, to, taken);
        moved.push({ from, to });
      }
      await runner.query('COMMIT');
    } catch (error) {
      await runner
        .query('ROLLBACK')
        .catch((rollbackError: unknown) =>
          (options.logger ?? silentLogger).error({ database: options.location, err: rollbackError }, 'rollback failed'),
        );
      throw error;
    }
  } finally {
    // SQLite has one connection, which the runner shares: only a pooled one is given back.
    if (pg) await runner.release();
  }
  if (moved.length > 0) {
    (options.logger ?? silentLogger).warn(
      { database: options.location, tables: moved.map((m) => m.to) },
      `this home has data from an earlier Genesis: its ${moved.length} tables were moved aside as python_* ` +
        '(rows untouched): run `genesis migrate` to import them',
    );
  }
  return moved;
}

/** The tables moved aside from an earlier Genesis (`python_*`), with their row counts; empty for a Genesis-only database. */
export async function legacyTables(db: Pick<SqlExecutor, 'all' | 'dialect'>): Promise<LegacyTable[]> {
  const rows =
    db.dialect === 'postgres'
      ? await db.all<{ name: string }>(
          "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_name LIKE 'python\\_%' ORDER BY table_name",
        )
      : await db.all<{ name: string }>(
          "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'python\\_%' ESCAPE '\\' ORDER BY name",
        );
  const tables: LegacyTable[] = [];
  for (const { name } of rows) {
    const [count] = await db.all<{ n: unknown }>(`SELECT COUNT(*) AS n FROM ${q(name)}`);
    tables.push({ table: name, original: name.slice(LEGACY_PREFIX.length), rows: Number(count?.n ?? 0) });
  }
  return tables;
}
