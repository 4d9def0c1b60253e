import type { MemoryBackend } from '../../ports/memory-store';
import type { UnitOfWork } from '../../ports/unit-of-work';
import {
  FakeClock,
  InMemoryMemoryCatalog,
  InMemoryMindDocumentStore,
  RecordingLogger,
  createInMemoryMemoryBackend,
} from '../../testing';
import { createInMemoryStores } from '../../testing';
import { oldMind } from '../../legacy/__tests__/old-mind.fixture';
import { MindService, MindStores, type MindOptions } from '../mind-service';

/**
 * A MindService over in-memory stores, with every dependency at hand for assertions. `clock`: a
 * clock of the test's own (default a new FakeClock); `wrapUnitOfWork`: a unit of work around the
 * stores' own (returned as `unitOfWork`).
 */
export function buildMindService(
  options: Partial<MindOptions> & {
    memory?: MindOptions['memory'];
    backend?: MemoryBackend;
    clock?: FakeClock;
    wrapUnitOfWork?: (inner: UnitOfWork) => UnitOfWork;
  } = {},
) {
  const { backend: given, clock = new FakeClock(), wrapUnitOfWork, ...rest } = options;
  const { stores, unitOfWork: inner, state } = createInMemoryStores(clock);
  const unitOfWork = wrapUnitOfWork ? wrapUnitOfWork(inner) : inner;
  const documents = new InMemoryMindDocumentStore({ clock, location: '/genesis/minds' });
  const backend = createInMemoryMemoryBackend();
  const logger = new RecordingLogger();
  const memory = given ?? backend;
  const catalog = new InMemoryMemoryCatalog();
  const service = new MindService(
    { home: '/genesis', ...rest },
    new MindStores(
      stores.minds,
      stores.messages,
      stores.concerns,
      stores.tasks,
      stores.records,
      stores.schedules,
      stores.relationships,
      stores.environments,
      catalog,
    ),
    clock,
    memory,
    documents,
    unitOfWork,
    logger,
  );
  return { service, clock, stores, state, unitOfWork, documents, backend, catalog, logger };
}

/** The old single-file Mind of the legacy tests, with two inline memories that have content. */
export function oldMindFile(gmid = 'GMID-12345678') {
  const old = oldMind({
    intelligence: { reasoning_model: 'gpt-x', openai_api_key: 'sk-old-secret' },
    memory: {
      memories: {
        a: { content: 'Ann likes tea', memory_type: 'semantic' },
        b: { content: 'We met in March', memory_type: 'episodic' },
      },
    },
  });
  return { ...old, identity: { ...old.identity, gmid } };
}
