/** An old single-file Mind as older Genesis versions wrote it, with every section; `extra` replaces sections. */
export function oldMind(extra: Record<string, unknown> = {}) {
  return {
    identity: {
      gmid: 'GMID-12345678',
      name: 'Atlas',
      birth_timestamp: '2025-02-01T08:00:00',
      creator: 'Ann',
      creator_email: 'ann@x.io',
      primary_purpose: 'help',
      favourite_colour: 'blue',
    },
    intelligence: { reasoning_model: 'gpt-x', openai_api_key: 'sk-secret', api_keys: { anthropic: 'k2' } },
    autonomy: { proactive_enabled: true },
    state: { status: 'idle' },
    emotional_state: {
      primary_emotion: 'joy',
      intensity: 0.7,
      emotions: { joy: 0.7, calm: 0.2 },
      mood: 'bright',
      valence: 0.6,
      arousal: 0.4,
      last_update: '2025-03-01T00:00:00Z',
      emotion_history: [{ e: 'joy' }, { e: 'sad' }],
    },
    conversation_history: [
      { role: 'user', content: 'hello' },
      { role: 'assistant', content: 'hi!' },
      { role: 'human', content: 'how are you', timestamp: '2025-03-02T10:00:00Z' },
      { role: 'ai', content: 'fine' },
    ],
    memory: {
      memories: { a: { memory_type: 'episodic' }, b: { memory_type: 'semantic' }, c: { memory_type: 'episodic' } },
      working_memory: ['a'],
    },
    dreams: [{ content: 'flying', timestamp: 1740000000 }],
    consciousness: { thought_stream: ['t1', 't2'], awareness: 0.8 },
    config: { locale: 'en' },
    plugins: {
      currency: { enabled: true, balance: 12, transaction_history: [{ amount: 1 }, { amount: 2 }] },
      weather: { city: 'Oslo' },
    },
    custom_top_level: { kept: true },
    ...extra,
  };
}
