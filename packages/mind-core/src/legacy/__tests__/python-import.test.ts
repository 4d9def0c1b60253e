import type { LegacyRow, LegacyRowQuery, LegacyRowSource, LegacyTableInfo } from '../../ports/legacy-row-source';
import { FakeClock } from '../../testing/fake-clock';
import { createInMemoryStores } from '../../testing/in-memory-unit-of-work';
import { importPythonRows } from '../python-import';

const A = 'GMID-PYTH0000';
const B = 'GMID-PYTH0001';

/** Python tables in memory: rows per table, the Mind column found as the SQL reader finds it. */
class ArraySource implements LegacyRowSource {
  /** Fails the read of this page number (1-based, counted over all tables), once: a crash. */
  failAtPage: number | null = null;
  private pages = 0;

  constructor(private readonly data: Record<string, Array<Record<string, unknown>>>) {}

  private owner(table: string): string | null {
    if (table === 'minds') return 'gmid';
    const cols = Object.keys(this.data[table]![0] ?? {});
    return ['mind_gmid', 'owner_gmid', 'from_gmid'].find((c) => cols.includes(c)) ?? null;
  }
  private owned(table: string, gmid: string): LegacyRow[] {
    const col = this.owner(table);
    return (this.data[table] ?? [])
      .map((values, i) => ({ rowid: i + 1, values }))
      .filter((r) => col !== null && r.values[col] === gmid);
  }
  async tables(): Promise<LegacyTableInfo[]> {
    return Object.keys(this.data).map((t) => ({
      table: `python_${t}`,
      original: t,
      columns: Object.keys(this.data[t]![0] ?? {}),
      gmidColumn: this.owner(t),
    }));
  }
  async gmids(): Promise<string[]> {
    return [A, B];
  }
  async count(table: string, gmid: string): Promise<number> {
    return this.owned(table, gmid).length;
  }
  async rows(table: string, q: LegacyRowQuery): Promise<LegacyRow[]> {
    this.pages++;
    if (this.failAtPage === this.pages) {
      this.failAtPage = null;
      throw new Error('killed');
    }
    return this.owned(table, q.gmid)
      .filter((r) => r.rowid > (q.afterRowid ?? 0))
      .slice(0, q.limit);
  }
}

const time = (minute: number) => `2025-03-01 08:${String(minute).padStart(2, '0')}:00.000000`;

function home(): Record<string, Array<Record<string, unknown>>> {
  return {
    minds: [
      { gmid: A, name: 'Ada', creator: 'ann@example.com', birth_date: time(0), status: 'active' },
      { gmid: B, name: 'Bo', creator: 'bob@example.com', birth_date: time(0), status: 'active' },
    ],
    environments: [
      { env_id: 'ENV-A', name: 'Study', owner_gmid: A, env_type: 'chat', created_at: time(0), last_accessed: time(30) },
      { env_id: 'ENV-B', name: 'Study', owner_gmid: B, env_type: 'chat', created_at: time(0), last_accessed: null },
    ],
    environment_visits: [
      { id: 1, mind_gmid: A, env_id: 'ENV-A', entered_at: time(10) },
      { id: 2, mind_gmid: A, env_id: 'ENV-A', entered_at: time(40) },
      { id: 3, mind_gmid: A, env_id: 'ENV-B', entered_at: time(41) },
    ],
    conversation_messages: Array.from({ length: 11 }, (_, i) => ({
      id: i + 1,
      mind_gmid: i === 10 ? B : A,
      user_email: i % 2 ? null : i % 4 ? 'Ann@Example.com' : 'bob@example.com',
      environment_id: i === 3 ? 'ENV-A' : null,
      role: i % 2 ? 'assistant' : 'user',
      content: `message ${i}`,
      timestamp: i === 7 ? 'garbage' : time(i),
      extra_data: '{}',
    })),
    concerns: [
      {
        concern_id: 'c1',
        mind_gmid: A,
        concern_type: 'health',
        content: 'knee',
        status: 'active',
        created_at: time(1),
        next_check_at: time(50),
        check_count: 1,
      },
      { concern_id: 'c2', mind_gmid: A, concern_type: 'task', content: '', status: 'active', created_at: time(1) },
    ],
    background_tasks: [
      {
        task_id: 't1',
        mind_gmid: A,
        user_request: 'research',
        status: 'running',
        created_at: time(2),
        started_at: time(3),
      },
      // A payload over 1 MB: the store refuses it, the import goes on.
      { task_id: 't2', mind_gmid: A, user_request: 'x'.repeat(1_100_000), status: 'pending', created_at: time(2) },
      {
        task_id: 't3',
        mind_gmid: A,
        user_request: 'done',
        status: 'completed',
        created_at: time(2),
        completed_at: time(4),
      },
    ],
    thoughts: [{ id: 1, mind_gmid: A, content: 'hm', timestamp: time(5), extra_data: '{"m":0}' }],
    metaverse_state: [{ id: 1, metaverse_version: '0.1' }],
  };
}

async function setup() {
  const clock = new FakeClock(Date.UTC(2030, 0, 1));
  const { stores, unitOfWork, state } = createInMemoryStores(clock);
  return { stores, unitOfWork, state, clock };
}

describe('importPythonRows (in memory)', () => {
  it('imports every kind once, reports per table, and a second run finds everything there', async () => {
    const { stores, unitOfWork, state } = await setup();
    const source = new ArraySource(home());
    const progress: Array<[number, number]> = [];
    const report = await importPythonRows({
      source,
      unitOfWork,
      gmid: A,
      batchSize: 4,
      onProgress: (d, t) => progress.push([d, t]),
    });

    expect(report.identity).toMatchObject({ gmid: A, name: 'Ada', creator: 'ann@example.com' });
    const byTable = Object.fromEntries(report.tables.map((t) => [t.table, t]));
    expect(Object.keys(byTable)).toEqual([
      'minds',
      'environments',
      'environment_visits',
      'conversation_messages',
      'concerns',
      'background_tasks',
      'thoughts',
    ]);
    expect(byTable.conversation_messages).toMatchObject({ read: 10, moved: 9, alreadyThere: 0 });
    expect(byTable.conversation_messages!.skipped).toEqual([{ id: '8', reason: expect.stringMatching(/^timestamp/) }]);
    expect(byTable.concerns).toMatchObject({
      read: 2,
      moved: 1,
      skipped: [{ id: 'c2', reason: 'content is missing' }],
    });
    expect(byTable.background_tasks).toMatchObject({ read: 3, moved: 2 });
    expect(byTable.background_tasks!.skipped).toEqual([{ id: 't2', reason: expect.stringMatching(/payload/) }]);
    expect(report.totals).toEqual({ read: 21, moved: 18, alreadyThere: 0, skipped: 3 });
    expect(progress[progress.length - 1]).toEqual([21, 21]);

    // What is there: messages (in order, environment pointing at ours), interactions counted once.
    const env = (await stores.environments.list(A))[0]!;
    expect(env).toMatchObject({ name: 'Study', visitCount: 2, lastActiveAt: Date.parse('2025-03-01T08:40:00Z') });
    const messages = state.messages.filter((m) => m.mindId === A);
    expect(messages.map((m) => m.content)).toEqual([0, 1, 2, 3, 4, 5, 6, 8, 9].map((i) => `message ${i}`));
    expect(messages.find((m) => m.content === 'message 3')!.environmentId).toBe(env.id);
    expect(await stores.relationships.get(A, 'ann@example.com')).toMatchObject({
      interactionCount: 2,
      firstInteractionAt: Date.parse('2025-03-01T08:02:00Z'),
      lastInteractionAt: Date.parse('2025-03-01T08:06:00Z'),
    });
    expect(await stores.relationships.get(A, 'bob@example.com')).toMatchObject({ interactionCount: 3 });
    const task = state.tasks.find((t) => t.idempotencyKey === 'py:background_tasks:t1')!;
    expect(task).toMatchObject({ status: 'failed', lastError: 'imported from Python Genesis: was running' });
    expect(await stores.records.count({ mindId: A })).toBe(5); // the Mind's row, 3 visits, 1 thought
    const before = structuredClone(state);

    const again = await importPythonRows({ source, unitOfWork, gmid: A, batchSize: 3 });
    expect(again.totals).toEqual({ read: 21, moved: 0, alreadyThere: 18, skipped: 3 });
    expect(state).toEqual(before);
  });

  it('a dry run reports what would move and writes nothing', async () => {
    const { unitOfWork, state } = await setup();
    const report = await importPythonRows({ source: new ArraySource(home()), unitOfWork, gmid: A, dryRun: true });
    expect(report).toMatchObject({ dryRun: true, totals: { read: 21, moved: 18, alreadyThere: 0, skipped: 3 } });
    expect(state.messages).toEqual([]);
    expect(state.environments).toEqual([]);
    expect(state.records).toEqual([]);
  });

  it('killed part-way and run again (with another batch size): every item once, interactions counted once', async () => {
    const full = await setup();
    await importPythonRows({ source: new ArraySource(home()), unitOfWork: full.unitOfWork, gmid: A, batchSize: 4 });

    for (let page = 1; page <= 8; page++) {
      const { unitOfWork, state } = await setup();
      const source = new ArraySource(home());
      source.failAtPage = page;
      await expect(importPythonRows({ source, unitOfWork, gmid: A, batchSize: 3 })).rejects.toThrow('killed');
      const report = await importPythonRows({ source, unitOfWork, gmid: A, batchSize: 4 });
      expect(report.totals.moved + report.totals.alreadyThere).toBe(18);
      const shape = (s: typeof state) => ({
        messages: s.messages.map((m) => [m.sourceKey, m.content, m.createdAt, m.environmentId === null]),
        relationships: s.relationships.map((r) => [
          r.userEmail,
          r.interactionCount,
          r.firstInteractionAt,
          r.lastInteractionAt,
        ]),
        environments: s.environments.map((e) => [e.name, e.visitCount, e.lastActiveAt]),
        tasks: s.tasks.map((t) => [t.idempotencyKey, t.status]),
        concerns: s.concerns.map((c) => c.id),
        records: s.records.map((r) => r.sourceKey).sort(),
      });
      expect(shape(state)).toEqual(shape(full.state));
    }
  });

  it('imports another Mind apart, even one with no Mind row', async () => {
    const { unitOfWork, state } = await setup();
    const data = home();
    data.minds = data.minds!.filter((m) => m.gmid !== B);
    const report = await importPythonRows({ source: new ArraySource(data), unitOfWork, gmid: B });
    expect(report.identity).toBeNull();
    expect(report.totals).toEqual({ read: 2, moved: 2, alreadyThere: 0, skipped: 0 });
    expect(state.messages.map((m) => [m.mindId, m.content])).toEqual([[B, 'message 10']]);
    expect(state.environments.map((e) => [e.mindId, e.name])).toEqual([[B, 'Study']]);
  });
});
