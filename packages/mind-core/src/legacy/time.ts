import { isRecord } from '../shared/validation';

/** A timestamp of an old item: ISO text (no zone = UTC), epoch seconds or epoch ms. */
export function legacyTime(value: unknown): number | null {
  if (typeof value === 'number' && Number.isFinite(value) && value > 0)
    return Math.round(value < 1e11 ? value * 1000 : value);
  if (typeof value === 'string' && value.trim() !== '') {
    const text = value.trim();
    const zoned = /([zZ]|[+-]\d{2}:?\d{2})$/.test(text) || !/\d{2}:\d{2}/.test(text) ? text : `${text}Z`;
    const ms = Date.parse(zoned.replace(' ', 'T'));
    return Number.isFinite(ms) && ms >= 0 ? ms : null;
  }
  return null;
}

/** The time of an old list item, from the first time-like field it has. */
export function itemTime(item: unknown): number | null {
  if (!isRecord(item)) return null;
  for (const key of ['timestamp', 'created_at', 'createdAt', 'time', 'date']) {
    const t = legacyTime(item[key]);
    if (t !== null) return t;
  }
  return null;
}
