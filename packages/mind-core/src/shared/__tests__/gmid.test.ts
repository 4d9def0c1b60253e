import { isGmid, newGmid, parseGmid } from '../gmid';

describe('GMIDs', () => {
  test('new GMIDs have the Genesis format with the year', () => {
    const gmid = newGmid(Date.UTC(2026, 5, 1));
    expect(gmid).toMatch(/^GMD-2026-[0-9A-F]{4}-[0-9A-F]{4}$/);
    expect(isGmid(gmid)).toBe(true);
    expect(newGmid(0)).not.toBe(newGmid(0));
  });

  test.each(['GMD-2026-4A7F-9B23', 'GMID-12345678', 'GMID-abCD1234'])('accepts %s', (g) =>
    expect(parseGmid(g)).toBe(g),
  );

  test.each([
    '../GMD-2026-4A7F-9B23',
    'GMD-2026-4A7F-9B23/../../x',
    'GMD-2026-4a7f-9b23',
    'GMID-123',
    'GMID-1234/678',
    '',
    'x'.repeat(300),
    42,
  ])('rejects %j with a clear INVALID_GMID error', (g) => {
    expect(() => parseGmid(g)).toThrow(
      expect.objectContaining({ code: 'INVALID_GMID', message: expect.stringContaining('GMD-{year}-{4 hex}-{4 hex}') }),
    );
  });
});
