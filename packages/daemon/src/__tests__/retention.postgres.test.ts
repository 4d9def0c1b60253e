import { tempHome } from '@genesis/mind-core/testing';
import { openGenesis, type Genesis } from '../composition/open-genesis';
import { createDatabase, dropDatabase, withPostgres } from './support/postgres';

/** genesis.retention.apply on PostgreSQL: what the policy names goes, archived; with a WAL budget given per run or none. */
withPostgres('retention on PostgreSQL', () => {
  let home: ReturnType<typeof tempHome>;
  let genesis: Genesis | undefined;
  let database: string | undefined;

  beforeEach(async () => {
    let databaseUrl: string;
    ({ name: database, url: databaseUrl } = createDatabase('genesis_retention'));
    home = tempHome('genesis-retention-pg-');
    genesis = await openGenesis({
      home: home.path,
      databaseUrl,
      env: { GENESIS_EMBEDDINGS: 'hash' },
      retention: { messages: { maxPerMind: 100, archive: true }, batchSize: 50 },
    });
  });
  afterEach(async () => {
    await genesis?.close();
    genesis = undefined;
    if (database) dropDatabase(database);
    database = undefined;
    home?.cleanup();
  });

  test('keeps the newest maxPerMind, archives the rest, with or without a WAL budget', async () => {
    const mind = await genesis!.createMind({ name: 'Chatty' });
    const now = Date.now();
    await mind.conversation.addMessages(
      Array.from({ length: 1000 }, (_, i) => ({
        role: 'user' as const,
        content: `m${i}`,
        createdAt: now - (1000 - i) * 1000,
      })),
    );
    const dry = await genesis!.retention.apply({ gmid: mind.gmid, dryRun: true });
    const run = await genesis!.retention.apply({ gmid: mind.gmid, walBytesPerSecond: 256 * 1024 });
    const report = run.minds[0]!;
    if ('error' in report) throw new Error(report.error.message);
    expect('error' in dry.minds[0]! ? -1 : dry.minds[0]!.messages.removed).toBe(900);
    expect(report.messages).toMatchObject({ removed: 900, archived: 900 });
    const left = await mind.conversation.listMessages({ limit: 200 }); // newest first
    expect(left.items.map((m) => m.content)).toEqual(Array.from({ length: 100 }, (_, i) => `m${999 - i}`));

    await mind.conversation.addMessage({ role: 'user', content: 'one more' });
    const again = await genesis!.retention.apply({ gmid: mind.gmid, walBytesPerSecond: null });
    expect('error' in again.minds[0]! ? -1 : again.minds[0]!.messages.removed).toBe(1);
  });
});
