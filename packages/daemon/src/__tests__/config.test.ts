import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempHome } from '@genesis/mind-core/testing';
import { resolveConfig } from '../composition/config';

let home: ReturnType<typeof tempHome>;
beforeEach(() => (home = tempHome()));
afterEach(() => home.cleanup());

describe('resolveConfig', () => {
  it('gives defaults for a home with nothing configured', () => {
    const config = resolveConfig({ overrides: { home: home.path }, env: {} });
    expect(config).toMatchObject({
      home: home.path,
      databaseUrl: join(home.path, 'genesis.db'),
      chroma: {},
      embeddings: {
        provider: 'use',
        modelDir: join(home.path, 'models'),
        allowDownload: false,
        cacheDir: join(home.path, 'cache'),
      },
      maxMessageBytes: 1024 * 1024,
      log: { level: 'info' },
    });
  });

  it('layers the config file, then the environment, then explicit options', () => {
    mkdirSync(home.path, { recursive: true });
    writeFileSync(
      join(home.path, 'genesis.config.json'),
      JSON.stringify({ maxMessageBytes: 2048, log: { level: 'debug' }, chroma: { url: 'http://127.0.0.1:9000' } }),
    );
    const env = {
      GENESIS_LOG_LEVEL: 'warn',
      GENESIS_CHROMA_TOKEN: 't0k',
      GENESIS_DATABASE_URL: 'postgres://u@127.0.0.1/db',
    };
    const config = resolveConfig({ overrides: { home: home.path, maxMessageBytes: 4096 }, env });
    expect(config.maxMessageBytes).toBe(4096);
    expect(config.log.level).toBe('warn');
    expect(config.chroma).toEqual({ url: 'http://127.0.0.1:9000', token: 't0k' });
    expect(config.databaseUrl).toBe('postgres://u@127.0.0.1/db');
    expect(resolveConfig({ env: { ...env, GENESIS_HOME: home.path } }).home).toBe(home.path);
  });

  it('refuses bad settings with INVALID_CONFIG naming the field', () => {
    expect(() => resolveConfig({ overrides: { home: home.path }, env: { GENESIS_EMBEDDINGS: 'magic' } })).toThrow(
      expect.objectContaining({ code: 'INVALID_CONFIG', field: 'embeddings.provider' }),
    );
    expect(() => resolveConfig({ overrides: { home: home.path }, env: { GENESIS_MAX_MESSAGE_BYTES: 'lots' } })).toThrow(
      expect.objectContaining({ code: 'INVALID_CONFIG', field: 'GENESIS_MAX_MESSAGE_BYTES' }),
    );
    writeFileSync(join(home.path, 'genesis.config.json'), JSON.stringify({ chroma: { port: 1 } }));
    expect(() => resolveConfig({ overrides: { home: home.path }, env: {} })).toThrow(/genesis\.config\.json/);
    writeFileSync(join(home.path, 'genesis.config.json'), '{ not json');
    expect(() => resolveConfig({ overrides: { home: home.path }, env: {} })).toThrow(
      expect.objectContaining({ code: 'INVALID_CONFIG' }),
    );
  });
});
