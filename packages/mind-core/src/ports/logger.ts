/**
 * Structured logging, pino-shaped: `log.warn({ gmid, err }, 'memories not moved yet')`.
 * The app passes pino; the SDK defaults to {@link silentLogger}.
 */
export interface LogFn {
  (message: string): void;
  (fields: Record<string, unknown>, message?: string): void;
}

export interface Logger {
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
  /** A logger that adds `bindings` to every line. */
  child(bindings: Record<string, unknown>): Logger;
}

const noop: LogFn = () => undefined;

/** Drops everything: the default of the SDK, which must never write to a user's stdout. */
export const silentLogger: Logger = { debug: noop, info: noop, warn: noop, error: noop, child: () => silentLogger };
