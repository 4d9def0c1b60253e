import { InvalidArgumentError } from 'commander';
import { parseGmidArgument, parseLimitOption, timeOption, unitIntervalOption } from '../options';

/** The InvalidArgumentError a parser throws, or a failure when it returns. */
function refusal(parse: () => unknown): InvalidArgumentError {
  try {
    parse();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidArgumentError);
    return error as InvalidArgumentError;
  }
  throw new Error('expected the parser to refuse its input');
}

test('parseLimitOption turns text into a limit, with mind-core parseLimit messages minus the field', () => {
  expect(parseLimitOption('20')).toBe(20);
  expect(parseLimitOption('1000')).toBe(1000);
  expect(refusal(() => parseLimitOption('abc')).message).toBe('must be an integer from 1 to 1000, got "abc"');
  expect(refusal(() => parseLimitOption('5000')).message).toBe('must be an integer from 1 to 1000, got 5000');
  expect(refusal(() => parseLimitOption('2.5')).message).toBe('must be an integer from 1 to 1000, got 2.5');
  expect(refusal(() => parseLimitOption('')).message).toBe('must be an integer from 1 to 1000, got ""');
});

test('unitIntervalOption accepts 0..1', () => {
  const severity = unitIntervalOption('--severity');
  expect(severity('0.8')).toBe(0.8);
  expect(severity('0')).toBe(0);
  expect(severity('1')).toBe(1);
  expect(refusal(() => severity('2')).message).toBe('must be a number from 0 to 1, got 2');
  expect(refusal(() => severity('high')).message).toBe('must be a number from 0 to 1, got "high"');
});

test('timeOption reads ISO 8601 dates that exist, as epoch milliseconds', () => {
  const since = timeOption('--since');
  expect(since('2030-01-02T09:00:00Z')).toBe(Date.UTC(2030, 0, 2, 9));
  expect(since('2030-03-01')).toBe(Date.UTC(2030, 2, 1));
  expect(refusal(() => since('tomorrow')).message).toMatch(
    /^must be a date that exists \(ISO 8601 .*\), got "tomorrow"$/,
  );
  expect(refusal(() => since('2026-02-30')).message).toMatch(/got "2026-02-30"$/);
});

test('parseGmidArgument passes GMIDs and refuses anything path-like', () => {
  expect(parseGmidArgument('GMD-2026-4A7F-9B23')).toBe('GMD-2026-4A7F-9B23');
  expect(parseGmidArgument('GMID-12345678')).toBe('GMID-12345678');
  for (const text of ['../../etc/passwd', 'GMD-2026-4A7F-9B23/../x', '/home/ann/atlas.json', 'atlas.json', '']) {
    expect(refusal(() => parseGmidArgument(text)).message).toMatch(
      /^It is not a Genesis Mind id like GMD-2026-4A7F-9B23 /,
    );
  }
});
