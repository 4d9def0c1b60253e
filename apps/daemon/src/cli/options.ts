import { InvalidArgumentError } from 'commander';
import { integer, parseGmid, parseLimit, toEpochMs, toGenesisError, unitInterval } from '@genesis/mind-core';

/**
 * Option and argument parsers for commander. Each one wraps a validator of mind-core (the one
 * validator of Genesis) and turns its INVALID_INPUT error into commander's InvalidArgumentError,
 * so bad input is a usage error (exit 2) printed by commander, which already names the option and
 * the value: `option '--limit <n>' argument 'abc' is invalid. must be an integer from 1 to 1000, got "abc"`.
 */

/** The validator's message without its leading `<field> `: commander names the option itself. */
function withoutField(error: unknown): string {
  const { field, message } = toGenesisError(error);
  return field !== undefined && message.startsWith(`${field} `) ? message.slice(field.length + 1) : message;
}

function asArgument<T>(validate: () => T): T {
  try {
    return validate();
  } catch (error) {
    throw new InvalidArgumentError(withoutField(error));
  }
}

const DECIMAL = /^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$/;

/** Text that reads as a decimal number becomes that number; anything else stays text, so the message quotes what was typed. */
function numeric(text: string): number | string {
  return DECIMAL.test(text) ? Number(text) : text;
}

/** `--limit <n>`: an integer from 1 to 1000. */
export function parseLimitOption(text: string): number {
  return asArgument(() => parseLimit(numeric(text), '--limit'));
}

/** A number from 0 to 1 (`--severity`, `--importance`). */
export function unitIntervalOption(flag: string): (text: string) => number {
  return (text) => asArgument(() => unitInterval(numeric(text), flag));
}

/** A time as ISO-8601 text (`--since`, `--follow-up`…), as epoch milliseconds. */
export function timeOption(flag: string): (text: string) => number {
  return (text) => asArgument(() => toEpochMs(text, flag));
}

/**
 * A GMID argument. Only letters, digits and dashes pass, so an argument can never name a path:
 * a Mind is addressed by its GMID only. The validator's `must be X, got Y` reads here as `It is not X.`,
 * after commander's `command-argument value 'Y' is invalid for argument 'gmid'.`
 */
export function parseGmidArgument(text: string): string {
  try {
    return parseGmid(text, 'gmid');
  } catch (error) {
    const detail = withoutField(error);
    const expected = /^must be (.+), got /s.exec(detail)?.[1];
    throw new InvalidArgumentError(expected !== undefined ? `It is not ${expected}.` : detail);
  }
}

/** A positive integer (`--concurrency`, `--max-attempts`, `--timeout-ms`…). */
export function positiveIntegerOption(flag: string, max = Number.MAX_SAFE_INTEGER): (text: string) => number {
  return (text) => asArgument(() => parseLimit(numeric(text), flag, max));
}

/** An integer, possibly negative (`--priority`). */
export function integerOption(flag: string): (text: string) => number {
  return (text) => asArgument(() => integer(numeric(text), flag));
}

/** JSON text (`--payload`), parsed; commander names the option, the message quotes only the start of the text. */
export function jsonOption(): (text: string) => unknown {
  return (text) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      // The parser's own message adds nothing the user can act on beyond "not JSON".
      throw new InvalidArgumentError(
        `must be JSON, like '{"key": 1}' (got ${JSON.stringify(text.slice(0, 40))}${text.length > 40 ? '…' : ''})`,
      );
    }
  };
}
