import { isRecord } from './validation';

/** Keys that hold secrets: never written into a Mind file (they go to the secrets file). */
export const SECRET_KEY = /(api[_-]?key|secret|token|password|credential)s?$/i;

/** Removes secret-looking keys (recursively) from `value`, collecting them under dotted paths. */
export function stripSecrets(value: unknown, path: string, secrets: Record<string, unknown>): unknown {
  if (Array.isArray(value)) return value.map((v, i) => stripSecrets(v, `${path}.${i}`, secrets));
  if (!isRecord(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if (SECRET_KEY.test(key)) secrets[`${path}.${key}`] = v;
    else out[key] = stripSecrets(v, `${path}.${key}`, secrets);
  }
  return out;
}
