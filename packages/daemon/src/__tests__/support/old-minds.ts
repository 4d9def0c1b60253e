/** How much history an old-format Mind file holds. */
export interface OldMindShape {
  turns: number;
  dreams: number;
  thoughts: number;
  transactions: number;
  memories: number;
  /** Items carry ISO timestamps from this time on (a minute apart); without it they carry none. */
  timestampsFrom?: number;
}

/** A hand-made old-format Genesis Mind file, written as an older Genesis would, with `shape` of history. */
export function oldMindWithHistory(gmid: string, shape: OldMindShape) {
  const at = (i: number, stepMs: number) =>
    shape.timestampsFrom === undefined ? {} : { timestamp: new Date(shape.timestampsFrom + i * stepMs).toISOString() };
  return {
    identity: {
      gmid,
      name: 'Old Atlas',
      digital_fingerprint: 'fp-1',
      birth_timestamp: '2025-01-10T09:00:00',
      creator: 'Ann',
      creator_email: 'ann@example.com',
      template: 'companion',
      primary_purpose: 'company',
      status: 'active',
      version: '0.9',
    },
    intelligence: { reasoning_model: 'big', fast_model: 'small', openai_api_key: 'sk-old-secret' },
    autonomy: { proactive_enabled: true, check_interval: 30 },
    state: { status: 'active', current_task: null },
    emotional_state: {
      primary_emotion: 'content',
      intensity: 0.5,
      emotions: { content: 0.5 },
      mood: 'warm',
      valence: 0.4,
      arousal: 0.2,
      last_update: '2025-06-01T00:00:00Z',
    },
    conversation_history: Array.from({ length: shape.turns }, (_, i) => ({
      role: i % 2 ? 'assistant' : 'user',
      content: `turn ${i}: ${'words '.repeat(30)}`,
      ...at(i, 60_000),
    })),
    memory: {
      memories: Object.fromEntries(
        Array.from({ length: shape.memories }, (_, i) => [
          `mem-${i}`,
          {
            id: `mem-${i}`,
            memory_type: i % 2 ? 'episodic' : 'semantic',
            content: `memory ${i} ${'detail '.repeat(50)}`,
          },
        ]),
      ),
    },
    dreams: Array.from({ length: shape.dreams }, (_, i) => ({ content: `dream ${i}`, ...at(i, 3_600_000) })),
    consciousness: {
      thought_stream: Array.from({ length: shape.thoughts }, (_, i) => `thought ${i}`),
      awareness_level: 0.7,
    },
    config: { language: 'en' },
    plugins: {
      currency: {
        enabled: true,
        balance: 42,
        transaction_history: Array.from({ length: shape.transactions }, (_, i) => ({
          amount: i,
          memo: `tx ${i}`,
          ...at(i, 1_000),
        })),
      },
    },
    legacy_extension: { anything: ['kept', 'as', 'is'] },
  };
}
