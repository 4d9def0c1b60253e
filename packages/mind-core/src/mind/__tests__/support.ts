import type { MemoryBackend } from '../../ports/memory-store';
import {
  FakeClock,
  InMemoryMindDocumentStore,
  RecordingLogger,
  createInMemoryMemoryBackend,
  createInMemoryStores,
} from '../../testing';
import { MindService, type MindOptions } from '../mind-service';

/** A MindService over in-memory stores, with every dependency at hand for assertions. */
export function buildMindService(
  options: Partial<MindOptions> & { memory?: MindOptions['memory']; backend?: MemoryBackend } = {},
) {
  const clock = new FakeClock();
  const { stores, unitOfWork, state } = createInMemoryStores(clock);
  const documents = new InMemoryMindDocumentStore({ clock, location: '/genesis/minds' });
  const backend = createInMemoryMemoryBackend();
  const logger = new RecordingLogger();
  const { backend: memory = backend, ...rest } = options;
  const service = new MindService(
    { home: '/genesis', ...rest },
    stores.minds,
    stores.messages,
    stores.concerns,
    stores.tasks,
    stores.records,
    clock,
    memory,
    documents,
    unitOfWork,
    logger,
  );
  return { service, clock, stores, state, unitOfWork, documents, backend, logger };
}

/** An old single-file Mind, as older Genesis versions wrote it. */
export function oldMindFile(gmid = 'GMID-12345678') {
  return {
    identity: {
      gmid,
      name: 'Atlas',
      birth_timestamp: '2025-02-01T08:00:00',
      creator: 'Ann',
      creator_email: 'ann@x.io',
    },
    intelligence: { reasoning_model: 'gpt-x', openai_api_key: 'sk-old-secret' },
    emotional_state: {
      primary_emotion: 'joy',
      intensity: 0.7,
      emotions: { joy: 0.7 },
      mood: 'bright',
      valence: 0.6,
      arousal: 0.4,
      last_update: '2025-03-01T00:00:00Z',
    },
    conversation_history: [
      { role: 'user', content: 'hello' },
      { role: 'assistant', content: 'hi!' },
      { role: 'human', content: 'how are you', timestamp: '2025-03-02T10:00:00Z' },
      { role: 'ai', content: 'fine' },
    ],
    memory: {
      memories: {
        a: { content: 'Ann likes tea', memory_type: 'semantic' },
        b: { content: 'We met in March', memory_type: 'episodic' },
      },
    },
    dreams: [{ content: 'flying', timestamp: 1740000000 }],
    plugins: { currency: { enabled: true, transaction_history: [{ amount: 1 }, { amount: 2 }] } },
  };
}
