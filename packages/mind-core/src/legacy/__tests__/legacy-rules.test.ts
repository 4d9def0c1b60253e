import { convertLegacyMind } from '../convert';
import { documentBytes, LEGACY_TARGET_BYTES } from '../fit';
import { historyTimes, mergeHistories } from '../history';
import { isGrowing } from '../plugins';

describe('the generic rule for growing plugin state', () => {
  test('history-like lists, long or large lists move; short configuration lists stay', () => {
    expect(isGrowing('transaction_history', [{ amount: 1 }])).toBe(true);
    expect(isGrowing('allowed_roles', ['admin', 'user'])).toBe(false);
    expect(
      isGrowing(
        'anything',
        Array.from({ length: 21 }, (_, i) => i),
      ),
    ).toBe(true);
    expect(isGrowing('anything', ['x'.repeat(5000)])).toBe(true);
    expect(isGrowing('transaction_history', [])).toBe(false);
  });

  test('dicts of items move by name, by generated keys or by size; configuration dicts stay', () => {
    expect(isGrowing('tasks', { a: { title: 'x' } })).toBe(true);
    expect(isGrowing('whatever', { 'TASK-1a2b': { t: 1 }, 'TASK-3c4d': { t: 2 } })).toBe(true);
    expect(isGrowing('whatever', { '3f2a9c1e-1111-4222-8333-444455556666': { t: 1 } })).toBe(true);
    expect(isGrowing('models', { 'claude-3-opus': { max: 1 }, 'gpt-4o': { max: 2 } })).toBe(false);
    expect(isGrowing('settings', { theme: 'dark', size: 3 })).toBe(false);
    // A plugin's state object named like its collection is walked into, not moved.
    expect(isGrowing('tasks', { tasks: { 'TASK-1': {} }, settings: { max: 3 } })).toBe(false);
    expect(isGrowing('config', Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, { v: i }])))).toBe(
      true,
    );
  });
});

describe('history from a file and its .bak', () => {
  const h = (...xs: string[]) => xs.map((content) => ({ role: 'user', content }));
  const contents = (m: ReturnType<typeof mergeHistories>) => m.items.map((i) => `${i.from}:${(i.item as any).content}`);

  test('window shift, prefix, containment, disjoint', () => {
    expect(contents(mergeHistories(h('c', 'd', 'e'), h('a', 'b', 'c', 'd')))).toEqual([
      'backup:a',
      'backup:b',
      'file:c',
      'file:d',
      'file:e',
    ]);
    expect(mergeHistories(h('a', 'b', 'c'), h('a', 'b')).duplicates).toBe(2);
    expect(contents(mergeHistories(h('b'), h('a', 'b', 'c')))).toEqual(['backup:a', 'file:b', 'backup:c']);
    expect(contents(mergeHistories(h('x'), h('a')))).toEqual(['backup:a', 'file:x']);
    expect(mergeHistories([], h('a')).items.map((i) => i.from)).toEqual(['backup']);
  });

  test('times strictly increase, keep own times where they can, and skip taken ones', () => {
    expect(historyTimes([null, null, 100, 100, 50, null], 10)).toEqual([10, 11, 100, 101, 102, 103]);
    expect(historyTimes([null, null, null], 10, new Set([11, 12]))).toEqual([10, 13, 14]);
  });
});

describe('the size cap', () => {
  test('an old file whose unknown top-level and identity fields are huge still fits', () => {
    const conversion = convertLegacyMind(
      {
        identity: { gmid: 'GMID-12345678', name: 'Big', life_story: 'y'.repeat(45_000) },
        python_extension: { blob: 'z'.repeat(50_000) },
        conversation_history: [],
      },
      { gmid: 'GMID-12345678', fallbackTime: 0, sourceFile: 'f', backupFile: 'b', now: 0 },
    );
    expect(documentBytes(conversion.document)).toBeLessThan(LEGACY_TARGET_BYTES);
    expect(conversion.movedSections.sort()).toEqual(['identity.life_story', 'python_extension.blob']);
    expect(conversion.records.map((r) => [r.namespace, r.kind])).toEqual(
      expect.arrayContaining([
        ['legacy:identity', 'moved:life_story'],
        ['legacy:python_extension', 'moved:blob'],
      ]),
    );
  });
});
