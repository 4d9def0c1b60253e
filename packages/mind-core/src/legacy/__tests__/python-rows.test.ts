import { mapPythonRow, pythonTimeMs, readablePythonRow, stableId, type PythonRowMapping } from '../python-rows';

const GMID = 'GMID-PYTH0000';
const ctx = { gmid: GMID };
const at = (iso: string) => Date.parse(iso);

function as<K extends PythonRowMapping['kind']>(m: PythonRowMapping, kind: K): Extract<PythonRowMapping, { kind: K }> {
  expect(m.kind).toBe(kind);
  return m as Extract<PythonRowMapping, { kind: K }>;
}

describe('pythonTimeMs', () => {
  it('reads naive Python times as UTC, with or without fractions, and zoned ISO', () => {
    expect(pythonTimeMs('2025-03-01 08:00:00.123456')).toBe(at('2025-03-01T08:00:00.123Z'));
    expect(pythonTimeMs('2025-03-01 08:00:00')).toBe(at('2025-03-01T08:00:00Z'));
    expect(pythonTimeMs('2025-03-01T08:00:00.5+02:00')).toBe(at('2025-03-01T06:00:00.500Z'));
    expect(pythonTimeMs('2025-03-01')).toBe(at('2025-03-01T00:00:00Z'));
    expect(pythonTimeMs(1_740_816_000)).toBe(1_740_816_000_000);
    expect(pythonTimeMs('1740816000000')).toBe(1_740_816_000_000);
    expect(pythonTimeMs(new Date(5000))).toBe(5000);
  });

  it('refuses what is not a time', () => {
    for (const bad of [
      '',
      'yesterday',
      '2025-02-30 08:00:00',
      '2025-13-01 00:00:00',
      '2025-03-01 25:00:00',
      null,
      {},
      -5,
    ]) {
      expect(pythonTimeMs(bad)).toBeNull();
    }
  });
});

describe('mapPythonRow: conversation_messages', () => {
  const row = {
    id: 7,
    mind_gmid: GMID,
    user_email: 'ann@example.com',
    environment_id: 'ENV-0-0',
    role: 'user',
    content: 'hello "quoted" — ünïcødé 漢字 🌱\nsecond line',
    timestamp: '2025-03-01 08:01:00.000014',
    extra_data: '{"model":"big","tokens":10}',
  };

  it('maps time, user, environment, role and extra_data; keeps the rest under metadata.legacy', () => {
    const m = as(
      mapPythonRow('conversation_messages', row, { gmid: GMID, environmentIds: new Map([['ENV-0-0', 'e1']]) }),
      'message',
    );
    expect(m.key).toBe('py:conversation_messages:7');
    expect(m.message).toEqual({
      mindId: GMID,
      role: 'user',
      content: row.content,
      userEmail: 'ann@example.com',
      environmentId: 'e1',
      createdAt: at('2025-03-01T08:01:00.000Z'),
      sourceKey: 'py:conversation_messages:7',
      metadata: {
        model: 'big',
        tokens: 10,
        legacy: {
          table: 'conversation_messages',
          id: 7,
          environment_id: 'ENV-0-0',
          role: 'user',
          timestamp: '2025-03-01 08:01:00.000014',
        },
      },
    });
  });

  it('keeps an environment it does not know by its old id, maps other roles, keeps odd extra_data', () => {
    const m = as(
      mapPythonRow('conversation_messages', { ...row, role: 'Mind', extra_data: '[1,2]', user_email: null }, ctx),
      'message',
    );
    expect(m.message).toMatchObject({ role: 'assistant', environmentId: 'ENV-0-0', userEmail: null });
    expect(m.message.metadata).toEqual({
      legacy: expect.objectContaining({ extra_data: '[1,2]', role: 'Mind' }),
    });
    const odd = as(
      mapPythonRow('conversation_messages', { ...row, role: 'narrator', extra_data: 'not json' }, ctx),
      'message',
    );
    expect(odd.message.role).toBe('system');
    expect((odd.message.metadata!.legacy as Record<string, unknown>).extra_data).toBe('not json');
  });

  it('older rows without newer columns, and unknown columns, are kept', () => {
    const { extra_data: _x, environment_id: _e, ...older } = row;
    const m = as(mapPythonRow('conversation_messages', { ...older, sentiment: 0.4 }, ctx), 'message');
    expect(m.message.environmentId).toBeNull();
    expect(m.message.metadata).toEqual({
      legacy: { table: 'conversation_messages', id: 7, role: 'user', timestamp: row.timestamp, sentiment: 0.4 },
    });
  });

  it('skips rows with no id, no content or a bad time, naming why', () => {
    expect(mapPythonRow('conversation_messages', { ...row, id: null }, ctx)).toEqual({
      kind: 'skip',
      id: '(no id)',
      reason: 'id is missing',
    });
    expect(mapPythonRow('conversation_messages', { ...row, content: null }, ctx)).toMatchObject({
      kind: 'skip',
      id: '7',
      reason: 'content is missing',
    });
    expect(mapPythonRow('conversation_messages', { ...row, timestamp: 'soon' }, ctx)).toMatchObject({
      kind: 'skip',
      reason: expect.stringMatching(/^timestamp is not a time/),
    });
  });
});

describe('mapPythonRow: concerns', () => {
  const row = {
    concern_id: 'concern_0_1',
    mind_gmid: GMID,
    user_email: 'ann@example.com',
    concern_type: 'health',
    content: 'knee surgery',
    context: 'said on Monday',
    priority: 0.8,
    confidence: 0.6,
    status: 'monitoring',
    created_at: '2025-03-01 08:00:00.000000',
    last_checked_at: '2025-03-02 08:00:00.000000',
    next_check_at: '2025-03-03 08:00:00.000000',
    resolved_at: null,
    check_count: 2,
    follow_up_message: 'How did it go?',
    extra_data: '{"source":"conversation"}',
  };

  it('maps status, check count, times, priority → severity and urgency, with a stable id', () => {
    const m = as(mapPythonRow('concerns', row, ctx), 'concern');
    expect(m.concern).toEqual({
      id: stableId(`${GMID}/concerns/concern_0_1`),
      mindId: GMID,
      userEmail: 'ann@example.com',
      concernType: 'health',
      description: 'knee surgery',
      severity: 0.8,
      urgency: 'high',
      status: 'snoozed',
      nextCheckAt: at('2025-03-03T08:00:00Z'),
      followUpCount: 2,
      lastCheckedAt: at('2025-03-02T08:00:00Z'),
      resolvedAt: null,
      expiresAt: null,
      memoryId: null,
      createdAt: at('2025-03-01T08:00:00Z'),
      updatedAt: at('2025-03-02T08:00:00Z'),
      metadata: {
        source: 'conversation',
        legacy: {
          table: 'concerns',
          concern_id: 'concern_0_1',
          concern_type: 'health',
          context: 'said on Monday',
          priority: 0.8,
          confidence: 0.6,
          status: 'monitoring',
          created_at: row.created_at,
          last_checked_at: row.last_checked_at,
          next_check_at: row.next_check_at,
          resolved_at: null,
          check_count: 2,
          follow_up_message: 'How did it go?',
        },
      },
    });
    expect(as(mapPythonRow('concerns', row, ctx), 'concern').concern.id).toBe(m.concern.id);
    expect(as(mapPythonRow('concerns', row, { gmid: 'OTHER' }), 'concern').concern.id).not.toBe(m.concern.id);
  });

  it('a resolved concern with no next check keeps its resolution time; unknown types become personal', () => {
    const m = as(
      mapPythonRow(
        'concerns',
        {
          ...row,
          status: 'resolved',
          next_check_at: null,
          resolved_at: '2025-03-04 08:00:00.000000',
          concern_type: 'money',
          priority: null,
        },
        ctx,
      ),
      'concern',
    );
    expect(m.concern).toMatchObject({
      status: 'resolved',
      concernType: 'personal',
      nextCheckAt: at('2025-03-04T08:00:00Z'),
      resolvedAt: at('2025-03-04T08:00:00Z'),
      severity: 0.5,
      urgency: 'normal',
    });
    expect(as(mapPythonRow('concerns', { ...row, status: 'active' }, ctx), 'concern').concern.status).toBe('active');
  });

  it('skips a concern without id, content or creation time', () => {
    expect(mapPythonRow('concerns', { ...row, concern_id: '' }, ctx)).toMatchObject({ kind: 'skip' });
    expect(mapPythonRow('concerns', { ...row, content: '  ' }, ctx)).toMatchObject({ kind: 'skip', id: 'concern_0_1' });
    expect(mapPythonRow('concerns', { ...row, created_at: '2025-02-31 00:00:00' }, ctx)).toMatchObject({
      kind: 'skip',
    });
  });
});

describe('mapPythonRow: background_tasks', () => {
  const base = {
    task_id: 'bg_0_1',
    mind_gmid: GMID,
    user_email: 'ann@example.com',
    user_request: 'please research',
    status: 'completed',
    progress: 1,
    created_at: '2025-03-01 08:00:00.000000',
    started_at: '2025-03-01 08:01:00.000000',
    completed_at: '2025-03-01 08:02:00.000000',
    result: '{"summary":"done"}',
    error: null,
    retry_count: 0,
    max_retries: 2,
    context: '{"conversation_id":"conv-1"}',
    extra_data: '{}',
  };

  it('a completed task is kept as succeeded history, with its result, attempts and times', () => {
    const m = as(mapPythonRow('background_tasks', base, ctx), 'task');
    expect(m.task).toEqual({
      id: stableId(`${GMID}/background_tasks/bg_0_1`),
      mindId: GMID,
      type: 'python.background_task',
      payload: {
        userRequest: 'please research',
        userEmail: 'ann@example.com',
        context: { conversation_id: 'conv-1' },
        extraData: {},
        legacy: {
          table: 'background_tasks',
          task_id: 'bg_0_1',
          status: 'completed',
          progress: 1,
          created_at: base.created_at,
          started_at: base.started_at,
          completed_at: base.completed_at,
          result: base.result,
          error: null,
          retry_count: 0,
          max_retries: 2,
        },
      },
      status: 'succeeded',
      priority: 0,
      runAt: at('2025-03-01T08:01:00Z'),
      attempts: 1,
      maxAttempts: 3,
      leaseOwner: null,
      leaseToken: null,
      leaseExpiresAt: null,
      timeoutMs: null,
      progress: 1,
      lastError: null,
      result: { summary: 'done' },
      idempotencyKey: 'py:background_tasks:bg_0_1',
      createdAt: at('2025-03-01T08:00:00Z'),
      updatedAt: at('2025-03-01T08:02:00Z'),
      finishedAt: at('2025-03-01T08:02:00Z'),
    });
  });

  it('failed becomes dead (retryable); pending, running and retrying become failed, never run by themselves', () => {
    const failed = as(
      mapPythonRow('background_tasks', { ...base, status: 'failed', error: 'Timeout after 300s', result: null }, ctx),
      'task',
    );
    expect(failed.task).toMatchObject({
      status: 'dead',
      lastError: 'Timeout after 300s',
      result: null,
      finishedAt: at('2025-03-01T08:02:00Z'),
    });
    for (const status of ['pending', 'running', 'retrying']) {
      const m = as(
        mapPythonRow('background_tasks', { ...base, status, completed_at: null, result: null, retry_count: 1 }, ctx),
        'task',
      );
      expect(m.task).toMatchObject({
        status: 'failed',
        finishedAt: null,
        attempts: 2,
        lastError: `imported from Python Genesis: was ${status}`,
      });
    }
  });

  it('an older row (no context, no extra_data) maps; a row without creation time is skipped', () => {
    const { context: _c, extra_data: _e, ...older } = base;
    const m = as(mapPythonRow('background_tasks', older, ctx), 'task');
    expect(m.task.payload).toEqual(expect.not.objectContaining({ context: expect.anything() }));
    expect(mapPythonRow('background_tasks', { ...base, created_at: null }, ctx)).toEqual({
      kind: 'skip',
      id: 'bg_0_1',
      reason: 'created_at is missing',
    });
  });
});

describe('mapPythonRow: environments, visits, minds and records', () => {
  it('an environment goes to our store with its old id kept; kinds we do not have become other', () => {
    const m = as(
      mapPythonRow(
        'environments',
        {
          env_id: 'ENV-0-1',
          name: 'Room 0.1',
          owner_gmid: GMID,
          env_type: 'social',
          description: 'a room',
          is_public: 1,
          created_at: '2025-03-01 08:00:00.000000',
          last_accessed: '2025-03-02 08:00:00.000000',
          access_count: 3,
          extra_metadata: '{"floor":1}',
        },
        ctx,
      ),
      'environment',
    );
    expect(m).toMatchObject({
      pythonId: 'ENV-0-1',
      key: 'py:environments:ENV-0-1',
      lastActiveAt: at('2025-03-02T08:00:00Z'),
    });
    expect(m.environment).toEqual({
      mindId: GMID,
      name: 'Room 0.1',
      kind: 'other',
      description: 'a room',
      isPrimary: false,
      metadata: {
        floor: 1,
        legacy: {
          table: 'environments',
          env_id: 'ENV-0-1',
          name: 'Room 0.1',
          env_type: 'social',
          is_public: 1,
          created_at: '2025-03-01 08:00:00.000000',
          last_accessed: '2025-03-02 08:00:00.000000',
          access_count: 3,
        },
      },
    });
  });

  it('a visit is a record that names its environment; a Mind row gives its identity', () => {
    const visit = as(
      mapPythonRow(
        'environment_visits',
        { id: 4, mind_gmid: GMID, env_id: 'ENV-0-0', entered_at: '2025-03-01 08:00:00', is_owner: 1 },
        ctx,
      ),
      'visit',
    );
    expect(visit).toMatchObject({
      environment: 'ENV-0-0',
      at: at('2025-03-01T08:00:00Z'),
      key: 'py:environment_visits:4',
    });
    expect(visit.record).toMatchObject({
      namespace: 'python:environment_visits',
      kind: 'visit',
      data: { is_owner: true },
    });
    const mind = as(
      mapPythonRow(
        'minds',
        {
          gmid: GMID,
          name: 'Ödön',
          creator: 'c@example.com',
          birth_date: '2025-03-01 08:00:00',
          last_active: null,
          status: 'active',
          gen_balance: 1.5,
        },
        ctx,
      ),
      'mind',
    );
    expect(mind.identity).toEqual({
      gmid: GMID,
      name: 'Ödön',
      creator: 'c@example.com',
      birthAt: at('2025-03-01T08:00:00Z'),
      lastActiveAt: null,
      status: 'active',
      rest: { gen_balance: 1.5 },
    });
    expect(mind.record).toMatchObject({ namespace: 'python:minds', kind: 'mind', sourceKey: `py:minds:${GMID}` });
  });

  it('thoughts, transactions, Python tasks, events, relationships and files become records keyed by their old ids', () => {
    const cases: Array<[string, Record<string, unknown>, string, string]> = [
      [
        'thoughts',
        { id: 3, mind_gmid: GMID, content: 'hm', thought_type: 'insight', timestamp: '2025-03-01 08:00:00' },
        'py:thoughts:3',
        'insight',
      ],
      [
        'gen_transactions',
        { id: 1, transaction_id: 'TX-0-0', mind_gmid: GMID, timestamp: '2025-03-01 08:00:00' },
        'py:gen_transactions:TX-0-0',
        'transaction',
      ],
      [
        'tasks',
        { id: 1, task_id: 'TASK-0-0', mind_gmid: GMID, created_at: '2025-03-01 08:00:00' },
        'py:tasks:TASK-0-0',
        'task',
      ],
      [
        'shared_events',
        {
          id: 1,
          event_id: 'EVT-0',
          event_type: 'meeting',
          participant_gmids: '["a"]',
          occurred_at: '2025-03-01 08:00:00',
        },
        'py:shared_events:EVT-0',
        'meeting',
      ],
      [
        'relationships',
        { id: 2, from_gmid: GMID, to_gmid: 'X', started_at: '2025-03-01 08:00:00', shared_memories: '[]' },
        'py:relationships:2',
        'mind-relationship',
      ],
      [
        'mind_files',
        { id: 1, file_id: 'FILE-0-0', owner_gmid: GMID, created_at: '2025-03-01 08:00:00', is_private: 0 },
        'py:mind_files:FILE-0-0',
        'file',
      ],
    ];
    for (const [table, row, key, kind] of cases) {
      const m = as(mapPythonRow(table, row, ctx), 'record');
      expect(m.key).toBe(key);
      expect(m.record).toEqual({
        mindId: GMID,
        namespace: `python:${table}`,
        kind,
        data: readablePythonRow(table, row),
        createdAt: at('2025-03-01T08:00:00Z'),
        sourceKey: key,
      });
    }
    expect(readablePythonRow('shared_events', { participant_gmids: '["a"]', x: 1 })).toEqual({
      participant_gmids: ['a'],
      x: 1,
    });
    expect(mapPythonRow('thoughts', { id: 3, mind_gmid: GMID, content: 'hm', timestamp: 'never' }, ctx)).toMatchObject({
      kind: 'skip',
      id: '3',
    });
  });

  it('a table it does not know is kept as records (keyed by id, or by the digest of the row)', () => {
    const withId = as(
      mapPythonRow('dreams', { id: 5, mind_gmid: GMID, created_at: '2025-03-01 08:00:00', extra_data: '{"a":1}' }, ctx),
      'record',
    );
    expect(withId.record).toMatchObject({
      namespace: 'python:dreams',
      kind: 'row',
      sourceKey: 'py:dreams:5',
      data: { extra_data: { a: 1 } },
    });
    const a = as(mapPythonRow('dreams', { mind_gmid: GMID, text: 'x' }, ctx), 'record');
    const b = as(mapPythonRow('dreams', { mind_gmid: GMID, text: 'x' }, ctx), 'record');
    expect(a.key).toMatch(/^py:dreams:sha1-/);
    expect(a.key).toBe(b.key);
    expect(a.record.createdAt).toBeUndefined();
    expect(mapPythonRow('genesis_core', { id: 1 }, ctx)).toMatchObject({ kind: 'skip' });
  });
});
