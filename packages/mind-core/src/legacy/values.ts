import { createHash } from 'node:crypto';

/** A short stable digest of a value: part of the source keys that make an import idempotent. */
export const digest = (value: unknown): string =>
  createHash('sha1')
    .update(JSON.stringify(value) ?? 'null')
    .digest('hex')
    .slice(0, 16);

/** The first of `keys` that `o` has. */
export const pick = (o: Record<string, unknown>, ...keys: string[]): unknown => {
  for (const k of keys) if (o[k] !== undefined) return o[k];
  return undefined;
};

/** Text, or null for missing/empty. */
export const text = (v: unknown): string | null =>
  typeof v === 'string' && v !== '' ? v : v == null ? null : String(v);

export const clamp = (v: unknown, lo: number, hi: number, dflt: number): number =>
  typeof v === 'number' && Number.isFinite(v) ? Math.min(hi, Math.max(lo, v)) : dflt;
