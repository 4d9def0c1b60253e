import { randomBytes } from 'node:crypto';
import { GenesisError } from './errors';
import { shown } from './validation';

/** `GMD-{year}-{4 hex}-{4 hex}`, e.g. `GMD-2026-4A7F-9B23`. */
const CURRENT = /^GMD-\d{4}-[0-9A-F]{4}-[0-9A-F]{4}$/;
/** The older form: `GMID-` and 8 letters or digits, e.g. `GMID-12345678`. */
const LEGACY = /^GMID-[A-Za-z0-9]{8}$/;

export function isGmid(value: unknown): boolean {
  return typeof value === 'string' && (CURRENT.test(value) || LEGACY.test(value));
}

/**
 * Validates a GMID wherever one enters (CLI, API, file contents). Only letters, digits and dashes
 * can pass, so a GMID can never name a path outside the minds folder.
 */
export function parseGmid(value: unknown, field = 'gmid'): string {
  if (isGmid(value)) return value as string;
  throw new GenesisError(
    'INVALID_GMID',
    `${field} must be a Genesis Mind id like GMD-2026-4A7F-9B23 (GMD-{year}-{4 hex}-{4 hex}) or GMID-{8 characters}, got ${shown(value)}`,
    { field },
  );
}

export function newGmid(now: number): string {
  const hex = randomBytes(4).toString('hex').toUpperCase();
  return `GMD-${new Date(now).getUTCFullYear()}-${hex.slice(0, 4)}-${hex.slice(4)}`;
}
