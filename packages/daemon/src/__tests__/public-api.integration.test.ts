import { spawnSync } from 'node:child_process';

/** Runs a CommonJS script in a fresh Node process (no jest, no reflect-metadata preloaded). */
function node(script: string): { code: number | null; stdout: string; stderr: string } {
  const res = spawnSync(process.execPath, ['-e', script], { cwd: __dirname, encoding: 'utf8', timeout: 30_000 });
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}

test('the built packages load on their own and expose what users import', () => {
  const res = node(`
    const core = require('@genesis/mind-core');
    const testing = require('@genesis/mind-core/testing');
    const daemon = require('@genesis/daemon');
    const error = new core.GenesisError('INVALID_INPUT', 'role must be one of user', { field: 'role' });
    console.log(JSON.stringify({
      episodic: core.MemoryType.EPISODIC,
      types: core.MEMORY_TYPES,
      isError: error instanceof Error,
      json: error.toJSON(),
      mapped: core.toGenesisError(new Error('raw')).code,
      testing: ['FakeClock', 'tempHome', 'createInMemoryStores', 'defineStoreContract', 'defineMemoryStoreContract', 'defineDocumentStoreContract'].filter((n) => typeof testing[n] !== 'function'),
      daemon: ['openGenesis', 'resolveConfig', 'composeGenesis'].filter((n) => typeof daemon[n] !== 'function'),
    }));
  `);
  expect(res.stderr).toBe('');
  expect(res.code).toBe(0);
  expect(JSON.parse(res.stdout)).toEqual({
    episodic: 'episodic',
    types: ['episodic', 'semantic', 'procedural', 'prospective', 'working'],
    isError: true,
    json: { name: 'GenesisError', code: 'INVALID_INPUT', message: 'role must be one of user', field: 'role' },
    mapped: 'INTERNAL_ERROR',
    testing: [],
    daemon: [],
  });
});

test('every error the SDK throws for bad input is a GenesisError with a code', () => {
  const res = node(`
    const { openGenesis } = require('@genesis/daemon');
    const { mkdtempSync, rmSync } = require('node:fs');
    const { join } = require('node:path');
    const home = mkdtempSync(join(require('node:os').tmpdir(), 'genesis-api-'));
    (async () => {
      const genesis = await openGenesis({ home, env: { GENESIS_EMBEDDINGS: 'hash' } });
      const mind = await genesis.createMind({ name: 'Probe' });
      const probes = [
        () => genesis.loadMind('../../etc/passwd'),
        () => genesis.loadMindFile('/etc/passwd'),
        () => genesis.createMind({ name: '' }),
        () => mind.conversation.addMessage({ role: 'user', content: 'x', metadata: { when: new Map() } }),
        () => mind.concerns.create({ type: 'health', description: 'x', followUpAt: '2026-02-30' }),
        () => mind.conversation.listMessages({ limit: 5, cursor: 'garbage' }),
        () => mind.memory.searchMemories({ query: '' }),
        () => genesis.findConcern('no-such-concern'),
      ];
      const seen = [];
      for (const probe of probes) {
        try { await probe(); seen.push('no error'); }
        catch (e) { seen.push(e.name + ':' + e.code + ':' + (e.message.includes('root:x') ? 'LEAK' : 'ok')); }
      }
      await genesis.close();
      rmSync(home, { recursive: true, force: true });
      console.log(JSON.stringify(seen));
    })().catch((e) => { console.error(e); process.exit(1); });
  `);
  expect(res.code).toBe(0);
  expect(JSON.parse(res.stdout)).toEqual([
    'GenesisError:INVALID_GMID:ok',
    'GenesisError:INVALID_MIND_FILE:ok',
    'GenesisError:INVALID_INPUT:ok',
    'GenesisError:INVALID_INPUT:ok',
    'GenesisError:INVALID_INPUT:ok',
    'GenesisError:INVALID_CURSOR:ok',
    'GenesisError:INVALID_INPUT:ok',
    'GenesisError:CONCERN_NOT_FOUND:ok',
  ]);
});
