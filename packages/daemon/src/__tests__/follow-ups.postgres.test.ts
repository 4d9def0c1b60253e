import { CONCERN_STORE, DEFAULT_FOLLOW_UP_POLICY, MESSAGE_STORE, UNIT_OF_WORK } from '@genesis/mind-core';
import type { Mind, StoredConcern } from '@genesis/mind-core';
import { RecordingLogger, tempHome } from '@genesis/mind-core/testing';
import { openGenesis, type Genesis } from '../composition/open-genesis';
import { resolveConfig } from '../composition/config';
import { composeGenesis, type ComposedGenesis } from '../composition/container';
import { FollowUpScanner, FOLLOW_UP_TASK } from '../runtime/follow-ups';
import { requireProgramBuilt, sleep, startProgram, until } from './fixtures/children';
import type { ProgramChild } from './fixtures/children';
import { createDatabase, dropDatabase, withPostgres } from './support/postgres';

/**
 * Follow-ups on ONE PostgreSQL database: two daemon processes (the built program) fire each of
 * 500 due checks exactly once (concern_fires and messages counted), and two scanners on two
 * connections racing over the same Mind fire each check once.
 */
const MINDS = 5;
const PER_MIND = 100;

withPostgres('follow-ups on PostgreSQL', () => {
  let home: ReturnType<typeof tempHome>;
  let genesis: Genesis | undefined;
  let database: string | undefined;
  let databaseUrl: string;
  const programs: ProgramChild[] = [];
  const composed: ComposedGenesis[] = [];

  beforeAll(() => requireProgramBuilt());
  beforeEach(async () => {
    ({ name: database, url: databaseUrl } = createDatabase('genesis_follow_ups'));
    home = tempHome('genesis-follow-ups-pg-');
    genesis = await openGenesis({ home: home.path, databaseUrl, env: { GENESIS_EMBEDDINGS: 'hash' } });
  });
  afterEach(async () => {
    for (const p of programs.splice(0)) await p.kill();
    for (const c of composed.splice(0)) await c.close();
    await genesis?.close();
    genesis = undefined;
    if (database) dropDatabase(database);
    database = undefined;
    home?.cleanup();
  });

  async function dueConcerns(mind: Mind, n: number): Promise<StoredConcern[]> {
    const past = Date.now() - 60_000;
    return mind.concerns.createMany(
      Array.from({ length: n }, (_, i) => ({
        type: 'task' as const,
        description: `check ${i} of ${mind.name}`,
        followUpAt: past + (i % 17),
        urgency: 'critical' as const,
      })),
    );
  }

  test(`two daemon processes fire each of ${MINDS * PER_MIND} due checks exactly once`, async () => {
    const minds: Mind[] = [];
    const concerns = new Map<string, StoredConcern[]>();
    for (let i = 0; i < MINDS; i++) {
      const mind = await genesis!.createMind({ name: `Shared ${i}` });
      minds.push(mind);
      concerns.set(mind.gmid, await dueConcerns(mind, PER_MIND));
    }
    for (let i = 0; i < 2; i++) {
      const child = startProgram(
        [
          '--home',
          home.path,
          'daemon',
          'start',
          '--lease-ms',
          '3000',
          '--poll-ms',
          '50',
          '--concurrency',
          '8',
          '--per-mind',
          '4',
        ],
        { env: { GENESIS_DATABASE_URL: databaseUrl } },
      );
      programs.push(child);
    }
    const delivered = async () => {
      let n = 0;
      for (const mind of minds) n += (await mind.tasks.counts()).succeeded;
      return n;
    };
    await until(async () => (await delivered()) === MINDS * PER_MIND, 'every follow-up delivered', 120_000, 200);
    await sleep(1_000); // the scanners keep polling: nothing fires twice
    let fires = 0;
    let messages = 0;
    for (const mind of minds) {
      const ids = concerns.get(mind.gmid)!.map((c) => c.id);
      const recorded = await mind.concerns.fires(ids);
      expect(new Set(recorded.map((f) => f.concernId)).size).toBe(PER_MIND);
      fires += recorded.length;
      const page = await mind.conversation.listMessages({ limit: 1000 });
      const followUps = page.items.filter((m) => m.metadata.kind === 'follow-up');
      expect(new Set(followUps.map((m) => m.metadata.concernId)).size).toBe(PER_MIND);
      messages += followUps.length;
      expect(await mind.tasks.counts()).toMatchObject({ succeeded: PER_MIND, dead: 0, pending: 0, running: 0 });
      expect((await mind.tasks.list({ type: FOLLOW_UP_TASK, limit: 1000 })).items).toHaveLength(PER_MIND);
    }
    expect(fires).toBe(MINDS * PER_MIND);
    expect(messages).toBe(MINDS * PER_MIND);
  });

  test('two scanners on two connections racing over one Mind fire each check once', async () => {
    const mind = await genesis!.createMind({ name: 'Raced' });
    const created = await dueConcerns(mind, 200);
    const scanners: FollowUpScanner[] = [];
    for (let i = 0; i < 2; i++) {
      const c = await composeGenesis(
        resolveConfig({ overrides: { home: home.path, databaseUrl }, env: { GENESIS_EMBEDDINGS: 'hash' } }),
      );
      composed.push(c);
      scanners.push(
        new FollowUpScanner(
          c.container.resolve(CONCERN_STORE),
          c.container.resolve(MESSAGE_STORE),
          null,
          c.container.resolve(UNIT_OF_WORK),
          { now: () => Date.now() },
          new RecordingLogger(),
          {
            minds: () => [mind.gmid],
            policy: DEFAULT_FOLLOW_UP_POLICY,
            timezone: null,
            maxAttempts: 5,
            pageSize: 17,
          },
        ),
      );
    }
    const [a, b] = await Promise.all(scanners.map((s) => s.tick()));
    expect(a!.failed + b!.failed).toBe(0);
    expect(a!.fired + b!.fired).toBe(200);
    // They did race: each found checks the other had fired (and rolled its own attempt back).
    expect(a!.skipped + b!.skipped).toBeGreaterThan(0);
    const fires = await mind.concerns.fires(created.map((c) => c.id));
    expect(fires).toHaveLength(200);
    expect(new Set(fires.map((f) => f.concernId)).size).toBe(200);
    expect(await mind.tasks.counts()).toMatchObject({ pending: 200 });
  });
});
