import { Cron } from 'croner';
import { invalidInput } from '../shared/errors';

/** Checks an IANA time zone name (`Europe/Oslo`, `UTC`). */
export function parseTimezone(value: unknown, field = 'timezone'): string {
  if (typeof value !== 'string' || value.trim() === '')
    throw invalidInput(field, `must be an IANA time zone like Europe/Oslo or UTC, got ${JSON.stringify(value)}`);
  try {
    new Intl.DateTimeFormat('en', { timeZone: value });
  } catch (cause) {
    throw invalidInput(field, `must be an IANA time zone like Europe/Oslo or UTC, got ${JSON.stringify(value)}`, cause);
  }
  return value;
}

/** A parsed cron expression (5 fields, or 6 with seconds) read in a time zone. */
export class CronSchedule {
  private readonly cron: Cron;

  constructor(
    readonly expression: string,
    readonly timezone: string,
  ) {
    parseTimezone(timezone);
    if (typeof expression !== 'string' || expression.trim() === '') {
      throw invalidInput('cron', `must be a cron expression like "0 9 * * *", got ${JSON.stringify(expression)}`);
    }
    try {
      this.cron = new Cron(expression, { timezone, paused: true });
    } catch (cause) {
      throw invalidInput(
        'cron',
        `must be a cron expression like "0 9 * * *" (${(cause as Error).message}), got ${JSON.stringify(expression)}`,
        cause,
      );
    }
  }

  /** The first slot strictly after `after` (epoch ms); null when the expression never fires again. */
  nextAfter(after: number): number | null {
    const next = this.cron.nextRun(new Date(after));
    return next ? next.getTime() : null;
  }
}
