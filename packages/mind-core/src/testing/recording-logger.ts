import type { LogFn, Logger } from '../ports/logger';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface LogLine {
  level: LogLevel;
  /** The line's fields, with the bindings of its logger (and of the loggers it is a child of). */
  fields: Record<string, unknown>;
  /** '' when the line has fields only. */
  message: string;
}

/** A Logger that keeps every line, for tests to read. Children share `lines` and add their bindings. */
export class RecordingLogger implements Logger {
  readonly debug: LogFn;
  readonly info: LogFn;
  readonly warn: LogFn;
  readonly error: LogFn;

  constructor(
    readonly lines: LogLine[] = [],
    private readonly bindings: Record<string, unknown> = {},
  ) {
    this.debug = this.logAt('debug');
    this.info = this.logAt('info');
    this.warn = this.logAt('warn');
    this.error = this.logAt('error');
  }

  child(bindings: Record<string, unknown>): RecordingLogger {
    return new RecordingLogger(this.lines, { ...this.bindings, ...bindings });
  }

  /** The lines of one level. */
  at(level: LogLevel): LogLine[] {
    return this.lines.filter((line) => line.level === level);
  }

  private logAt(level: LogLevel): LogFn {
    return (first: string | Record<string, unknown>, message?: string): void => {
      if (typeof first === 'string') this.lines.push({ level, fields: { ...this.bindings }, message: first });
      else this.lines.push({ level, fields: { ...this.bindings, ...first }, message: message ?? '' });
    };
  }
}
