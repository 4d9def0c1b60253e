import { z } from 'zod';
import { invalidInput } from './errors';

/** A point in time as users give it: a Date, an ISO-8601 string, or epoch milliseconds. */
export type TimeInput = Date | string | number;

export function toEpochMs(value: TimeInput, field: string): number {
  let ms: number;
  if (value instanceof Date) ms = value.getTime();
  else if (typeof value === 'number') ms = value;
  else if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(value.trim())) ms = Date.parse(value);
  else ms = Number.NaN;
  if (!Number.isFinite(ms) || ms < 0 || !Number.isInteger(ms)) {
    throw invalidInput(`${field} must be a date (ISO 8601 like 2026-11-24T10:00:00Z, or epoch milliseconds), got ${JSON.stringify(value)}`);
  }
  return ms;
}

const email = z.email();

export function parseEmail(value: unknown, field = 'userEmail'): string {
  if (typeof value !== 'string' || !email.safeParse(value).success) {
    throw invalidInput(`${field} must be an email address, got ${JSON.stringify(value)}`);
  }
  return value.toLowerCase();
}

export function parseLimit(value: unknown, field = 'limit', max = 1000): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    throw invalidInput(`${field} must be an integer from 1 to ${max}, got ${JSON.stringify(value)}`);
  }
  return value;
}

export function oneOf<T extends string>(value: unknown, allowed: readonly T[], field: string): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw invalidInput(`${field} must be one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`);
  }
  return value as T;
}

export function unitInterval(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1) {
    throw invalidInput(`${field} must be a number from 0 to 1, got ${JSON.stringify(value)}`);
  }
  return value;
}
