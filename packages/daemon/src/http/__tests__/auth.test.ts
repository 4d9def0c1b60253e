import { adminTokenMatcher } from '../auth';

describe('adminTokenMatcher', () => {
  const admin = 'bench_0123456789abcdef0123456789abcdef';
  const isAdmin = adminTokenMatcher(admin);

  test('takes the admin token, and nothing else', () => {
    expect(isAdmin(admin)).toBe(true);
    for (const other of [
      '',
      admin.slice(0, -1),
      `${admin}0`,
      `${admin.slice(0, -1)}X`,
      `X${admin.slice(1)}`,
      admin.toUpperCase(),
      'x'.repeat(512),
      'x'.repeat(513),
      `${admin}\u0000`,
      admin.replace('b', '\u0162'), // a character whose low byte is 'b'
    ])
      expect(isAdmin(other)).toBe(false);
  });

  test('the longest token BEARER takes (512 characters) works; an admin token it could never take matches nothing', () => {
    const longest = 'k'.repeat(512);
    expect(adminTokenMatcher(longest)(longest)).toBe(true);
    expect(adminTokenMatcher(longest)(longest.slice(1))).toBe(false);
    for (const unusable of ['k'.repeat(513), 'with space inside, 16+', 'ünïcödé-token-1234']) {
      expect(adminTokenMatcher(unusable)(unusable)).toBe(false);
    }
  });
});
