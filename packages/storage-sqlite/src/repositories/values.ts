import { v7 as uuidv7 } from 'uuid';
import { jsonValue } from '@genesis/mind-core';

/**
 * Row codecs of the SQL stores. Input is validated by mind-core's validator (the stores call it as
 * assertions); this file only converts between JS values and column values.
 */

/** A row as the drivers hand it back: column name to value. */
export type Row = Record<string, unknown>;

/** Time-ordered ids (UUIDv7, monotonic within this process): ties on created_at keep insert order. */
export const newId = (): string => uuidv7();

export const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v));
export const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : num(v));
export const bool = (v: unknown): boolean => v === true || v === 1 || v === '1' || v === 't';
export const strOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

/** JSON text of a value that must survive the round trip (checked: no functions, Maps, NaN…). */
export function toJson(value: unknown, field: string): string | null {
  if (value === undefined) return null;
  return JSON.stringify(jsonValue(value, field));
}

/**
 * A JSON column back as a value. Text that is not JSON (written by another tool) is kept, not
 * dropped: as the string itself, or, where an object is expected, as `{ unparsedJson: text }`.
 */
export function fromJson<T>(text: unknown, fallback: T): T {
  if (text === null || text === undefined || text === '') return fallback;
  const raw = String(text);
  try {
    return JSON.parse(raw) as T;
  } catch {
    // Not JSON (another tool wrote it): keep the text rather than lose it.
    const wantsObject = typeof fallback === 'object' && fallback !== null && !Array.isArray(fallback);
    return (wantsObject ? { unparsedJson: raw } : raw) as T;
  }
}

/** Reads one column's value as a field's value. */
export type ColumnReader<V> = (value: unknown) => V;

export const text: ColumnReader<string> = (v) => String(v);
/** A JSON column (see `fromJson`). */
export const json =
  <T>(fallback: T): ColumnReader<T> =>
  (v) =>
    fromJson(v, fallback);
/** A column whose values the schema keeps to the field's type (a status, a kind): taken as it is. */
export const asIs = <T>(v: unknown): T => v as T;

/** A table's rows as values of type T: the columns, comma-separated in field order, and the reader of a row. */
export interface RowCodec<T> {
  columns: string;
  read: (row: Row) => T;
}

/**
 * The codec of rows whose columns are the fields of T in snake_case, in the order given: a reader
 * per field (`createdAt: num` reads the column created_at). INSERTs list their values in this order.
 */
export function rowCodec<T>(fields: { [K in keyof T]-?: ColumnReader<T[K]> }): RowCodec<T> {
  const readers = Object.entries<ColumnReader<unknown>>(fields).map(
    ([field, read]) => [field, field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), read] as const,
  );
  return {
    columns: readers.map(([, column]) => column).join(', '),
    // A plain loop: every page of every list reads its rows here (no pairs array per row).
    read: (row) => {
      const value: Record<string, unknown> = {};
      for (const [field, column, read] of readers) value[field] = read(row[column]);
      return value as T;
    },
  };
}

/** SQL text for `col IN (?, ?, …)` with the given number of values. */
export const inList = (column: string, count: number): string =>
  `${column} IN (${new Array(count).fill('?').join(', ')})`;
