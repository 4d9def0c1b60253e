import { Table, TableColumn, TableIndex } from 'typeorm';
import type { QueryRunner, TableColumnOptions, TableIndexOptions } from 'typeorm';

/**
 * A table as a migration wants it. `fill` gives the value that rows of a table created by an older
 * tool get for a NOT NULL column that they did not have (an SQL expression; `now_ms` is replaced by
 * the migration time in epoch milliseconds). `legacyTime` names older columns whose values (text
 * datetimes, seconds or milliseconds) seed an epoch-ms column that is being added.
 */
export interface TableSpec {
  name: string;
  columns: Array<TableColumnOptions & { fill?: string; legacyTime?: string[] }>;
  indices: TableIndexOptions[];
}

/** Type families: a column whose type is in the same family as ours needs no conversion. */
function family(type: string): string {
  const t = type.toLowerCase();
  if (/(char|text|clob|uuid)/.test(t)) return 'text';
  if (/bool/.test(t)) return 'bool';
  if (/(real|floa|doub|numeric|decimal)/.test(t)) return 'real';
  if (/int/.test(t)) return 'int';
  if (/(date|time)/.test(t)) return 'time';
  return t;
}

function isPostgres(qr: QueryRunner): boolean {
  return qr.connection.driver.options.type === 'postgres';
}

function quote(qr: QueryRunner, name: string): string {
  return qr.connection.driver.escape(name);
}

/** SQL converting a legacy timestamp column (datetime text, timestamp, seconds or ms) to epoch ms. */
function epochMsFrom(qr: QueryRunner, legacy: TableColumn): string {
  const col = quote(qr, legacy.name);
  if (isPostgres(qr)) {
    const f = family(legacy.type);
    if (f === 'time') return `(EXTRACT(EPOCH FROM ${col}) * 1000)::bigint`;
    if (f === 'int' || f === 'real')
      return `(CASE WHEN ${col} < 100000000000 THEN ${col} * 1000 ELSE ${col} END)::bigint`;
    return `(EXTRACT(EPOCH FROM ${col}::timestamptz) * 1000)::bigint`;
  }
  return (
    `(CASE WHEN typeof(${col}) IN ('integer','real') THEN ` +
    `CAST(CASE WHEN ${col} < 100000000000 THEN ${col} * 1000 ELSE ${col} END AS INTEGER) ` +
    `ELSE CAST(ROUND((julianday(${col}) - 2440587.5) * 86400000) AS INTEGER) END)`
  );
}

function castTo(qr: QueryRunner, expr: string, column: TableColumnOptions): string {
  const f = family(column.type);
  if (isPostgres(qr)) {
    const pgType =
      f === 'text'
        ? 'text'
        : f === 'int'
          ? column.type === 'bigint'
            ? 'bigint'
            : 'integer'
          : f === 'bool'
            ? 'boolean'
            : f === 'real'
              ? 'real'
              : column.type;
    return `CAST(${expr} AS ${pgType})`;
  }
  const sqliteType = f === 'text' ? 'TEXT' : f === 'int' || f === 'bool' ? 'INTEGER' : f === 'real' ? 'REAL' : 'TEXT';
  return `CAST(${expr} AS ${sqliteType})`;
}

/**
 * Changes only the NULL constraint of a column, keeping its data. (TypeORM's changeColumn on
 * PostgreSQL drops and re-creates a column whose type text differs, which would lose the values.)
 */
async function setNullable(qr: QueryRunner, table: Table, column: TableColumn, nullable: boolean): Promise<Table> {
  if (isPostgres(qr)) {
    await qr.query(
      `ALTER TABLE ${quote(qr, table.name)} ALTER COLUMN ${quote(qr, column.name)} ${nullable ? 'DROP' : 'SET'} NOT NULL`,
    );
  } else {
    const changed = column.clone();
    changed.isNullable = nullable;
    await qr.changeColumn(table, column, changed);
  }
  return (await qr.getTable(table.name))!;
}

/**
 * Creates the table, or brings a table of the same name that an older tool created to this shape:
 * - missing columns are added and back-filled (from legacy time columns where named, else `fill`);
 * - a column of an incompatible type is kept as `legacy_<name>` and its values are converted into
 *   a new column of the right type, so nothing is lost;
 * - legacy NOT NULL columns this schema does not know become nullable, so new rows can be written;
 * - the primary key and the indexes are created where missing.
 * Running it again on a table that already has this shape changes nothing.
 */
export async function ensureTable(qr: QueryRunner, spec: TableSpec, nowMs: number): Promise<void> {
  const plain = spec.columns.map(({ fill: _fill, legacyTime: _legacy, ...options }) => options);
  let table = await qr.getTable(spec.name);
  if (!table) {
    await qr.createTable(new Table({ name: spec.name, columns: plain, indices: spec.indices }), false, false, true);
    return;
  }

  const primary = spec.columns.filter((c) => c.isPrimary).map((c) => c.name);
  for (const wanted of spec.columns) {
    const { fill, legacyTime, ...options } = wanted;
    let existing = table.findColumnByName(wanted.name);
    let legacySource: TableColumn | undefined;
    if (existing && family(existing.type) !== family(wanted.type)) {
      const legacyName = `legacy_${existing.name}`;
      await qr.renameColumn(table, existing, legacyName);
      table = (await qr.getTable(spec.name))!;
      legacySource = table.findColumnByName(legacyName);
      existing = undefined;
    }
    if (existing) continue;

    // Add as nullable and without primary/unique constraints, back-fill, then tighten.
    await qr.addColumn(table, new TableColumn({ ...options, isNullable: true, isPrimary: false, isUnique: false }));
    table = (await qr.getTable(spec.name))!;
    const target = quote(qr, wanted.name);
    const sources: string[] = [];
    if (legacySource) {
      sources.push(
        family(wanted.type) === 'int' && family(legacySource.type) === 'time'
          ? epochMsFrom(qr, legacySource)
          : castTo(qr, quote(qr, legacySource.name), wanted),
      );
    }
    for (const name of legacyTime ?? []) {
      const legacy = table.findColumnByName(name);
      if (legacy) sources.push(epochMsFrom(qr, legacy));
    }
    if (fill !== undefined) sources.push(fill.replace(/now_ms/g, String(nowMs)));
    if (sources.length > 0) {
      const value = sources.length === 1 ? sources[0] : `COALESCE(${sources.join(', ')})`;
      await qr.query(`UPDATE ${quote(qr, spec.name)} SET ${target} = ${value} WHERE ${target} IS NULL`);
    }
    if (options.isNullable !== true) {
      table = await setNullable(qr, table, table.findColumnByName(wanted.name)!, false);
    }
  }

  // Legacy NOT NULL columns we never write would make every insert fail.
  for (const column of [...table.columns]) {
    if (spec.columns.some((c) => c.name === column.name)) continue;
    if (!column.isNullable && !column.isPrimary && column.default === undefined) {
      table = await setNullable(qr, table, column, true);
    }
  }

  const currentPrimary = table.primaryColumns.map((c) => c.name).sort();
  if (currentPrimary.join(',') !== [...primary].sort().join(',')) {
    if (!isPostgres(qr)) {
      // SQLite cannot drop a primary key in place: rebuild with ours (legacy keys keep their values).
      for (const column of table.primaryColumns) {
        const demoted = column.clone();
        demoted.isPrimary = false;
        demoted.isGenerated = false;
        demoted.generationStrategy = undefined;
        await qr.changeColumn(table, column, demoted);
        table = (await qr.getTable(spec.name))!;
      }
    }
    await qr.updatePrimaryKeys(
      table,
      primary.map((name) => table!.findColumnByName(name)!),
    );
    table = (await qr.getTable(spec.name))!;
  }

  for (const index of spec.indices) {
    if (!table.indices.some((i) => i.name === index.name)) {
      await qr.createIndex(table, new TableIndex(index));
    }
  }
}
