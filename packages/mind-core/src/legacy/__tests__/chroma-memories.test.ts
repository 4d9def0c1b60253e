import { GenesisError } from '../../shared/errors';
import { buildMindService } from '../../mind/__tests__/support';
import { importLegacyChroma, legacyChromaMemory, type LegacyChromaRecord } from '../chroma-memories';
import { legacyList, legacyMemories } from '../memories';

const FALLBACK = Date.UTC(2025, 0, 1);

/** A record as the Python Genesis wrote it to Chroma: flat scalars, lists as text. */
const pythonRecord: LegacyChromaRecord = {
  id: '6f1c2d3e-0000-4000-8000-000000000001',
  document: 'Ann told me her knee surgery is on Friday',
  metadata: {
    memory_type: 'episodic',
    timestamp: '2025-03-02T10:15:00.123456',
    emotion: 'concern',
    emotion_intensity: 0.7,
    importance: 0.9,
    access_count: 4,
    last_accessed: '2025-03-05 08:00:00',
    tags: '["health", "ann"]',
    related_memories: 'mem-a, mem-b',
    user_email: 'Ann@Example.com',
    relationship_context: 'personal',
    environment_id: 'env-chat',
    environment_name: 'Chat',
    metadata: '{"source": "conversation", "turn": 12}',
    mood_at_time: 'worried',
  },
};

describe('an old Chroma record as a memory', () => {
  test('every field is mapped to ours, and the rest is kept under metadata.legacy', () => {
    const mapped = legacyChromaMemory(pythonRecord, FALLBACK);
    expect(mapped).toEqual({
      ok: true,
      memory: {
        id: '6f1c2d3e-0000-4000-8000-000000000001',
        content: 'Ann told me her knee surgery is on Friday',
        memoryType: 'episodic',
        timestamp: Date.UTC(2025, 2, 2, 10, 15, 0, 123),
        emotion: 'concern',
        emotionIntensity: 0.7,
        importance: 0.9,
        accessCount: 4,
        lastAccessed: Date.UTC(2025, 2, 5, 8),
        tags: ['health', 'ann'],
        relatedMemoryIds: ['mem-a', 'mem-b'],
        userEmail: 'ann@example.com',
        relationshipContext: 'personal',
        environmentId: 'env-chat',
        environmentName: 'Chat',
        metadata: { source: 'conversation', turn: 12, imported: true, legacy: { mood_at_time: 'worried' } },
      },
    });
  });

  test('values ours cannot hold as they are keep their original under metadata.legacy', () => {
    const mapped = legacyChromaMemory(
      {
        id: 'm-2',
        document: 'a dream about flying',
        metadata: {
          memory_type: 'MemoryType.DREAM',
          importance: 7,
          emotion_intensity: 'high',
          user_email: 'not an email',
          relationship_context: 'family',
          access_count: -1,
          last_accessed: 'someday',
          timestamp: 1740000000,
          metadata: '[1, 2]',
          id: 'other-id',
          content: 'stale copy',
        },
      },
      FALLBACK,
    );
    if (!mapped.ok) throw new Error(mapped.reason);
    expect(mapped.memory).toEqual({
      id: 'm-2',
      content: 'a dream about flying',
      memoryType: 'episodic',
      timestamp: 1740000000000,
      emotionIntensity: 0,
      importance: 1,
      tags: [],
      relatedMemoryIds: [],
      relationshipContext: 'generic',
      metadata: {
        imported: true,
        legacyType: 'dream',
        legacy: {
          importance: 7,
          emotion_intensity: 'high',
          user_email: 'not an email',
          relationship_context: 'family',
          access_count: -1,
          last_accessed: 'someday',
          metadata: '[1, 2]',
          id: 'other-id',
          content: 'stale copy',
        },
      },
    });
  });

  test('Python enum names, comma text, numeric text and a missing time', () => {
    const mapped = legacyChromaMemory(
      {
        id: 'm-3',
        document: 'how to brew tea',
        metadata: {
          memory_type: 'MemoryType.PROCEDURAL',
          tags: 'tea,  brewing ,',
          importance: '0.25',
          related_memory_ids: '[]',
        },
      },
      FALLBACK,
    );
    expect(mapped).toMatchObject({
      ok: true,
      memory: {
        memoryType: 'procedural',
        tags: ['tea', 'brewing'],
        importance: 0.25,
        relatedMemoryIds: [],
        timestamp: FALLBACK,
        metadata: { imported: true, timestampMissing: true },
      },
    });
  });

  test('a record without document text or id is refused with the reason', () => {
    expect(legacyChromaMemory({ id: 'x', document: null, metadata: {} }, FALLBACK)).toEqual({
      ok: false,
      reason: 'the record has no document text',
    });
    expect(legacyChromaMemory({ id: 'x', document: '  ', metadata: {} }, FALLBACK)).toMatchObject({ ok: false });
    expect(legacyChromaMemory({ id: '', document: 'text', metadata: {} }, FALLBACK)).toEqual({
      ok: false,
      reason: 'the record has no id',
    });
  });

  test('lists: arrays, JSON text, comma text', () => {
    expect(legacyList(['a', 1])).toEqual(['a', '1']);
    expect(legacyList('["a","b"]')).toEqual(['a', 'b']);
    expect(legacyList('[not json, b')).toEqual(['[not json', 'b']);
    expect(legacyList('')).toEqual([]);
    expect(legacyList(5)).toBeNull();
  });

  test("the old file's inline memories share the mapping: related ids and access times are kept", () => {
    const [memory] = legacyMemories(
      {
        memory: {
          memories: {
            k1: {
              content: 'Ann likes tea',
              memory_type: 'semantic',
              related_memory_ids: ['k0'],
              access_count: 2,
              last_accessed: '2025-04-01T00:00:00Z',
              tags: ['tea'],
            },
          },
        },
      },
      FALLBACK,
    );
    expect(memory).toMatchObject({
      id: 'k1',
      memoryType: 'semantic',
      relatedMemoryIds: ['k0'],
      accessCount: 2,
      lastAccessed: Date.UTC(2025, 3, 1),
      tags: ['tea'],
    });
  });
});

async function* from(records: LegacyChromaRecord[], failAfter?: number): AsyncGenerator<LegacyChromaRecord> {
  let n = 0;
  for (const r of records) {
    if (failAfter !== undefined && n === failAfter)
      throw new GenesisError(
        'LEGACY_STORE_UNREADABLE',
        'The old Chroma store /old/chroma.sqlite3 cannot be read: disk I/O error',
      );
    n += 1;
    yield r;
  }
}

const records = (n: number, type = 'semantic'): LegacyChromaRecord[] =>
  Array.from({ length: n }, (_, i) => ({
    id: `r-${i}`,
    document: `old memory number ${i}`,
    metadata: { memory_type: type, importance: 0.5, access_count: i, timestamp: 1740000000 + i },
  }));

describe('importLegacyChroma', () => {
  test('moves every record once, with its fields; a second run finds them all there', async () => {
    const { service } = buildMindService();
    const mind = await service.createMind({ name: 'Atlas' });
    const progress: number[] = [];
    const first = await importLegacyChroma({
      mind,
      records: from([pythonRecord, ...records(5)]),
      batchSize: 2,
      onProgress: (p) => progress.push(p.read),
    });
    expect(first).toEqual({ read: 6, moved: 6, alreadyThere: 0, skipped: [] });
    expect(progress).toEqual([2, 4, 6]);
    expect(await mind.memory.getMemory(pythonRecord.id)).toEqual({
      id: pythonRecord.id,
      type: 'episodic',
      content: pythonRecord.document,
      timestamp: Date.UTC(2025, 2, 2, 10, 15, 0, 123),
      emotion: 'concern',
      emotionIntensity: 0.7,
      importance: 0.9,
      accessCount: 4,
      lastAccessed: Date.UTC(2025, 2, 5, 8),
      tags: ['health', 'ann'],
      relatedMemoryIds: ['mem-a', 'mem-b'],
      userEmail: 'ann@example.com',
      relationshipContext: 'personal',
      environmentId: 'env-chat',
      environmentName: 'Chat',
      metadata: { source: 'conversation', turn: 12, imported: true, legacy: { mood_at_time: 'worried' } },
    });
    expect(mind.document.memory).toMatchObject({ totalMemories: 6, byType: { episodic: 1, semantic: 5 } });
    // Saved: the counts are in the Mind's file.
    expect((await service.loadMind(mind.gmid)).document.memory).toMatchObject({ totalMemories: 6 });

    const again = await importLegacyChroma({ mind, records: from([pythonRecord, ...records(5)]) });
    expect(again).toEqual({ read: 6, moved: 0, alreadyThere: 6, skipped: [] });
    expect(await mind.memory.countMemories()).toBe(6);
    expect(mind.document.memory).toMatchObject({ totalMemories: 6 });
  });

  test('a run killed after storing its last batch, before saving the counts: the next run (nothing to move) puts them right', async () => {
    const { service } = buildMindService();
    const mind = await service.createMind({ name: 'Atlas' });
    await importLegacyChroma({ mind, records: from(records(5)) });
    // What the killed run left: every memory in the tier, the Mind file still without their counts.
    mind.update((d) => {
      d.memory.totalMemories = 0;
      d.memory.byType = {};
    });
    await mind.save();
    const again = await importLegacyChroma({ mind, records: from(records(5)) });
    expect(again).toEqual({ read: 5, moved: 0, alreadyThere: 5, skipped: [] });
    expect((await service.loadMind(mind.gmid)).document.memory).toMatchObject({
      totalMemories: 5,
      byType: { semantic: 5 },
    });
    // Counts already right: a run that moves nothing does not save the Mind again.
    const revision = (await service.loadMind(mind.gmid)).revision;
    await importLegacyChroma({ mind, records: from(records(5)) });
    expect((await service.loadMind(mind.gmid)).revision).toBe(revision);
  });

  test('skips what cannot be stored, with the reason, and imports the rest', async () => {
    const { service } = buildMindService();
    const mind = await service.createMind({ name: 'Atlas' });
    const report = await importLegacyChroma({
      mind,
      records: from([
        { id: 'a', document: 'first', metadata: {} },
        { id: 'a', document: 'same id again', metadata: {} },
        { id: 'b', document: null, metadata: { memory_type: 'semantic' } },
        { id: 'c', document: 'huge metadata', metadata: { metadata: JSON.stringify({ blob: 'x'.repeat(20_000) }) } },
        { id: 'd', document: 'last', metadata: {} },
      ]),
    });
    expect(report.read).toBe(5);
    expect(report.moved).toBe(2);
    expect(report.skipped).toEqual([
      { id: 'a', reason: 'another record of the store has the same id' },
      { id: 'b', reason: 'the record has no document text' },
      { id: 'c', reason: expect.stringMatching(/^metadata: .*at most 16384 bytes/) },
    ]);
    expect(JSON.stringify(report)).not.toContain('xxxx');
    expect((await mind.memory.getMemory('a'))?.content).toBe('first');
  });

  test('a dry run stores nothing and counts what would move', async () => {
    const { service } = buildMindService();
    const mind = await service.createMind({ name: 'Atlas' });
    await importLegacyChroma({ mind, records: from(records(2)) });
    const dry = await importLegacyChroma({ mind, records: from(records(5)), dryRun: true });
    expect(dry).toEqual({ read: 5, moved: 3, alreadyThere: 2, skipped: [] });
    expect(await mind.memory.countMemories()).toBe(2);
    expect(mind.document.memory.totalMemories).toBe(2);
  });

  test('a dry run without a Mind yet reads and checks only; an import needs a Mind', async () => {
    const dry = await importLegacyChroma({
      mind: null,
      dryRun: true,
      records: from([...records(3), { id: 'x', document: null, metadata: {} }]),
    });
    expect(dry).toEqual({
      read: 4,
      moved: 3,
      alreadyThere: 0,
      skipped: [{ id: 'x', reason: 'the record has no document text' }],
    });
    await expect(importLegacyChroma({ mind: null, records: from(records(1)) })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      field: 'mind',
    });
  });

  test('a store that fails part way is reported; what was read before is imported', async () => {
    const { service } = buildMindService();
    const mind = await service.createMind({ name: 'Atlas' });
    const report = await importLegacyChroma({ mind, records: from(records(10), 7), batchSize: 5 });
    expect(report).toMatchObject({
      read: 7,
      moved: 7,
      failed: { code: 'LEGACY_STORE_UNREADABLE', message: expect.stringContaining('/old/chroma.sqlite3') },
    });
    expect(await mind.memory.countMemories()).toBe(7);
  });
});
