import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { resolveDatabaseUrl, resolveHome } from '../composition/home';

describe('resolveHome', () => {
  it('prefers the explicit home, then GENESIS_HOME, then ~/.genesis', () => {
    expect(resolveHome('/tmp/a', { GENESIS_HOME: '/tmp/b' })).toBe('/tmp/a');
    expect(resolveHome(undefined, { GENESIS_HOME: '/tmp/b' })).toBe('/tmp/b');
    expect(resolveHome(undefined, { GENESIS_HOME: '  ' })).toBe(join(homedir(), '.genesis'));
    expect(resolveHome(undefined, {})).toBe(join(homedir(), '.genesis'));
    expect(resolveHome('rel', {})).toBe(resolve('rel'));
  });

  it('uses GENESIS_DATABASE_URL when set, else <home>/genesis.db', () => {
    expect(resolveDatabaseUrl('/h', undefined, {})).toBe('/h/genesis.db');
    expect(resolveDatabaseUrl('/h', undefined, { GENESIS_DATABASE_URL: 'postgres://x/y' })).toBe('postgres://x/y');
    expect(resolveDatabaseUrl('/h', 'postgres://a/b', { GENESIS_DATABASE_URL: 'postgres://x/y' })).toBe(
      'postgres://a/b',
    );
  });
});
