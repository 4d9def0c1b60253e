import { iso } from '../wire';

/** `iso` writes exactly the text of `Date#toISOString`. */
describe('iso', () => {
  const DAY = 86_400_000;
  const LAST = 253_402_300_799_999; // 9999-12-31T23:59:59.999Z

  it.each([0, 1, 999, 1000, 59_999, 3_599_999, DAY - 1, DAY, DAY + 1, Date.UTC(2026, 1, 28, 23, 59, 59, 999), LAST])(
    'writes %p as toISOString does',
    (ms) => {
      expect(iso(ms)).toBe(new Date(ms).toISOString());
    },
  );

  it('agrees with toISOString over many times, across days, in any order', () => {
    let seed = 12345;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let i = 0; i < 5_000; i++) {
      const ms = i % 2 === 0 ? Math.floor(next() * LAST) : Date.UTC(2026, 0, 1) + Math.floor(next() * 3 * DAY);
      expect(iso(ms)).toBe(new Date(ms).toISOString());
    }
  });

  it('leaves null as null, and times before 1970 or after 9999 and fractions to toISOString', () => {
    expect(iso(null)).toBeNull();
    for (const ms of [-1, -DAY - 1, LAST + 1, 8.64e15, 1.5]) expect(iso(ms)).toBe(new Date(ms).toISOString());
    expect(() => iso(Number.NaN)).toThrow(RangeError);
  });
});
