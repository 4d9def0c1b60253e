import { MEMORY_BACKEND, MEMORY_CATALOG, MindService } from '@genesis/mind-core';
import { tempHome } from '@genesis/mind-core/testing';
import { resolveConfig } from '../composition/config';
import { composeGenesis } from '../composition/container';
import { openGenesis, type Genesis } from '../composition/open-genesis';
import type { MigrationProgress } from '../home-migration/report';

/**
 * Minds whose memories were stored before the SQL catalogue existed (vectors in Chroma, no rows):
 * `genesis migrate` back-fills their catalogue with progress, a second run finds nothing to do, and
 * a Mind used without migrating is back-filled on first use. A real SQLite file and Chroma server.
 */

jest.setTimeout(120_000);

let home: ReturnType<typeof tempHome>;
let genesis: Genesis;

beforeEach(() => {
  home = tempHome();
});
afterEach(async () => {
  await genesis?.close();
  home.cleanup();
});

const config = () =>
  resolveConfig({
    overrides: { home: home.path, embeddings: { provider: 'hash' } },
    env: { GENESIS_EMBEDDINGS: 'hash' },
  });

/** A Mind with `n` memories whose catalogue rows are then removed: what a home from before the catalogue looks like. */
async function mindFromBeforeTheCatalogue(n: number) {
  const composed = await composeGenesis(config());
  try {
    return await writeOldMind(composed, n);
  } finally {
    await composed.close();
    genesis = await openGenesis({ config: config() });
  }
}

async function writeOldMind(composed: Awaited<ReturnType<typeof composeGenesis>>, n: number) {
  const mind = await composed.container.resolve(MindService).createMind({ name: 'Old' });
  const users = ['ann@example.com', 'bo@example.com', undefined];
  for (let i = 0; i < n; i += 500) {
    await mind.memory.addMemories(
      Array.from({ length: Math.min(500, n - i) }, (_, j) => ({
        content: `old memory ${i + j} of a long life`,
        memoryType: (['episodic', 'semantic', 'procedural'] as const)[(i + j) % 3]!,
        timestamp: Date.UTC(2024, 0, 1) + (i + j) * 60_000,
        importance: ((i + j) % 10) / 10,
        ...(users[(i + j) % 3] ? { userEmail: users[(i + j) % 3]! } : {}),
      })),
      { dedup: false },
    );
  }
  const { store } = await composed.container.resolve(MEMORY_BACKEND).connect();
  const [first] = await store.scan(mind.gmid, { limit: 1, offset: 0 });
  // Counters lived in Chroma's metadata before: the back-fill carries them over.
  await store.update(mind.gmid, [{ id: first!.id, metadata: { ...first!.metadata, access_count: 7 } }]);
  await composed.container.resolve(MEMORY_CATALOG).removeMind(mind.gmid);
  return { gmid: mind.gmid, touched: first!.id };
}

test('genesis migrate back-fills the catalogue of every Mind with progress; a second run has nothing to do', async () => {
  const { gmid, touched } = await mindFromBeforeTheCatalogue(2300);
  const progress: MigrationProgress[] = [];
  const report = await genesis.migrateHome({ onProgress: (p) => progress.push(p) });
  expect(report.catalogue).toEqual([
    { gmid, written: 0, settled: 0, abandoned: 0, deleted: 0, backfilled: 2300, orphaned: 0 },
  ]);
  const steps = progress.filter((p) => p.gmid === gmid && p.step === 'memory catalogue');
  expect(steps.length).toBeGreaterThan(1);
  expect(steps.at(-1)).toMatchObject({ done: 2300, total: 2300 });

  const mind = await genesis.loadMind(gmid);
  expect(await mind.memory.countMemories()).toBe(2300);
  expect(await mind.memory.countMemories({ memoryType: 'semantic' })).toBe(767);
  expect(await mind.memory.countMemories({ userEmail: 'bo@example.com' })).toBe(767);
  const recent = await mind.memory.getRecentMemories(3);
  expect(recent.map((m) => m.content)).toEqual([
    'old memory 2299 of a long life',
    'old memory 2298 of a long life',
    'old memory 2297 of a long life',
  ]);
  expect((await mind.memory.getMemory(touched))?.accessCount).toBe(7);

  const again = await genesis.migrateHome();
  expect(again.catalogue).toEqual([
    { gmid, written: 0, settled: 0, abandoned: 0, deleted: 0, backfilled: 0, orphaned: 0 },
  ]);
});

test('a Mind used without migrating is back-filled on first use', async () => {
  const { gmid } = await mindFromBeforeTheCatalogue(600);
  const mind = await genesis.loadMind(gmid);
  expect(await mind.memory.countMemories()).toBe(600);
  const important = await mind.memory.getImportantMemories(5);
  expect(important.every((m) => m.importance === 0.9)).toBe(true);
});

test('a dry run of genesis migrate does not touch the catalogue', async () => {
  const { gmid } = await mindFromBeforeTheCatalogue(50);
  const report = await genesis.migrateHome({ dryRun: true });
  expect(report.catalogue).toEqual([]);
  await genesis.close();
  const composed = await composeGenesis(config());
  try {
    expect(await composed.container.resolve(MEMORY_CATALOG).count(gmid)).toBe(0);
  } finally {
    await composed.close();
  }
  genesis = await openGenesis({ config: config() });
});
