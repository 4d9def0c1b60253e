import type { Clock } from '../ports/clock';
import { epochMs, integer } from '../shared/validation';

/**
 * A clock tests move by hand: the one FakeClock of every package's tests. `now` is an arrow
 * property, so `clock.now` can be passed around unbound.
 */
export class FakeClock implements Clock {
  private time: number;

  constructor(start: number = Date.UTC(2026, 0, 1)) {
    this.time = epochMs(start, 'start');
  }

  readonly now = (): number => this.time;

  /** The current time, as `now()` returns it. */
  get current(): number {
    return this.time;
  }

  /** Moves the clock by `ms` (may be negative) and returns the new time. */
  advance(ms: number): number {
    this.time = epochMs(this.time + integer(ms, 'ms'), 'time');
    return this.time;
  }

  /** Sets the clock to `ms` epoch milliseconds. */
  set(ms: number): void {
    this.time = epochMs(ms, 'ms');
  }
}
