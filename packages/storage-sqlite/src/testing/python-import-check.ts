import {
  readablePythonRow,
  stableId,
  type StoredMessage,
  type StoredRecord,
  type StoredTask,
} from '@genesis/mind-core';
import type { TransactionStores } from '@genesis/mind-core';
import type { PythonHome } from './python-home';
import type { SqlDatabase } from '../sql-database';

/** A naive Python time as epoch ms (UTC, microseconds dropped), computed apart from the importer's parser. */
export const naive = (text: unknown): number | null =>
  text == null ? null : Date.parse(`${String(text).replace(' ', 'T').slice(0, 23)}Z`);

const json = (text: unknown): unknown => (text == null ? null : JSON.parse(String(text)));

async function all<T>(fetch: (cursor: string | null) => Promise<{ items: T[]; nextCursor: string | null }>) {
  const items: T[] = [];
  let cursor: string | null = null;
  do {
    const page: { items: T[]; nextCursor: string | null } = await fetch(cursor);
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return items;
}

type Rows = PythonHome['rows'];

/** The matchers used here, as jest's `expect` has them (passed in: this module is built without jest's types). */
interface BaseMatchers {
  toBe(expected: unknown): void;
  toEqual(expected: unknown): void;
  toHaveLength(length: number): void;
  toMatchObject(expected: object): void;
  toBeCloseTo(expected: number, digits?: number): void;
  toBeNull(): void;
}
interface Matchers extends BaseMatchers {
  not: BaseMatchers;
}
export interface ExpectLike {
  (actual: unknown): Matchers;
  any(type: unknown): unknown;
  objectContaining(expected: object): unknown;
}

/**
 * Checks every row of every per-Mind table of the fixture, one by one, against what the import
 * stored for its Mind: messages, concerns, tasks, environments (with their visits) and records.
 * Returns how many items it checked.
 */
export async function expectEveryRowImported(
  stores: TransactionStores,
  fixture: { minds: string[]; rows: Rows },
  expect: ExpectLike,
): Promise<number> {
  const rows = fixture.rows;
  const of = (table: string, column: string, gmid: string) => (rows[table] ?? []).filter((r) => r[column] === gmid);
  let checked = 0;
  for (const gmid of fixture.minds) {
    // Environments: our store, the old id kept, visits counted, last activity the latest known.
    // (Places from other sources — a Mind file's plugin state — carry no old env_id and are not counted.)
    const environments = (await stores.environments.list(gmid)).filter(
      (e) => (e.metadata.legacy as Record<string, unknown> | undefined)?.env_id !== undefined,
    );
    const envByOldId = new Map(
      environments.map((e) => [(e.metadata.legacy as Record<string, unknown>).env_id as string, e]),
    );
    expect(environments).toHaveLength(of('environments', 'owner_gmid', gmid).length);
    for (const row of of('environments', 'owner_gmid', gmid)) {
      const env = envByOldId.get(row.env_id as string)!;
      const visits = of('environment_visits', 'mind_gmid', gmid).filter((v) => v.env_id === row.env_id);
      const times = [naive(row.last_accessed), ...visits.map((v) => naive(v.entered_at))].filter(
        (t): t is number => t !== null,
      );
      expect(env).toMatchObject({
        mindId: gmid,
        name: row.name,
        kind: 'other',
        description: row.description,
        visitCount: visits.length,
        lastActiveAt: times.length ? Math.max(...times) : null,
      });
      expect(env.metadata).toEqual({
        ...(json(row.extra_metadata) as object),
        legacy: expect.objectContaining({
          table: 'environments',
          env_id: row.env_id,
          env_type: row.env_type,
          created_at: row.created_at,
        }),
      });
      checked++;
    }

    // Messages: each by its source key, with time, user, environment, role and metadata.
    // (Messages from other sources — a Mind file's history — have other source keys and are not counted.)
    const messages = (
      await all<StoredMessage>((cursor) =>
        stores.messages.list({ mindId: gmid, limit: 100, cursor, order: 'asc', includeArchived: true }),
      )
    ).filter((msg) => msg.sourceKey?.startsWith('py:'));
    const byKey = new Map(messages.map((msg) => [msg.sourceKey, msg]));
    const expectedMessages = of('conversation_messages', 'mind_gmid', gmid);
    expect(messages).toHaveLength(expectedMessages.length);
    for (const row of expectedMessages) {
      const msg = byKey.get(`py:conversation_messages:${row.id}`);
      const env =
        row.environment_id == null ? null : (envByOldId.get(row.environment_id as string)?.id ?? row.environment_id);
      expect(msg).toEqual({
        id: expect.any(String),
        mindId: gmid,
        role: row.role,
        content: row.content,
        userEmail: row.user_email,
        environmentId: env,
        createdAt: naive(row.timestamp),
        archived: false,
        sourceKey: `py:conversation_messages:${row.id}`,
        metadata: {
          ...((json(row.extra_data) as object | null) ?? {}),
          legacy: {
            table: 'conversation_messages',
            id: row.id,
            role: row.role,
            timestamp: row.timestamp,
            ...('environment_id' in row ? { environment_id: row.environment_id } : {}),
          },
        },
      });
      checked++;
    }
    // Messages keep their order in time (ties by insertion).
    expect(messages.map((msg) => msg.sourceKey)).toEqual(
      expectedMessages.map((r) => `py:conversation_messages:${r.id}`),
    );

    // Concerns: status, check count and times mapped; stable id from the old concern_id.
    const statuses: Record<string, string> = { active: 'active', monitoring: 'snoozed', resolved: 'resolved' };
    for (const row of of('concerns', 'mind_gmid', gmid)) {
      const concern = await stores.concerns.get(gmid, stableId(`${gmid}/concerns/${row.concern_id}`));
      const created = naive(row.created_at)!;
      const resolved = naive(row.resolved_at);
      const lastChecked = naive(row.last_checked_at);
      expect(concern).not.toBeNull();
      expect(concern).toMatchObject({
        mindId: gmid,
        userEmail: row.user_email,
        concernType: row.concern_type,
        description: row.content,
        urgency: 'high',
        status: statuses[row.status as string],
        nextCheckAt: naive(row.next_check_at) ?? resolved ?? lastChecked ?? created,
        followUpCount: row.check_count,
        lastCheckedAt: lastChecked,
        resolvedAt: resolved,
        createdAt: created,
      });
      expect(concern!.severity).toBeCloseTo(row.priority as number, 5);
      expect(concern!.metadata).toEqual({
        ...(json(row.extra_data) as object),
        legacy: expect.objectContaining({
          table: 'concerns',
          concern_id: row.concern_id,
          context: row.context,
          priority: row.priority,
          confidence: row.confidence,
          follow_up_message: row.follow_up_message,
          status: row.status,
        }),
      });
      checked++;
    }
    expect(await stores.concerns.count({ mindId: gmid })).toBe(of('concerns', 'mind_gmid', gmid).length);

    // Background tasks: finished ones as history, unfinished ones failed (never claimed) and retryable.
    const tasks = await all<StoredTask>((cursor) => stores.tasks.list({ mindId: gmid, limit: 100, cursor }));
    const tasksByKey = new Map(tasks.map((t) => [t.idempotencyKey, t]));
    expect(tasks).toHaveLength(of('background_tasks', 'mind_gmid', gmid).length);
    for (const row of of('background_tasks', 'mind_gmid', gmid)) {
      const task = tasksByKey.get(`py:background_tasks:${row.task_id}`)!;
      const status = row.status as string;
      const unfinished = !['completed', 'failed'].includes(status);
      expect(task).toMatchObject({
        id: stableId(`${gmid}/background_tasks/${row.task_id}`),
        type: 'python.background_task',
        status: { completed: 'succeeded', failed: 'dead' }[status] ?? 'failed',
        attempts: (row.retry_count as number) + (row.started_at ? 1 : 0),
        maxAttempts: (row.max_retries as number) + 1,
        progress: row.progress,
        result: json(row.result),
        lastError: unfinished ? `imported from Python Genesis: was ${status}` : row.error,
        createdAt: naive(row.created_at),
        finishedAt: unfinished ? null : naive(row.completed_at),
        leaseToken: null,
      });
      expect(task.payload).toMatchObject({
        userRequest: row.user_request,
        userEmail: row.user_email,
        ...('context' in row ? { context: json(row.context) } : {}),
        legacy: expect.objectContaining({ task_id: row.task_id, status, created_at: row.created_at }),
      });
      checked++;
    }

    // Records: every row of the other tables, whole, under python:<table>, keyed by its old id.
    const recordTables: Array<[string, string, string, string]> = [
      ['minds', 'gmid', 'gmid', 'birth_date'],
      ['environment_visits', 'mind_gmid', 'id', 'entered_at'],
      ['thoughts', 'mind_gmid', 'id', 'timestamp'],
      ['tasks', 'mind_gmid', 'task_id', 'created_at'],
      ['gen_transactions', 'mind_gmid', 'transaction_id', 'timestamp'],
      ['relationships', 'from_gmid', 'id', 'started_at'],
      ['mind_files', 'owner_gmid', 'file_id', 'created_at'],
      ['shared_events', '', 'event_id', 'occurred_at'],
    ];
    for (const [table, owner, idColumn, timeColumn] of recordTables) {
      if (!rows[table]) continue;
      const records = await all<StoredRecord>((cursor) =>
        stores.records.list({ mindId: gmid, namespace: `python:${table}`, limit: 100, cursor }),
      );
      const expected =
        table === 'shared_events'
          ? rows[table]!.filter(
              (r) => (json(r.participant_gmids) as string[]).includes(gmid) || r.initiator_gmid === gmid,
            )
          : of(table, owner, gmid);
      expect({ table, n: records.length }).toEqual({ table, n: expected.length });
      const recordsByKey = new Map(records.map((r) => [r.sourceKey, r]));
      for (const row of expected) {
        const record = recordsByKey.get(`py:${table}:${row[idColumn]}`);
        expect(record).toMatchObject({ mindId: gmid, namespace: `python:${table}`, createdAt: naive(row[timeColumn]) });
        expect(record!.data).toEqual(readablePythonRow(table, row));
        checked++;
      }
    }
    // Of the Mind's users, each with the count of their messages.
    const users = new Map<string, number>();
    for (const row of expectedMessages) {
      if (row.role === 'user' && typeof row.user_email === 'string') {
        users.set(row.user_email, (users.get(row.user_email) ?? 0) + 1);
      }
    }
    for (const [email, n] of users) {
      expect(await stores.relationships.get(gmid, email)).toMatchObject({ interactionCount: n });
    }
  }
  return checked;
}

/** Every row of our tables that an import writes, for comparing two states. */
export async function ourRows(db: SqlDatabase): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const table of [
    'conversation_messages',
    'concerns',
    'background_tasks',
    'environments',
    'relationships',
    'mind_records',
  ]) {
    out[table] = await db.all(`SELECT * FROM ${table} ORDER BY id`);
  }
  return out;
}
