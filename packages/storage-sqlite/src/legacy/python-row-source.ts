import { invalidInput, nonEmptyText, parseLimit } from '@genesis/mind-core';
import type { LegacyRow, LegacyRowQuery, LegacyRowSource, LegacyTableInfo } from '@genesis/mind-core';
import { LEGACY_PREFIX, legacyTables } from '../migrations/python-tables';
import type { SqlExecutor } from '../sql-database';

/** The columns that say which Mind a row of a Python table belongs to, in the order they are looked for. */
const GMID_COLUMNS = ['mind_gmid', 'owner_gmid', 'from_gmid'];
/** Tables of the whole home (no Mind of their own). */
const HOME_TABLES = new Set(['metaverse_state', 'genesis_core']);
/** The alias of the position column a page is read with (no Python table has a column of that name). */
const ROWID = 'genesis_legacy_rowid';

const q = (name: string) => `"${name.replace(/"/g, '""')}"`;
/** A LIKE pattern matching `text` literally (with `\` as the escape character). */
const literal = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

interface TableShape extends LegacyTableInfo {
  /** PostgreSQL: the columns read as text (timestamps in Python's format, JSON as written). */
  textColumns: Map<string, 'time' | 'json'>;
  /** PostgreSQL: the order that numbers the rows (the primary key, else the row's physical position). */
  order: string;
}

/**
 * The Python Genesis tables moved aside as `python_*` in a Genesis database (SQLite or PostgreSQL),
 * read Mind by Mind in pages. Read-only: nothing here writes. A column an older file lacks is
 * simply not in the rows; a table that is not there has no rows.
 *
 * Which rows belong to a Mind: `minds` by `gmid`; `shared_events` when the Mind is its initiator
 * or among its `participant_gmids`; `metaverse_state` and `genesis_core` to none (home-wide);
 * every other table by its first column of `mind_gmid`, `owner_gmid`, `from_gmid`.
 */
export class PythonRowSource implements LegacyRowSource {
  private shapes: Promise<Map<string, TableShape>> | undefined;

  constructor(private readonly db: Pick<SqlExecutor, 'all' | 'dialect'>) {}

  async tables(): Promise<LegacyTableInfo[]> {
    return [...(await this.shapesByName()).values()].map(({ table, original, columns, gmidColumn }) => ({
      table,
      original,
      columns,
      gmidColumn,
    }));
  }

  async gmids(): Promise<string[]> {
    const found = new Set<string>();
    for (const shape of (await this.shapesByName()).values()) {
      if (shape.gmidColumn === null || shape.original === 'shared_events') continue;
      const col = q(shape.gmidColumn);
      const rows = await this.db.all<{ gmid: unknown }>(
        `SELECT DISTINCT ${col} AS gmid FROM ${q(shape.table)} WHERE ${col} IS NOT NULL`,
      );
      for (const { gmid } of rows) if (typeof gmid === 'string' && gmid.trim() !== '') found.add(gmid);
    }
    return [...found].sort();
  }

  async count(original: string, gmid: string): Promise<number> {
    const shape = (await this.shapesByName()).get(original);
    if (!shape) return 0;
    const owned = this.owned(shape, nonEmptyText(gmid, 'gmid'));
    if (owned === null) return 0;
    const [row] = await this.db.all<{ n: unknown }>(
      `SELECT COUNT(*) AS n FROM ${q(shape.table)} WHERE ${owned.where}`,
      owned.params,
    );
    return Number(row?.n ?? 0);
  }

  async rows(original: string, query: LegacyRowQuery): Promise<LegacyRow[]> {
    const gmid = nonEmptyText(query.gmid, 'gmid');
    const limit = parseLimit(query.limit, 'limit', 10_000);
    const after = query.afterRowid ?? 0;
    if (typeof after !== 'number' || !Number.isSafeInteger(after)) {
      throw invalidInput('afterRowid', 'must be an integer (the rowid of the last row read)');
    }
    const shape = (await this.shapesByName()).get(original);
    if (!shape) return [];
    const owned = this.owned(shape, gmid);
    if (owned === null) return [];
    let rows: Array<Record<string, unknown>>;
    if (this.db.dialect === 'postgres') {
      // No rowid: rows are numbered in primary-key order (the table is never written any more).
      const select = shape.columns.map((c) => {
        const kind = shape.textColumns.get(c);
        if (kind === 'time') return `to_char(${q(c)}, 'YYYY-MM-DD HH24:MI:SS.US') AS ${q(c)}`;
        if (kind === 'json') return `CAST(${q(c)} AS TEXT) AS ${q(c)}`;
        return q(c);
      });
      rows = await this.db.all(
        `SELECT * FROM (SELECT ROW_NUMBER() OVER (ORDER BY ${shape.order}) AS ${ROWID}, ${select.join(', ')} ` +
          `FROM ${q(shape.table)}) AS numbered WHERE ${owned.where} AND ${ROWID} > ? ORDER BY ${ROWID} LIMIT ?`,
        [...owned.params, after, limit],
      );
    } else {
      rows = await this.db.all(
        `SELECT rowid AS ${ROWID}, * FROM ${q(shape.table)} WHERE ${owned.where} AND rowid > ? ORDER BY rowid LIMIT ?`,
        [...owned.params, after, limit],
      );
    }
    return rows.map((row) => {
      const { [ROWID]: rowid, ...values } = row;
      return { rowid: Number(rowid), values };
    });
  }

  /** The WHERE clause selecting the Mind's rows; null for a table with no Mind column. */
  private owned(shape: TableShape, gmid: string): { where: string; params: unknown[] } | null {
    if (shape.gmidColumn === null) return null;
    if (shape.original === 'shared_events') {
      const participants = this.db.dialect === 'postgres' ? `CAST(participant_gmids AS TEXT)` : 'participant_gmids';
      const terms = [`${participants} LIKE ? ESCAPE '\\'`];
      const params: unknown[] = [`%${literal(JSON.stringify(gmid))}%`];
      if (shape.columns.includes('initiator_gmid')) {
        terms.push('initiator_gmid = ?');
        params.push(gmid);
      }
      return { where: `(${terms.join(' OR ')})`, params };
    }
    return { where: `${q(shape.gmidColumn)} = ?`, params: [gmid] };
  }

  /** Each python_* table's shape, read once (the tables never change once moved aside). */
  private shapesByName(): Promise<Map<string, TableShape>> {
    this.shapes ??= this.readShapes().catch((error: unknown) => {
      this.shapes = undefined;
      throw error;
    });
    return this.shapes;
  }

  private async readShapes(): Promise<Map<string, TableShape>> {
    const shapes = new Map<string, TableShape>();
    for (const { table, original } of await legacyTables(this.db)) {
      if (!table.startsWith(LEGACY_PREFIX)) continue;
      const textColumns = new Map<string, 'time' | 'json'>();
      let columns: string[];
      let order = 'rowid';
      if (this.db.dialect === 'postgres') {
        const rows = await this.db.all<{ name: string; type: string }>(
          'SELECT column_name AS name, data_type AS type FROM information_schema.columns ' +
            'WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position',
          [table],
        );
        columns = rows.map((r) => String(r.name));
        for (const r of rows) {
          const type = String(r.type).toLowerCase();
          if (type.startsWith('timestamp')) textColumns.set(String(r.name), 'time');
          else if (type === 'json' || type === 'jsonb') textColumns.set(String(r.name), 'json');
        }
        const keys = await this.db.all<{ name: string }>(
          'SELECT a.attname AS name FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) ' +
            'WHERE i.indrelid = to_regclass(?) AND i.indisprimary ORDER BY a.attnum',
          [q(table)],
        );
        order = keys.length > 0 ? keys.map((k) => q(String(k.name))).join(', ') : 'ctid';
      } else {
        const rows = await this.db.all<{ name: string }>('SELECT name FROM pragma_table_info(?)', [table]);
        columns = rows.map((r) => String(r.name));
      }
      let gmidColumn: string | null = null;
      if (original === 'minds') gmidColumn = columns.includes('gmid') ? 'gmid' : null;
      else if (original === 'shared_events')
        gmidColumn = columns.includes('participant_gmids') ? 'participant_gmids' : null;
      else if (!HOME_TABLES.has(original)) gmidColumn = GMID_COLUMNS.find((c) => columns.includes(c)) ?? null;
      shapes.set(original, { table, original, columns, gmidColumn, textColumns, order });
    }
    return shapes;
  }
}
