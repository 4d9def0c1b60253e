import { FakeClock, createInMemoryMemoryBackend, InMemoryMemoryCatalog } from '../../testing';
import { MemoryManager } from '../memory-manager';
import type { Memory } from '../memory-input';

const MIND = 'GMD-2026-4A7F-9B23';

describe('MemoryManager hooks', () => {
  test('onMemoriesAdded hears the memories stored, not a near-duplicate strengthened instead', async () => {
    const added: Array<[string, string[]]> = [];
    const memory = new MemoryManager(
      MIND,
      createInMemoryMemoryBackend(),
      new InMemoryMemoryCatalog(),
      new FakeClock(),
      {
        onMemoriesAdded: (mindId, memories: readonly Memory[]) => added.push([mindId, memories.map((m) => m.content)]),
      },
    );
    await memory.addMemory({ content: 'Ann loves hiking in the Alps', memoryType: 'semantic' as const });
    await memory.addMemory({ content: 'Ann loves hiking in the Alps', memoryType: 'semantic' as const }); // the same: strengthened
    await memory.addMemories([
      { content: 'Bo plays chess', memoryType: 'semantic' as const },
      { content: 'Cy bakes bread', memoryType: 'semantic' as const },
    ]);
    await memory.settle(); // told once each is checked (in the background) and kept
    // The four were checked together: the repeat merged into the first, three kept.
    expect(added).toEqual([[MIND, ['Ann loves hiking in the Alps', 'Bo plays chess', 'Cy bakes bread']]]);
  });

  test('onSearch hears each search with its duration and hit count', async () => {
    const searches: Array<{ mindId: string; ms: number; hits: number }> = [];
    const memory = new MemoryManager(
      MIND,
      createInMemoryMemoryBackend(),
      new InMemoryMemoryCatalog(),
      new FakeClock(),
      {
        onSearch: (mindId, ms, hits) => searches.push({ mindId, ms, hits }),
      },
    );
    await memory.addMemories([
      { content: 'Bo plays chess', memoryType: 'semantic' as const },
      { content: 'Cy bakes bread', memoryType: 'semantic' as const },
    ]);
    await memory.searchMemories({ query: 'chess', limit: 1 });
    await expect(memory.searchMemories({ query: '' })).rejects.toThrow(/query/);
    expect(searches).toEqual([{ mindId: MIND, ms: expect.any(Number) as number, hits: 1 }]);
    expect(searches[0]!.ms).toBeGreaterThanOrEqual(0);
  });
});
