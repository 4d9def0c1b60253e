import type { StoredMessage } from '../../ports/message-store';
import type { RetentionStore } from '../../ports/retention-store';
import {
  FakeClock,
  InMemoryConcernStore,
  InMemoryMessageArchive,
  InMemoryMessageStore,
  InMemoryRetentionStore,
  InMemoryScheduleStore,
  InMemoryTaskStore,
  RecordingLogger,
  createInMemoryState,
} from '../../testing';
import { DAY_MS, DEFAULT_RETENTION_POLICY, mergeRetentionPolicy, type RetentionPolicyInput } from '../retention-policy';
import { RetentionService } from '../retention-service';

const A = 'GMD-2026-AAAA-0001';
const B = 'GMD-2026-BBBB-0002';
const NOW = Date.UTC(2026, 5, 1);

function setup() {
  const clock = new FakeClock(NOW);
  const state = createInMemoryState();
  const messages = new InMemoryMessageStore(clock, state);
  const concerns = new InMemoryConcernStore(clock, state);
  const tasks = new InMemoryTaskStore(clock, state);
  const schedules = new InMemoryScheduleStore(clock, state);
  const store = new InMemoryRetentionStore(clock, state);
  const archive = new InMemoryMessageArchive();
  const logger = new RecordingLogger();
  const service = new RetentionService(store, archive, clock, logger);
  return { clock, state, messages, concerns, tasks, schedules, store, archive, logger, service };
}

type Setup = ReturnType<typeof setup>;

/** `n` messages of a Mind, the i-th `i` days (and a little) old: index 0 is the newest. */
async function daysOld(s: Setup, mindId: string, n: number): Promise<StoredMessage[]> {
  await s.messages.appendMany(
    Array.from({ length: n }, (_, i) => ({
      mindId,
      role: 'user' as const,
      content: `${mindId} day ${i}`,
      createdAt: NOW - i * DAY_MS - 1000,
    })),
  );
  return s.state.messages.filter((m) => m.mindId === mindId).sort((a, b) => a.createdAt - b.createdAt);
}

const policy = (input: RetentionPolicyInput) =>
  mergeRetentionPolicy(
    DEFAULT_RETENTION_POLICY,
    {
      messages: { maxAgeDays: null, maxPerMind: null },
      concerns: { closedMaxAgeDays: null },
      tasks: { finishedMaxAgeDays: null },
      concernFires: { maxAgeDays: null },
      scheduleFires: { maxAgeDays: null },
    },
    input,
  );

describe('RetentionService: messages', () => {
  test('removes past maxAgeDays or beyond maxPerMind (whichever removes more), archived first, oldest first', async () => {
    const s = setup();
    const all = await daysOld(s, A, 50); // oldest first
    await daysOld(s, B, 50);
    s.service.fileMessages = 7; // several archive batches

    // 30 days: days 30..49 go (20). 40 newest: 10 go. The union: 20.
    const r1 = await s.service.apply(A, policy({ messages: { maxAgeDays: 30, maxPerMind: 40 }, batchSize: 3 }));
    expect(r1.messages).toMatchObject({ removed: 20, archived: 20, recovered: 0 });
    expect(r1.messages.files).toHaveLength(3);
    expect(await s.messages.count({ mindId: A, includeArchived: true })).toBe(30);
    expect(await s.messages.count({ mindId: B, includeArchived: true })).toBe(50);
    expect((await s.archive.all(A)).map((m) => m.id)).toEqual(all.slice(0, 20).map((m) => m.id));

    // 10 newest: 20 more go, and the archive holds every removed message once, in order.
    const r2 = await s.service.apply(A, policy({ messages: { maxAgeDays: 30, maxPerMind: 10 } }));
    expect(r2.messages).toMatchObject({ removed: 20, archived: 20 });
    const archived = await s.archive.all(A);
    expect(archived).toEqual(all.slice(0, 40));
    expect(new Set(archived.map((m) => m.id)).size).toBe(40);
    expect(s.state.messages.filter((m) => m.mindId === A).map((m) => m.id)).toEqual(
      all
        .slice(40)
        .map((m) => m.id)
        .reverse(),
    );
    // Nothing more to do: a rerun removes nothing and writes no file.
    const r3 = await s.service.apply(A, policy({ messages: { maxAgeDays: 30, maxPerMind: 10 } }));
    expect(r3.messages).toMatchObject({ removed: 0, archived: 0, files: [] });
  });

  test('the age counts from `now` (an injected clock), not from when the messages were written', async () => {
    const s = setup();
    await daysOld(s, A, 10);
    const p = policy({ messages: { maxAgeDays: 5 } });
    expect((await s.service.apply(A, p, { dryRun: true })).messages.removed).toBe(5);
    s.clock.advance(2 * DAY_MS);
    expect((await s.service.apply(A, p, { dryRun: true })).messages.removed).toBe(7);
    expect((await s.service.apply(A, p, { dryRun: true, now: NOW })).messages.removed).toBe(5);
  });

  test('archive: false deletes without archiving', async () => {
    const s = setup();
    await daysOld(s, A, 10);
    const r = await s.service.apply(A, policy({ messages: { maxPerMind: 4, archive: false } }));
    expect(r.messages).toMatchObject({ removed: 6, archived: 0, files: [] });
    expect(await s.archive.list(A)).toEqual([]);
  });

  test('a dry run counts exactly what a run removes, and writes nothing', async () => {
    const s = setup();
    await daysOld(s, A, 40);
    const p = policy({ messages: { maxAgeDays: 10, maxPerMind: 25 } });
    const before = JSON.stringify(s.state);
    const dry = await s.service.apply(A, p, { dryRun: true });
    expect(dry.dryRun).toBe(true);
    expect(dry.messages).toMatchObject({ removed: 30, archived: 30, files: [] });
    expect(JSON.stringify(s.state)).toBe(before);
    expect(await s.archive.list(A)).toEqual([]);
    const real = await s.service.apply(A, p);
    expect(real.messages.removed).toBe(dry.messages.removed);
  });

  test('a failed archive write deletes nothing', async () => {
    const s = setup();
    await daysOld(s, A, 10);
    s.archive.failWrites = 1;
    await expect(s.service.apply(A, policy({ messages: { maxPerMind: 5 } }))).rejects.toThrow(/archive write failed/);
    expect(await s.messages.count({ mindId: A, includeArchived: true })).toBe(10);
    expect(await s.archive.pending(A)).toEqual([]);
  });

  test('a run that dies between archiving and deleting: the next run deletes those rows, archives nothing twice', async () => {
    const s = setup();
    const all = await daysOld(s, A, 30);
    s.service.fileMessages = 10;
    // The second delete of the run fails: the first file's rows are half deleted, the batch pending.
    let calls = 0;
    const failing: RetentionStore = Object.create(s.store) as RetentionStore;
    failing.deleteMessages = async (mindId, ids) => {
      if (++calls === 2) throw new Error('killed');
      return s.store.deleteMessages(mindId, ids);
    };
    const crashing = new RetentionService(failing, s.archive, s.clock, s.logger);
    crashing.fileMessages = 10;
    const p = policy({ messages: { maxPerMind: 5 }, batchSize: 4 });
    await expect(crashing.apply(A, p)).rejects.toThrow('killed');
    expect(await s.messages.count({ mindId: A, includeArchived: true })).toBe(26);
    expect((await s.archive.pending(A)).map((b) => b.ids.length)).toEqual([10]);

    // Meanwhile an import adds a message older than all of them (it belongs in the archive too).
    const imported = await s.messages.append({
      mindId: A,
      role: 'user',
      content: 'imported',
      createdAt: NOW - 400 * DAY_MS,
    });

    const r = await s.service.apply(A, p);
    expect(r.messages.recovered).toBe(6);
    expect(await s.archive.pending(A)).toEqual([]);
    const ids = (await s.archive.all(A)).map((m) => m.id);
    expect(ids).toHaveLength(26); // 31 messages, 5 kept
    expect(new Set(ids)).toEqual(new Set([imported.id, ...all.slice(0, 25).map((m) => m.id)])); // each once
    expect(s.state.messages.map((m) => m.id).sort()).toEqual(
      all
        .slice(25)
        .map((m) => m.id)
        .sort(),
    );
    expect(s.logger.lines.some((l) => l.level === 'warn' && /left pending/.test(l.message))).toBe(true);
  });

  test('stops between batches when its signal aborts; a rerun goes on', async () => {
    const s = setup();
    await daysOld(s, A, 30);
    s.service.fileMessages = 5;
    const controller = new AbortController();
    let batches = 0;
    await expect(
      s.service.apply(A, policy({ messages: { maxPerMind: 1 } }), {
        signal: controller.signal,
        onProgress: () => {
          if (++batches === 2) controller.abort(new Error('stopping'));
        },
      }),
    ).rejects.toThrow('stopping');
    expect(await s.messages.count({ mindId: A, includeArchived: true })).toBe(20);
    const r = await s.service.apply(A, policy({ messages: { maxPerMind: 1 } }));
    expect(r.messages.removed).toBe(19);
    expect(await s.archive.all(A)).toHaveLength(29);
  });
});

describe('RetentionService: concerns, tasks, fires', () => {
  async function populate(s: Setup) {
    const statuses = ['active', 'snoozed', 'resolved', 'dismissed', 'expired'] as const;
    for (let i = 0; i < 10; i++) {
      for (const mindId of [A, B]) {
        const c = await s.concerns.insert({
          mindId,
          concernType: 'health',
          description: `c${i}`,
          nextCheckAt: NOW,
          status: statuses[i % 5]!,
        });
        // Half of them last changed 100 days ago, half yesterday.
        s.state.concerns.find((row) => row.id === c.id)!.updatedAt = NOW - (i < 5 ? 100 : 1) * DAY_MS;
      }
    }
    const taskStatuses = ['pending', 'running', 'failed', 'succeeded', 'dead', 'cancelled'] as const;
    for (let i = 0; i < 12; i++) {
      const { task } = await s.tasks.enqueue({ mindId: A, type: 'echo' });
      const row = s.state.tasks.find((t) => t.id === task.id)!;
      row.status = taskStatuses[i % 6]!;
      row.finishedAt = NOW - (i < 6 ? 40 : 2) * DAY_MS;
    }
    for (let i = 0; i < 8; i++)
      await s.concerns.recordFire({
        concernId: `x${i}`,
        mindId: A,
        userEmail: null,
        checkAt: i,
        firedAt: NOW - (i < 3 ? 200 : 1) * DAY_MS,
        taskId: null,
      });
    const mine = await s.schedules.upsert({
      mindId: A,
      name: 'm',
      cron: '0 * * * *',
      timezone: 'UTC',
      type: 'echo',
      nextRunAt: 0,
    });
    const daemon = await s.schedules.upsert({
      mindId: null,
      name: 'd',
      cron: '0 * * * *',
      timezone: 'UTC',
      type: 'echo',
      nextRunAt: 0,
    });
    for (let d = 1; d <= 6; d++) {
      await s.schedules.fireSlot(mine.id, NOW - d * 10 * DAY_MS, NOW, NOW);
      await s.schedules.fireSlot(daemon.id, NOW - d * 10 * DAY_MS, NOW, NOW);
    }
  }

  const p = policy({
    concerns: { closedMaxAgeDays: 90 },
    tasks: { finishedMaxAgeDays: 30 },
    concernFires: { maxAgeDays: 90 },
    scheduleFires: { maxAgeDays: 35 },
    batchSize: 2,
  });

  test('each store loses exactly its rows past the policy; active work and other Minds stay', async () => {
    const s = setup();
    await populate(s);
    const dry = await s.service.apply(A, p, { dryRun: true });
    const r = await s.service.apply(A, p);
    for (const report of [dry, r]) {
      // Concerns of A: closed (i%5 >= 2) and 100 days old (i < 5): i = 2, 3, 4.
      expect(report.concerns).toEqual({ removed: 3, archived: 0 });
      // Tasks: finished (succeeded, dead, cancelled) 40 days ago: 3.
      expect(report.tasks).toEqual({ removed: 3, archived: 0 });
      expect(report.concernFires).toEqual({ removed: 3, archived: 0 });
      // Slots 40, 50, 60 days ago of A's schedule (the daemon's are the home's).
      expect(report.scheduleFires).toEqual({ removed: 3, archived: 0 });
    }
    expect(
      s.state.concerns
        .filter((c) => c.mindId === A)
        .map((c) => c.description)
        .sort(),
    ).toEqual(['c0', 'c1', 'c5', 'c6', 'c7', 'c8', 'c9'].sort());
    expect(s.state.concerns.filter((c) => c.mindId === B)).toHaveLength(10);
    expect(s.state.tasks.map((t) => t.status).sort()).toEqual(
      ['pending', 'pending', 'running', 'running', 'failed', 'failed', 'succeeded', 'dead', 'cancelled'].sort(),
    );
    expect(s.state.concernFires).toHaveLength(5);
    expect(s.state.scheduleFires).toHaveLength(9);

    const home = await s.service.applyHome(p);
    expect(home.scheduleFires).toEqual({ removed: 3, archived: 0 });
    expect(s.state.scheduleFires).toHaveLength(6);
  });

  test('null ages keep everything; memories are no store of retention', async () => {
    const s = setup();
    await populate(s);
    const before = JSON.stringify(s.state);
    const r = await s.service.apply(A, policy({}));
    expect(JSON.stringify(s.state)).toBe(before);
    expect(
      Object.keys(r).filter((k) => typeof (r as unknown as Record<string, unknown>)[k] === 'object'),
    ).not.toContain('memories');
  });
});
