import { z } from 'zod';
import { invalidInput } from './errors';

/**
 * The one validator of Genesis. Boundaries (the SDK managers, the CLI, the HTTP API) validate with
 * these functions; stores call the same ones as assertions. Every message reads
 * `<field> must be <what>, got <value>`.
 */

/** A point in time as users give it: a Date, an ISO-8601 string, or epoch milliseconds. */
export type TimeInput = Date | string | number;

/** A value as it may be quoted in a message: short, and never the contents of a file. */
export function shown(value: unknown): string {
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'bigint') return `a bigint (${value}n)`;
  if (typeof value === 'symbol') return 'a symbol';
  if (value instanceof Map) return 'a Map';
  if (value instanceof Set) return 'a Set';
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch {
    text = undefined; // a cycle or a BigInt inside: describe it by its type instead
  }
  if (text === undefined)
    return typeof value === 'object' && value !== null ? `a ${value.constructor?.name ?? 'object'}` : String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/** Parses ISO-8601 text strictly: the calendar date and the clock time must exist (no 2026-02-30, no 25:00). */
function parseIsoDate(text: string): number {
  const m = ISO_DATE.exec(text);
  if (!m) return Number.NaN;
  const [, y, mo, d, h = '0', mi = '0', s = '0'] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth) return Number.NaN;
  if (Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return Number.NaN;
  return Date.parse(m[4] === undefined ? `${y}-${mo}-${d}T00:00:00Z` : text.replace(' ', 'T'));
}

/** A time from a Date, ISO-8601 text (a date that exists) or epoch milliseconds. */
export function toEpochMs(value: TimeInput, field: string): number {
  let ms: number;
  if (value instanceof Date) ms = value.getTime();
  else if (typeof value === 'number') ms = value;
  else if (typeof value === 'string') ms = parseIsoDate(value.trim());
  else ms = Number.NaN;
  if (!Number.isFinite(ms) || ms < 0 || !Number.isInteger(ms)) {
    throw invalidInput(
      field,
      `must be a date that exists (ISO 8601 like 2026-11-24T10:00:00Z, or epoch milliseconds), got ${shown(value)}`,
    );
  }
  return ms;
}

/** Epoch milliseconds as stored: a non-negative safe integer. */
export function epochMs(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw invalidInput(field, `must be epoch milliseconds (a non-negative integer), got ${shown(value)}`);
  }
  return value;
}

/** A non-negative integer (counts, attempts, durations in ms). */
export function count(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw invalidInput(field, `must be a non-negative integer, got ${shown(value)}`);
  }
  return value;
}

/** An integer (may be negative: priorities). */
export function integer(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value))
    throw invalidInput(field, `must be an integer, got ${shown(value)}`);
  return value;
}

export function parseLimit(value: unknown, field = 'limit', max = 1000): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    throw invalidInput(field, `must be an integer from 1 to ${max}, got ${shown(value)}`);
  }
  return value;
}

export function unitInterval(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1) {
    throw invalidInput(field, `must be a number from 0 to 1, got ${shown(value)}`);
  }
  return value;
}

export function oneOf<T extends string>(value: unknown, allowed: readonly T[], field: string): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw invalidInput(field, `must be one of ${allowed.join(', ')}, got ${shown(value)}`);
  }
  return value as T;
}

/** A string with something in it (not only spaces), at most `max` characters. */
export function nonEmptyText(value: unknown, field: string, max = Number.POSITIVE_INFINITY): string {
  if (typeof value !== 'string' || value.trim() === '')
    throw invalidInput(field, `must be a non-empty string, got ${shown(value)}`);
  if (value.length > max) throw invalidInput(field, `must be at most ${max} characters, got ${value.length}`);
  return value;
}

export function stringList(value: unknown, field: string): string[] {
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string'))
    throw invalidInput(field, `must be a list of strings, got ${shown(value)}`);
  return value as string[];
}

const emailSchema = z.email();

export function isEmail(value: unknown): value is string {
  return typeof value === 'string' && emailSchema.safeParse(value).success;
}

/** An email address, lower-cased. */
export function parseEmail(value: unknown, field = 'userEmail'): string {
  const text = typeof value === 'string' ? value.trim() : value;
  if (!isEmail(text)) throw invalidInput(field, `must be an email address, got ${shown(value)}`);
  return text.toLowerCase();
}

/**
 * A value that survives a JSON round trip unchanged: null, booleans, strings, finite numbers, arrays
 * and plain objects of those. Functions, Maps, Sets, Dates, class instances, BigInt, NaN/Infinity
 * and cycles are refused, naming the path (`metadata.when`). `undefined` object members are absent.
 */
export function jsonValue<T = unknown>(value: T, field: string): T {
  const walk = (v: unknown, path: string, seen: Set<unknown>): void => {
    if (v === null || typeof v === 'string' || typeof v === 'boolean') return;
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) throw invalidInput(path, `must be a finite number (JSON has no ${v}), got ${v}`);
      return;
    }
    if (typeof v !== 'object') throw invalidInput(path, `cannot be stored as JSON: it is ${shown(v)}`);
    if (seen.has(v)) throw invalidInput(path, 'cannot be stored as JSON: it refers back to itself');
    if (!Array.isArray(v) && Object.getPrototypeOf(v) !== Object.prototype && Object.getPrototypeOf(v) !== null) {
      const kind =
        v instanceof Map
          ? 'a Map'
          : v instanceof Set
            ? 'a Set'
            : v instanceof Date
              ? 'a Date (use an ISO string or epoch ms)'
              : `a ${v.constructor?.name ?? 'class instance'}`;
      throw invalidInput(path, `cannot be stored as JSON: it is ${kind}, not a plain object`);
    }
    seen.add(v);
    if (Array.isArray(v)) {
      v.forEach((item, i) => {
        if (item === undefined) throw invalidInput(`${path}.${i}`, 'cannot be stored as JSON: it is undefined');
        walk(item, `${path}.${i}`, seen);
      });
    } else {
      for (const [k, item] of Object.entries(v)) if (item !== undefined) walk(item, `${path}.${k}`, seen);
    }
    seen.delete(v);
  };
  if (value === undefined) throw invalidInput(field, 'cannot be stored as JSON: it is undefined');
  walk(value, field, new Set());
  return value;
}

/** A plain JSON object (metadata), at most `maxBytes` once serialized. */
export function jsonObject(
  value: unknown,
  field: string,
  maxBytes = Number.POSITIVE_INFINITY,
): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw invalidInput(field, `must be an object, got ${shown(value)}`);
  jsonValue(value, field);
  if (Number.isFinite(maxBytes)) {
    const bytes = Buffer.byteLength(JSON.stringify(value));
    if (bytes > maxBytes) throw invalidInput(field, `must be at most ${maxBytes} bytes as JSON, got ${bytes}`);
  }
  return value as Record<string, unknown>;
}

/** A plain object (not an array, not null). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
