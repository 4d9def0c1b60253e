import { createHash } from 'node:crypto';
import { SECRET_KEY } from '../shared/secrets';
import { isRecord } from '../shared/validation';

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

/** A SHA-1 of text, in hex (for source keys that would be too long to keep as they are). */
export const hashText = (value: string): string => createHash('sha1').update(value).digest('hex');

/** Source keys and kinds fit their columns (200 / 100 characters): longer ones end in a digest of the whole. */
export function fitKey(key: string, max: number): string {
  if (key.length <= max) return key;
  return `${key.slice(0, max - 18)}~${hashText(key).slice(0, 16)}`;
}

/**
 * An upper bound check on the JSON size of a value that stops walking as soon as `limit` is passed
 * (so a 50 MB section is never stringified just to learn that it is big). Returns true when over.
 */
export function jsonLargerThan(value: unknown, limit: number): boolean {
  let total = 0;
  const walk = (v: unknown): boolean => {
    if (total > limit) return true;
    if (typeof v === 'string') total += v.length + 2;
    else if (Array.isArray(v)) {
      total += 2;
      for (const item of v) if (walk(item)) return true;
    } else if (isRecord(v)) {
      total += 2;
      for (const [k, item] of Object.entries(v)) {
        total += k.length + 4;
        if (walk(item)) return true;
      }
    } else total += 6;
    return total > limit;
  };
  return walk(value);
}

/**
 * `stripSecrets` that copies only what it changes: a subtree without secret-looking keys is
 * returned as is (a 50 MB file is not duplicated to find its two API keys).
 */
export function withoutSecrets(value: unknown, path: string, secrets: Record<string, unknown>): unknown {
  if (Array.isArray(value)) {
    let copy: unknown[] | null = null;
    value.forEach((item, i) => {
      const next = withoutSecrets(item, `${path}.${i}`, secrets);
      if (next !== item) (copy ??= value.slice())[i] = next;
    });
    return copy ?? value;
  }
  if (!isRecord(value)) return value;
  let copy: Record<string, unknown> | null = null;
  for (const [key, v] of Object.entries(value)) {
    if (SECRET_KEY.test(key)) {
      secrets[`${path}.${key}`] = v;
      copy ??= { ...value };
      delete copy[key];
      continue;
    }
    const next = withoutSecrets(v, `${path}.${key}`, secrets);
    if (next !== v) (copy ??= { ...value })[key] = next;
  }
  return copy ?? value;
}
