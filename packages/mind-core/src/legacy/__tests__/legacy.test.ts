import { convertLegacyMind } from '../convert';
import { isLegacyMindFile } from '../detect';
import { legacyTime } from '../time';
import { oldMind } from './old-mind.fixture';
import { validateMindDocument } from '../../mind/mind-document';

const context = {
  gmid: 'GMID-12345678',
  fallbackTime: Date.UTC(2025, 0, 1),
  sourceFile: '/old/m.json',
  backupFile: '/h/minds/backup/m.json',
  now: Date.UTC(2026, 0, 1),
};

describe('old-format Mind files', () => {
  test('are recognised', () => {
    expect(isLegacyMindFile(oldMind())).toBe(true);
    expect(isLegacyMindFile({ schemaVersion: 2, identity: {} })).toBe(false);
    expect(isLegacyMindFile([1])).toBe(false);
  });

  test('old timestamps: ISO without zone is UTC, seconds and milliseconds', () => {
    expect(legacyTime('2025-02-01T08:00:00')).toBe(Date.UTC(2025, 1, 1, 8));
    expect(legacyTime('2025-02-01 08:00:00')).toBe(Date.UTC(2025, 1, 1, 8));
    expect(legacyTime(1740000000)).toBe(1740000000000);
    expect(legacyTime(1740000000123)).toBe(1740000000123);
    expect(legacyTime('garbage')).toBeNull();
  });

  test('convert to a valid compact document plus SQL rows, losing nothing', () => {
    const { document, messages, records, secrets, inlineMemories } = convertLegacyMind(oldMind(), context);
    expect(validateMindDocument(document, 'x')).toBeTruthy();
    expect(document.identity).toMatchObject({
      gmid: 'GMID-12345678',
      name: 'Atlas',
      birthTimestamp: '2025-02-01T08:00:00.000Z',
      creatorEmail: 'ann@x.io',
      primaryPurpose: 'help',
      favourite_colour: 'blue',
    });
    expect(document.emotionalState).toMatchObject({
      primaryEmotion: 'joy',
      intensity: 0.7,
      emotions: { joy: 0.7, calm: 0.2 },
      valence: 0.6,
    });
    expect(document.memory).toEqual({ totalMemories: 3, byType: { episodic: 2, semantic: 1 }, notYetMoved: 3 });
    expect(document.plugins).toEqual({ currency: { enabled: true, balance: 12 }, weather: { city: 'Oslo' } });
    expect(document).toMatchObject({
      custom_top_level: { kept: true },
      consciousness: { awareness: 0.8 },
      config: { locale: 'en' },
    });
    expect(JSON.stringify(document)).not.toMatch(/sk-secret|k2|conversation_history|transaction_history|flying/);
    expect(secrets).toEqual({
      '$.intelligence.openai_api_key': 'sk-secret',
      '$.intelligence.api_keys': { anthropic: 'k2' },
    });
    expect(inlineMemories).toBe(3);

    expect(messages.map((m) => [m.role, m.content, m.createdAt])).toEqual([
      ['user', 'hello', Date.UTC(2025, 1, 1, 8)],
      ['assistant', 'hi!', Date.UTC(2025, 1, 1, 8) + 1],
      ['user', 'how are you', Date.UTC(2025, 2, 2, 10)],
      ['assistant', 'fine', Date.UTC(2025, 2, 2, 10) + 1],
    ]);
    expect(messages[0]!.metadata).toEqual({ imported: true, legacyIndex: 0, timestampMissing: true });
    expect(messages[2]!.metadata).toEqual({ imported: true, legacyIndex: 2 });
    expect(new Set(messages.map((m) => m.sourceKey)).size).toBe(4);

    const byNamespace = (ns: string) => records.filter((r) => r.namespace === ns).map((r) => [r.kind, r.data]);
    expect(byNamespace('dreams')).toEqual([['dream', { content: 'flying', timestamp: 1740000000 }]]);
    expect(byNamespace('thoughts')).toEqual([
      ['thought', 't1'],
      ['thought', 't2'],
    ]);
    expect(byNamespace('plugin:currency')).toEqual([
      ['transaction_history', { amount: 1 }],
      ['transaction_history', { amount: 2 }],
    ]);
    expect(byNamespace('emotional_state')).toEqual([
      ['emotion_history', { e: 'joy' }],
      ['emotion_history', { e: 'sad' }],
    ]);
    expect(byNamespace('memory')).toEqual([['working_memory', 'a']]);
  });

  test('converting the same file twice gives the same idempotency keys', () => {
    const a = convertLegacyMind(oldMind(), context);
    const b = convertLegacyMind(oldMind(), { ...context, now: context.now + 5 });
    expect(b.messages.map((m) => m.sourceKey)).toEqual(a.messages.map((m) => m.sourceKey));
    expect(b.records.map((r) => r.sourceKey)).toEqual(a.records.map((r) => r.sourceKey));
  });

  test('records are made as they are iterated, the same each time, and counted up front', () => {
    const conversion = convertLegacyMind(oldMind(), context);
    const iterated = [...conversion.eachRecord()];
    expect(iterated.length).toBeGreaterThan(0);
    expect(conversion.recordCount).toBe(iterated.length);
    expect(conversion.document.legacyImport?.recordsImported).toBe(iterated.length);
    expect([...conversion.eachRecord()]).toEqual(iterated);
    expect(conversion.records).toEqual(iterated);
    // Each record is a new object: a batch written and dropped is not kept alive by the conversion.
    expect([...conversion.eachRecord()][0]).not.toBe(iterated[0]);
  });

  test('missing optional sections get defaults', () => {
    const { document, messages } = convertLegacyMind({ identity: { gmid: 'GMID-12345678', name: 'Bare' } }, context);
    expect(validateMindDocument(document, 'x').emotionalState.primaryEmotion).toBe('neutral');
    expect(document.identity.birthTimestamp).toBe(new Date(context.fallbackTime).toISOString());
    expect(messages).toEqual([]);
  });
});
