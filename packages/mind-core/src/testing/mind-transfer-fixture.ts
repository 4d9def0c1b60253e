import type { Mind } from '../mind/mind';
import { withCatalogCounters } from '../memory/catalog-sync';
import { fromStoredVector } from '../memory/memory-codec';
import type { Memory } from '../memory/memory-input';
import type { Clock } from '../ports/clock';
import type { ConcernFire, StoredConcern } from '../ports/concern-store';
import type { EnvironmentRecord } from '../ports/environment-store';
import type { MemoryCatalogStore } from '../ports/memory-catalog';
import type { MemoryBackend } from '../ports/memory-store';
import type { StoredMessage } from '../ports/message-store';
import type { MindDocumentStore } from '../ports/mind-document-store';
import type { RegisteredMind } from '../ports/mind-registry';
import type { StoredRecord } from '../ports/record-store';
import type { RelationshipRecord } from '../ports/relationship-store';
import type { StoredSchedule } from '../ports/schedule-store';
import type { StoredTask } from '../ports/task-store';
import type { TransactionStores } from '../ports/unit-of-work';

type Stores = Pick<
  TransactionStores,
  'messages' | 'concerns' | 'tasks' | 'minds' | 'environments' | 'relationships' | 'records' | 'schedules'
>;

/**
 * Gives a Mind one or more of every kind of item an export carries: messages (archived ones,
 * non-ASCII and long ones), concerns in several states with fire records, tasks (pending,
 * succeeded with a result), a schedule, records of several namespaces, relationships,
 * environments (visited), memories with every field, and a secret. For export/import tests.
 */
export async function fillMindForTransfer(
  mind: Mind,
  stores: Pick<Stores, 'concerns' | 'records' | 'tasks' | 'messages'>,
  clock: Clock & { advance?(ms: number): unknown },
): Promise<void> {
  const gmid = mind.gmid;
  const tick = () => clock.advance?.(1000);
  const chat = await mind.environments.upsert({ name: 'chat', kind: 'chat', description: 'the app', isPrimary: true });
  await mind.environments.upsert({ name: 'mail', kind: 'email', metadata: { box: 'inbox' } });
  await mind.environments.visit('chat');
  await mind.relationships.upsert({
    email: 'ann@example.com',
    displayName: 'Ann',
    relationshipType: 'friend',
    trustLevel: 0.8,
    notes: 'likes tea',
    metadata: { timezone: 'Europe/Oslo' },
  });
  const old = clock.now();
  await mind.conversation.addMessage({ role: 'user', content: 'an old message', userEmail: 'ann@example.com' });
  tick();
  // Archived by retention: kept in SQL with archived = true, and exported.
  await stores.messages.archiveBefore(gmid, old + 1);
  await mind.conversation.addMessages([
    { role: 'user', content: 'Grüße aus Köln — 日本語 ✓', userEmail: 'ann@example.com', environmentId: chat.id },
    { role: 'assistant', content: 'x'.repeat(70_000), metadata: { model: 'm', tokens: [1, 2] } },
    { role: 'user', content: 'hi from bob', userEmail: 'bob@example.com' },
    { role: 'system', content: 'be kind' },
  ]);
  tick();
  const knee = await mind.concerns.create({
    type: 'health',
    description: 'knee surgery',
    userEmail: 'ann@example.com',
    followUpAt: clock.now() + 60_000,
    severity: 0.7,
    urgency: 'high',
    metadata: { where: 'clinic' },
  });
  const taxes = await mind.concerns.create({ type: 'task', description: 'taxes', followUpAt: clock.now() + 120_000 });
  await mind.concerns.create({ type: 'emotion', description: 'sad', followUpAt: clock.now() + 180_000 });
  await mind.concerns.resolve(taxes.id, 'done');
  const followUp = await mind.tasks.enqueue({ type: 'concern.follow-up', payload: { concernId: knee.id } });
  await stores.concerns.recordFire({
    concernId: knee.id,
    mindId: gmid,
    userEmail: 'ann@example.com',
    checkAt: knee.nextCheckAt,
    firedAt: clock.now(),
    taskId: followUp.task.id,
  });
  await mind.concerns.recordCheck(knee.id, clock.now() + 3_600_000);
  tick();
  await mind.tasks.enqueue({ type: 'echo', payload: { hello: 'world' }, idempotencyKey: 'k-1', priority: 3 });
  const [claimed] = await stores.tasks.claim({ owner: 'w', now: clock.now(), leaseMs: 30_000, limit: 1 });
  if (claimed)
    await stores.tasks.completeMany(
      [{ lease: { id: claimed.id, token: claimed.leaseToken! }, result: { ok: 1 } }],
      clock.now(),
    );
  await mind.schedules.upsert({
    name: 'digest',
    cron: '0 21 * * *',
    type: 'echo',
    payload: { n: 1 },
    timezone: 'Europe/Oslo',
  });
  await stores.records.appendMany([
    { mindId: gmid, namespace: 'dreams', kind: 'dream', data: { text: 'flying' }, sourceKey: 'dream-1' },
    { mindId: gmid, namespace: 'plugin:gen', kind: 'transaction', data: { amount: 5 } },
    { mindId: gmid, namespace: 'thoughts', kind: 'thought', data: 'plain text' },
  ]);
  await mind.memory.addMemory({
    content: 'Ann loves strong black coffee',
    memoryType: 'semantic',
    importance: 0.9,
    emotion: 'joy',
    emotionIntensity: 0.6,
    tags: ['ann', 'coffee'],
    relatedMemoryIds: ['x-1'],
    userEmail: 'ann@example.com',
    relationshipContext: 'personal',
    environmentId: chat.id,
    environmentName: 'chat',
    metadata: { source: 'chat', nested: { a: [1, 2] } },
    timestamp: clock.now() - 86_400_000,
  });
  await mind.memory.addMemory({ content: 'The team meeting moved to Thursday', memoryType: 'episodic' });
  await mind.memory.searchMemories({ query: 'coffee', limit: 1 }); // an access: accessCount and lastAccessed
  mind.update((doc) => {
    doc.plugins.weather = { enabled: true, api_key: 'sk-secret-weather' };
  });
  await mind.save();
}

/** Every item of a Mind as its stores hold it, each list sorted by id: what a round trip must keep. */
export interface MindSnapshot {
  document: unknown;
  registry: Pick<RegisteredMind, 'gmid' | 'name' | 'status'> | null;
  secrets: Record<string, unknown>;
  environments: EnvironmentRecord[];
  relationships: RelationshipRecord[];
  messages: StoredMessage[];
  concerns: StoredConcern[];
  fires: ConcernFire[];
  tasks: StoredTask[];
  schedules: StoredSchedule[];
  records: StoredRecord[];
  memories: Memory[];
}

/** Reads every item of a Mind straight from its stores (not through an export). */
export async function snapshotMind(
  ports: { stores: Stores; documents: MindDocumentStore; memory: MemoryBackend; memoryCatalog: MemoryCatalogStore },
  gmid: string,
): Promise<MindSnapshot> {
  const { stores, documents, memory, memoryCatalog } = ports;
  const all = async <T>(list: (cursor: string | null) => Promise<{ items: T[]; nextCursor: string | null }>) => {
    const out: T[] = [];
    let cursor: string | null = null;
    do {
      const page = await list(cursor);
      out.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    return out;
  };
  const byId = <T extends { id: string }>(rows: T[]) => rows.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const concerns = await all((cursor) => stores.concerns.list({ mindId: gmid, limit: 100, cursor }));
  const { store, embedder } = await memory.connect();
  await store.open(gmid, { provider: embedder.name, dimension: embedder.dimension }, { allowMismatch: true });
  const vectors = [];
  for (let offset = 0; ; offset += 100) {
    const rows = await store.scan(gmid, { limit: 100, offset });
    vectors.push(...rows);
    if (rows.length < 100) break;
  }
  const registered = await stores.minds.get(gmid);
  return {
    document: (await documents.read(gmid))?.value ?? null,
    registry: registered ? { gmid: registered.gmid, name: registered.name, status: registered.status } : null,
    secrets: await documents.readSecrets(gmid),
    environments: byId(await stores.environments.list(gmid)),
    relationships: byId(await all((cursor) => stores.relationships.list({ mindId: gmid, limit: 100, cursor }))),
    messages: byId(
      await all((cursor) => stores.messages.list({ mindId: gmid, includeArchived: true, limit: 100, cursor })),
    ),
    concerns: byId(concerns),
    fires: await stores.concerns.fires(
      gmid,
      concerns.map((c) => c.id),
    ),
    tasks: byId(await all((cursor) => stores.tasks.list({ mindId: gmid, limit: 100, cursor }))),
    schedules: byId(await all((cursor) => stores.schedules.list({ mindId: gmid, limit: 100, cursor }))),
    records: byId(await all((cursor) => stores.records.listAll({ mindId: gmid, limit: 100, cursor }))),
    memories: byId(
      await withCatalogCounters(
        memoryCatalog,
        gmid,
        vectors.map((v) => fromStoredVector(v)),
      ),
    ),
  };
}
