import type { EpochMs } from './page';

/** The source of "now" for everything time-based, so tests can control time. */
export interface Clock {
  now(): EpochMs;
}

export const systemClock: Clock = { now: () => Date.now() };
