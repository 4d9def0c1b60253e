import { v7 as uuidv7 } from 'uuid';
import { invalidInput } from '../errors';

/** Time-ordered ids (UUIDv7, monotonic within this process): ties on created_at keep insert order. */
export const newId = (): string => uuidv7();

export const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v));
export const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : num(v));
export const bool = (v: unknown): boolean => v === true || v === 1 || v === '1' || v === 't';
export const strOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

export function toJson(value: unknown, field: string): string | null {
  if (value === undefined) return null;
  try {
    return JSON.stringify(value);
  } catch (cause) {
    throw invalidInput(`${field} cannot be stored as JSON: ${(cause as Error).message}`);
  }
}

export function fromJson<T>(text: unknown, fallback: T): T {
  if (text === null || text === undefined || text === '') return fallback;
  try {
    return JSON.parse(String(text)) as T;
  } catch {
    return fallback;
  }
}

export function requireText(value: unknown, field: string, max = Number.POSITIVE_INFINITY): string {
  if (typeof value !== 'string' || value.length === 0) throw invalidInput(`${field} must be a non-empty string`);
  if (value.length > max) throw invalidInput(`${field} is longer than ${max} characters`);
  return value;
}

export function requireOneOf<T extends string>(value: unknown, allowed: readonly T[], field: string): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw invalidInput(`${field} must be one of ${allowed.join(', ')} (got ${JSON.stringify(value)})`);
  }
  return value as T;
}

export function requireTime(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw invalidInput(`${field} must be epoch milliseconds (a non-negative integer), got ${JSON.stringify(value)}`);
  }
  return value;
}

export function requireLimit(limit: unknown, max = 1000): number {
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > max) {
    throw invalidInput(`limit must be an integer from 1 to ${max}, got ${JSON.stringify(limit)}`);
  }
  return limit;
}

export function requireUnit(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1) {
    throw invalidInput(`${field} must be a number from 0 to 1, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** SQL text for `col IN (?, ?, …)` with the given number of values. */
export const inList = (column: string, count: number): string => `${column} IN (${new Array(count).fill('?').join(', ')})`;

export function requireCount(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw invalidInput(`${field} must be a non-negative integer, got ${JSON.stringify(value)}`);
  }
  return value;
}
