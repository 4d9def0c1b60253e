import { GenesisError } from '../errors';
import { count, epochMs, jsonObject, jsonValue, nonEmptyText, oneOf, parseEmail, parseLimit } from '../validation';
import { toEpochMs, unitInterval } from '../validation';

/** The error a call throws (fails the test when it does not throw). */
function errorOf(fn: () => unknown): GenesisError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(GenesisError);
    return error as GenesisError;
  }
  throw new Error('expected a GenesisError');
}

describe('toEpochMs', () => {
  it('accepts Dates, epoch ms and ISO 8601 text of dates that exist', () => {
    expect(toEpochMs(new Date(Date.UTC(2026, 1, 28)), 'at')).toBe(Date.UTC(2026, 1, 28));
    expect(toEpochMs(5, 'at')).toBe(5);
    expect(toEpochMs('2026-11-24', 'at')).toBe(Date.UTC(2026, 10, 24));
    expect(toEpochMs('2026-11-24T10:00:00Z', 'at')).toBe(Date.UTC(2026, 10, 24, 10));
    expect(toEpochMs('2026-11-24T10:00:00.250+02:00', 'at')).toBe(Date.UTC(2026, 10, 24, 8, 0, 0, 250));
    expect(toEpochMs('2028-02-29', 'at')).toBe(Date.UTC(2028, 1, 29));
  });

  it.each([
    '2026-02-30',
    '2026-02-29',
    '2026-13-01',
    '2026-04-31',
    '2026-11-24T25:00:00Z',
    '2026-11-24T10:61:00Z',
    'last tuesday',
    '24/11/2026',
    '',
  ])('refuses %j, naming the field', (text) => {
    const error = errorOf(() => toEpochMs(text, 'followUpAt'));
    expect(error).toMatchObject({ code: 'INVALID_INPUT', field: 'followUpAt' });
    expect(error.message).toMatch(/^followUpAt must be a date that exists/);
  });

  it.each([Number.NaN, -1, 1.5, Number.POSITIVE_INFINITY])('refuses the number %p', (n) => {
    expect(errorOf(() => toEpochMs(n, 'at')).field).toBe('at');
  });
});

describe('jsonValue / jsonObject', () => {
  it('accepts plain JSON and treats undefined members as absent', () => {
    const value = { a: 1, b: 'x', c: [true, null, { d: 2.5 }], e: undefined };
    expect(jsonValue(value, 'metadata')).toBe(value);
    expect(jsonObject({ nested: { ok: [1, 2] } }, 'metadata')).toEqual({ nested: { ok: [1, 2] } });
  });

  it.each([
    [{ fn: () => 1 }, 'metadata.fn', /a function/],
    [{ map: new Map([['a', 1]]) }, 'metadata.map', /a Map/],
    [{ set: new Set([1]) }, 'metadata.set', /a Set/],
    [{ when: new Date(0) }, 'metadata.when', /a Date/],
    [{ n: Number.NaN }, 'metadata.n', /finite number/],
    [{ deep: { list: [1, Number.POSITIVE_INFINITY] } }, 'metadata.deep.list.1', /finite number/],
    [{ big: BigInt(1) }, 'metadata.big', /a bigint \(1n\)/],
    [{ list: [undefined] }, 'metadata.list.0', /undefined/],
  ])('refuses %p, naming the path', (value, field, message) => {
    const error = errorOf(() => jsonObject(value, 'metadata'));
    expect(error).toMatchObject({ code: 'INVALID_INPUT', field });
    expect(error.message).toMatch(message);
  });

  it('refuses cycles, non-objects and oversized objects', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(errorOf(() => jsonObject(cyclic, 'metadata')).message).toMatch(/refers back to itself/);
    expect(errorOf(() => jsonObject([1], 'metadata')).message).toMatch(/^metadata must be an object/);
    expect(errorOf(() => jsonObject({ s: 'x'.repeat(100) }, 'metadata', 50)).message).toMatch(/at most 50 bytes/);
  });
});

describe('the other checks read the same way', () => {
  it.each([
    [() => parseLimit(0), 'limit', /^limit must be an integer from 1 to 1000, got 0$/],
    [() => parseLimit(5, '--limit', 3), '--limit', /^--limit must be an integer from 1 to 3/],
    [() => unitInterval(1.5, 'severity'), 'severity', /^severity must be a number from 0 to 1, got 1.5$/],
    [() => unitInterval(Number.NaN, 'severity'), 'severity', /got NaN/],
    [() => oneOf('robot', ['user', 'assistant'], 'role'), 'role', /^role must be one of user, assistant, got "robot"$/],
    [() => nonEmptyText('   ', 'content'), 'content', /^content must be a non-empty string/],
    [() => nonEmptyText('abcdef', 'name', 3), 'name', /^name must be at most 3 characters, got 6$/],
    [() => parseEmail('nobody', 'userEmail'), 'userEmail', /^userEmail must be an email address, got "nobody"$/],
    [() => epochMs(-1, 'before'), 'before', /^before must be epoch milliseconds/],
    [() => count(2.5, 'maxAttempts'), 'maxAttempts', /^maxAttempts must be a non-negative integer, got 2.5$/],
  ])('%#: names %s', (fn, field, message) => {
    const error = errorOf(fn);
    expect(error.field).toBe(field);
    expect(error.message).toMatch(message);
  });

  it('lower-cases and trims emails', () => {
    expect(parseEmail('  Ann@Example.COM ')).toBe('ann@example.com');
  });

  it('quotes long values short', () => {
    const error = errorOf(() => oneOf('x'.repeat(500), ['a'], 'kind'));
    expect(error.message.length).toBeLessThan(200);
  });
});
