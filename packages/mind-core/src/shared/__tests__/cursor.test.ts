import { decodeCursor, encodeCursor, toPage } from '../cursor';
import { GenesisError } from '../errors';

describe('keyset cursors', () => {
  it('round-trips a position', () => {
    const c = encodeCursor({ key: 1764000000123, id: '0193-abc' });
    expect(c).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(c)).toEqual({ key: 1764000000123, id: '0193-abc' });
  });

  it.each([
    '',
    'not base64 json',
    Buffer.from('{"a":1}').toString('base64url'),
    Buffer.from('[1]').toString('base64url'),
    Buffer.from('["x","y"]').toString('base64url'),
  ])('rejects %j with INVALID_CURSOR', (bad) => {
    expect(() => decodeCursor(bad)).toThrow(GenesisError);
    expect(() => decodeCursor(bad)).toThrow(expect.objectContaining({ code: 'INVALID_CURSOR', field: 'cursor' }));
    expect(() => decodeCursor(bad)).toThrow(/pass the nextCursor of a previous page unchanged/);
  });

  it('gives a next cursor only when more rows exist', () => {
    const rows = [1, 2, 3].map((n) => ({ t: n, id: `r${n}` }));
    expect(toPage(rows, 3, (r) => ({ key: r.t, id: r.id }))).toEqual({ items: rows, nextCursor: null });
    const page = toPage(rows, 2, (r) => ({ key: r.t, id: r.id }));
    expect(page.items).toEqual(rows.slice(0, 2));
    expect(decodeCursor(page.nextCursor!)).toEqual({ key: 2, id: 'r2' });
  });
});
