import { invalidInput } from '../shared/errors';

export interface BackoffOptions {
  /** The delay before the first retry, before jitter. At least 1 ms. Default 1 s. */
  baseMs?: number;
  /** No delay exceeds this. Default 1 h. */
  capMs?: number;
}

/**
 * The delay before retrying after failed attempt `attempt` (1-based): exponential with full
 * jitter — a random point in [base/2, min(cap, base × 2^(attempt−1))] — so retries of many tasks
 * that failed together spread out, and never spin (the lower bound keeps it ≥ base/2 > 0).
 */
export function retryDelayMs(
  attempt: number,
  options: BackoffOptions = {},
  random: () => number = Math.random,
): number {
  const base = options.baseMs ?? 1_000;
  const cap = options.capMs ?? 3_600_000;
  if (!Number.isFinite(base) || base < 1) throw invalidInput('baseMs', `must be at least 1 ms, got ${base}`);
  if (!Number.isFinite(cap) || cap < base) throw invalidInput('capMs', `must be at least baseMs (${base}), got ${cap}`);
  const ceiling = Math.min(cap, base * 2 ** Math.min(Math.max(attempt, 1) - 1, 40));
  const floor = Math.min(base / 2, ceiling);
  return Math.round(floor + random() * (ceiling - floor));
}
