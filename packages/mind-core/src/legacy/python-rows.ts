import type { ConcernStatus, ConcernType, ConcernUrgency, StoredConcern } from '../ports/concern-store';
import { CONCERN_STATUSES, CONCERN_TYPES } from '../ports/concern-store';
import type { EnvironmentInput, EnvironmentKind } from '../ports/environment-store';
import { ENVIRONMENT_KINDS } from '../ports/environment-store';
import type { MessageRole, NewMessage } from '../ports/message-store';
import type { EpochMs } from '../ports/page';
import type { NewRecord } from '../ports/record-store';
import type { StoredTask, TaskStatus } from '../ports/task-store';
import { hashText } from './values';

/**
 * How each row of the tables the Python Genesis wrote into `genesis.db` becomes ours — pure
 * functions, no store: `mapPythonRow(table, row, context)` says what to write, or why the row is
 * skipped. Every mapped item carries a key from its source (`py:<table>:<old id>`) that makes its
 * import idempotent: messages and records by sourceKey, tasks by idempotencyKey, concerns by an id
 * derived from the Mind and the old concern_id, environments by the old env_id kept in metadata.
 *
 * Nothing of a row is lost: what has a place of ours goes there; every other column is kept, as
 * the database held it, under `legacy` (in metadata, a task's payload or a record's data).
 */

/** The per-Mind tables, in the order they are imported (environments before what refers to them). */
export const PYTHON_IMPORT_ORDER = [
  'minds',
  'environments',
  'environment_visits',
  'conversation_messages',
  'concerns',
  'background_tasks',
  'thoughts',
  'tasks',
  'gen_transactions',
  'shared_events',
  'relationships',
  'mind_files',
] as const;

/** Tables of the whole home, not of one Mind: never imported per Mind. */
export const PYTHON_HOME_TABLES = ['metaverse_state', 'genesis_core'] as const;

/** The task type of an imported Python background task (a user request the old Mind worked on). */
export const PYTHON_TASK_TYPE = 'python.background_task';

/** The record namespace of a Python table: `python:<table>`. */
export const pythonNamespace = (table: string): string => `python:${table}`;

/** The source key of a Python row: `py:<table>:<id>`. */
export const pythonSourceKey = (table: string, id: string): string => `py:${table}:${id}`;

/** The identity of a Mind as the Python `minds` table held it, for whoever creates or loads the Mind. */
export interface PythonMindIdentity {
  gmid: string;
  name: string | null;
  creator: string | null;
  birthAt: EpochMs | null;
  lastActiveAt: EpochMs | null;
  status: string | null;
  /** Every other column, as the database held it (JSON columns parsed). */
  rest: Record<string, unknown>;
}

export interface PythonRowContext {
  /** The Mind being imported: the owner of every item. */
  gmid: string;
  /** Python env_id → the id of our environment imported from it (messages and visits point there). */
  environmentIds?: ReadonlyMap<string, string>;
}

/** What one Python row becomes. */
export type PythonRowMapping =
  | { kind: 'message'; key: string; message: NewMessage & { createdAt: EpochMs; sourceKey: string } }
  | { kind: 'concern'; key: string; concern: StoredConcern }
  | { kind: 'task'; key: string; task: StoredTask }
  | { kind: 'record'; key: string; record: NewRecord & { sourceKey: string } }
  | {
      kind: 'environment';
      key: string;
      /** The Python env_id (kept as `metadata.legacy.env_id`). */
      pythonId: string;
      environment: EnvironmentInput & { metadata: Record<string, unknown> };
      lastActiveAt: EpochMs | null;
    }
  | {
      kind: 'visit';
      key: string;
      record: NewRecord & { sourceKey: string };
      /** The environment visited (Python env_id) and when. */
      environment: string | null;
      at: EpochMs;
    }
  | { kind: 'mind'; key: string; identity: PythonMindIdentity; record: NewRecord & { sourceKey: string } }
  | { kind: 'skip'; id: string; reason: string };

/** Columns holding JSON text, per table (anything else named extra_data / extra_metadata is JSON too). */
const JSON_COLUMNS: Record<string, readonly string[]> = {
  environments: ['current_inhabitants', 'invited_minds', 'allowed_users', 'allowed_minds', 'extra_metadata'],
  relationships: ['shared_experiences', 'shared_memories', 'shared_environments'],
  shared_events: ['participant_gmids', 'insights_gained', 'artifacts_created', 'extra_metadata'],
  metaverse_state: ['daily_stats', 'feature_flags'],
  mind_files: ['shared_with', 'tags', 'extra_metadata'],
  genesis_core: ['rules'],
  background_tasks: ['result', 'context', 'extra_data'],
};
/** Columns holding booleans (0/1 on SQLite), per table. */
const BOOLEAN_COLUMNS: Record<string, readonly string[]> = {
  environments: ['is_public', 'is_shared'],
  environment_visits: ['is_owner'],
  mind_files: ['is_private'],
};
const isJsonColumn = (table: string, column: string) =>
  (JSON_COLUMNS[table] ?? []).includes(column) || column === 'extra_data' || column === 'extra_metadata';

/** Per record table: the kind of its records, its id column and its time column. */
const RECORD_TABLES: Record<string, { kind: (row: Record<string, unknown>) => string; id: string; time: string }> = {
  thoughts: { kind: (r) => textOr(r.thought_type, 'thought'), id: 'id', time: 'timestamp' },
  tasks: { kind: () => 'task', id: 'task_id', time: 'created_at' },
  gen_transactions: { kind: (r) => textOr(r.transaction_type, 'transaction'), id: 'transaction_id', time: 'timestamp' },
  shared_events: { kind: (r) => textOr(r.event_type, 'event'), id: 'event_id', time: 'occurred_at' },
  relationships: { kind: () => 'mind-relationship', id: 'id', time: 'started_at' },
  mind_files: { kind: () => 'file', id: 'file_id', time: 'created_at' },
};
/** Time columns looked for, in order, in a table we know nothing of. */
const TIME_COLUMNS = ['created_at', 'timestamp', 'occurred_at', 'started_at', 'entered_at', 'updated_at'];

const textOr = (value: unknown, fallback: string): string =>
  typeof value === 'string' && value.trim() !== '' ? value.slice(0, 100) : fallback;

/** A text column trimmed, in lower case ('' when it is not text): what a lookup of its values takes. */
const lowerText = (value: unknown): string => (typeof value === 'string' ? value.trim().toLowerCase() : '');

/** A text column's value; null when it is not text or empty. */
const textOrNull = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);

/** `value` when it is one of `allowed`, else `fallback`. */
const memberOr = <T extends string>(value: string, allowed: readonly T[], fallback: T): T =>
  (allowed as readonly string[]).includes(value) ? (value as T) : fallback;

/**
 * A time as the Python Genesis stored it, as epoch ms: naive `YYYY-MM-DD HH:MM:SS[.ffffff]` (UTC),
 * ISO with a zone, a Date, or epoch seconds/ms (a number or digits). Sub-millisecond digits are
 * dropped (the original text is kept by the caller). Null when it is none of these.
 */
export function pythonTimeMs(value: unknown): EpochMs | null {
  if (value instanceof Date) return Number.isFinite(value.getTime()) && value.getTime() >= 0 ? value.getTime() : null;
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) return null;
    return Math.round(value < 1e11 ? value * 1000 : value);
  }
  if (typeof value !== 'string') return null;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return pythonTimeMs(Number(text));
  const m =
    /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i.exec(
      text,
    );
  if (!m) return null;
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', zone] = m;
  const ms = Number(frac.padEnd(3, '0').slice(0, 3));
  const utc = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms);
  const at = new Date(utc);
  // Date.UTC rolls 2025-02-30 over into March: such a date is not a date.
  if (
    at.getUTCFullYear() !== Number(y) ||
    at.getUTCMonth() !== Number(mo) - 1 ||
    at.getUTCDate() !== Number(d) ||
    at.getUTCHours() !== Number(h) ||
    at.getUTCMinutes() !== Number(mi) ||
    at.getUTCSeconds() !== Number(s)
  ) {
    return null;
  }
  let offset = 0;
  if (zone && zone.toUpperCase() !== 'Z') {
    const z = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone)!;
    offset = (z[1] === '-' ? -1 : 1) * (Number(z[2]) * 60 + Number(z[3] ?? 0)) * 60_000;
  }
  const result = utc - offset;
  return result >= 0 ? result : null;
}

/** A JSON column's value: parsed text (PostgreSQL may hand it parsed already); `ok` false for text that is not JSON. */
export function pythonJson(value: unknown): { ok: true; value: unknown } | { ok: false } {
  if (value === null || value === undefined) return { ok: true, value: null };
  if (typeof value !== 'string') return { ok: true, value };
  try {
    return { ok: true, value: JSON.parse(value) as unknown };
  } catch {
    return { ok: false };
  }
}

/** A boolean column's value: 0/1, 't'/'f', true/false; null when none of these. */
export function pythonBool(value: unknown): boolean | null {
  if (value === true || value === 1 || value === '1' || value === 't' || value === 'true') return true;
  if (value === false || value === 0 || value === '0' || value === 'f' || value === 'false') return false;
  return null;
}

/** A row with its JSON columns parsed (text that is not JSON kept as it is) and booleans as booleans. */
export function readablePythonRow(table: string, row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [column, value] of Object.entries(row)) {
    if (value === undefined) continue;
    if (isJsonColumn(table, column)) {
      const parsed = pythonJson(value);
      out[column] = parsed.ok ? parsed.value : value;
    } else if ((BOOLEAN_COLUMNS[table] ?? []).includes(column)) {
      out[column] = pythonBool(value) ?? value;
    } else {
      out[column] = value instanceof Date ? value.toISOString() : value;
    }
  }
  return out;
}

/** A stable UUID-shaped id derived from text (name-based, like a UUIDv5 on SHA-1). */
export function stableId(text: string): string {
  const hex = hashText(text);
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** The row's id column as text, or null when missing. */
function idOf(row: Record<string, unknown>, column: string): string | null {
  const v = row[column];
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (typeof v === 'string' && v.trim() !== '') return v;
  return null;
}

/** Every column of `row` except `used`, as the database held it: what `legacy` keeps. */
function rest(row: Record<string, unknown>, used: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [column, value] of Object.entries(row)) {
    if (used.includes(column) || value === undefined) continue;
    out[column] = value instanceof Date ? value.toISOString() : value;
  }
  return out;
}

/**
 * Metadata of an imported item: the row's `extra_data` (an object) spread, plus `legacy` — the
 * table and every column not taken elsewhere. An extra_data that is not an object (or has a key
 * `legacy` of its own) is kept whole as `legacy.<column>` instead.
 */
function metadataOf(
  table: string,
  row: Record<string, unknown>,
  used: readonly string[],
  extraColumn = 'extra_data',
): Record<string, unknown> {
  const legacy: Record<string, unknown> = { table, ...rest(row, [...used, extraColumn]) };
  const extra = row[extraColumn];
  if (extra === undefined || extra === null) return { legacy };
  const parsed = pythonJson(extra);
  if (parsed.ok && isPlainObject(parsed.value) && !('legacy' in parsed.value)) {
    return { ...parsed.value, legacy };
  }
  legacy[extraColumn] = extra;
  return { legacy };
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const skip = (id: unknown, reason: string): PythonRowMapping => ({
  kind: 'skip',
  id: typeof id === 'string' || typeof id === 'number' ? String(id) : '(no id)',
  reason,
});

/** A required time column: epoch ms, or the reason the row is skipped. */
function requiredTime(row: Record<string, unknown>, column: string): EpochMs | string {
  const v = row[column];
  if (v === undefined || v === null) return `${column} is missing`;
  const at = pythonTimeMs(v);
  return at === null ? `${column} is not a time (${JSON.stringify(String(v)).slice(0, 60)})` : at;
}

const optionalTime = (v: unknown): EpochMs | null => pythonTimeMs(v);

const ROLES: Record<string, MessageRole> = {
  user: 'user',
  human: 'user',
  assistant: 'assistant',
  ai: 'assistant',
  mind: 'assistant',
  bot: 'assistant',
  model: 'assistant',
  system: 'system',
  tool: 'tool',
  function: 'tool',
};

function mapMessage(row: Record<string, unknown>, ctx: PythonRowContext): PythonRowMapping {
  const table = 'conversation_messages';
  const id = idOf(row, 'id');
  if (id === null) return skip(row.id, 'id is missing');
  if (typeof row.content !== 'string') return skip(id, 'content is missing');
  const createdAt = requiredTime(row, 'timestamp');
  if (typeof createdAt === 'string') return skip(id, createdAt);
  const rawRole = lowerText(row.role);
  // A role of no meaning to us stays a note of the system, its name kept in legacy.role.
  const role = ROLES[rawRole] ?? 'system';
  const env = textOrNull(row.environment_id);
  const environmentId = env === null ? null : (ctx.environmentIds?.get(env) ?? (env.length <= 64 ? env : null));
  const key = pythonSourceKey(table, id);
  return {
    kind: 'message',
    key,
    message: {
      mindId: ctx.gmid,
      role,
      content: row.content,
      userEmail: textOrNull(row.user_email),
      environmentId,
      metadata: metadataOf(table, row, ['mind_gmid', 'content', 'user_email']),
      createdAt,
      sourceKey: key,
    },
  };
}

const CONCERN_STATUS_MAP: Record<string, ConcernStatus> = {
  active: 'active',
  monitoring: 'snoozed',
  resolved: 'resolved',
};

/** Urgency from a Python priority (0..1). */
function urgencyOf(priority: number | null): ConcernUrgency {
  if (priority === null) return 'normal';
  if (priority >= 0.9) return 'critical';
  if (priority >= 0.7) return 'high';
  if (priority >= 0.3) return 'normal';
  return 'low';
}

const finite = (v: unknown): number | null => {
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  return typeof n === 'number' && Number.isFinite(n) ? n : null;
};

function mapConcern(row: Record<string, unknown>, ctx: PythonRowContext): PythonRowMapping {
  const table = 'concerns';
  const id = idOf(row, 'concern_id');
  if (id === null) return skip(row.concern_id, 'concern_id is missing');
  if (typeof row.content !== 'string' || row.content.trim() === '') return skip(id, 'content is missing');
  const createdAt = requiredTime(row, 'created_at');
  if (typeof createdAt === 'string') return skip(id, createdAt);
  const lastCheckedAt = optionalTime(row.last_checked_at);
  const resolvedAt = optionalTime(row.resolved_at);
  const nextCheck = optionalTime(row.next_check_at);
  const rawType = lowerText(row.concern_type);
  const concernType = memberOr<ConcernType>(rawType, CONCERN_TYPES, 'personal');
  const rawStatus = lowerText(row.status);
  const status = CONCERN_STATUS_MAP[rawStatus] ?? memberOr<ConcernStatus>(rawStatus, CONCERN_STATUSES, 'active');
  const priority = finite(row.priority);
  const checks = finite(row.check_count);
  const userEmail = textOrNull(row.user_email);
  return {
    kind: 'concern',
    key: pythonSourceKey(table, id),
    concern: {
      id: stableId(`${ctx.gmid}/${table}/${id}`),
      mindId: ctx.gmid,
      userEmail: userEmail !== null && userEmail.length <= 320 ? userEmail : null,
      concernType,
      description: row.content,
      severity: priority === null ? 0.5 : Math.min(1, Math.max(0, priority)),
      urgency: urgencyOf(priority),
      status,
      // Ours always has a next check: a closed concern keeps the time it was closed (or last looked at).
      nextCheckAt: nextCheck ?? resolvedAt ?? lastCheckedAt ?? createdAt,
      followUpCount: checks !== null && checks >= 0 ? Math.floor(checks) : 0,
      lastCheckedAt,
      resolvedAt: status === 'resolved' ? (resolvedAt ?? lastCheckedAt ?? createdAt) : resolvedAt,
      expiresAt: null,
      memoryId: null,
      metadata: metadataOf(table, row, [
        'mind_gmid',
        'content',
        ...(userEmail && userEmail.length <= 320 ? ['user_email'] : []),
      ]),
      createdAt,
      updatedAt: Math.max(createdAt, lastCheckedAt ?? 0, resolvedAt ?? 0),
    },
  };
}

/** Python task statuses that ended. */
const FINISHED_TASKS: Record<string, TaskStatus> = {
  completed: 'succeeded',
  succeeded: 'succeeded',
  success: 'succeeded',
  done: 'succeeded',
  failed: 'dead',
  cancelled: 'cancelled',
  canceled: 'cancelled',
};

function mapBackgroundTask(row: Record<string, unknown>, ctx: PythonRowContext): PythonRowMapping {
  const table = 'background_tasks';
  const id = idOf(row, 'task_id');
  if (id === null) return skip(row.task_id, 'task_id is missing');
  const createdAt = requiredTime(row, 'created_at');
  if (typeof createdAt === 'string') return skip(id, createdAt);
  const startedAt = optionalTime(row.started_at);
  const completedAt = optionalTime(row.completed_at);
  const rawStatus = lowerText(row.status);
  const finished = FINISHED_TASKS[rawStatus];
  const error = textOrNull(row.error);
  const retries = finite(row.retry_count);
  const maxRetries = finite(row.max_retries);
  const attempts = Math.max(0, Math.floor(retries ?? 0)) + (startedAt !== null ? 1 : 0);
  const result = pythonJson(row.result);
  const context = pythonJson(row.context);
  const extra = pythonJson(row.extra_data);
  const key = pythonSourceKey(table, id);
  // Unfinished (pending, running — a crash left those running forever — retrying): imported as
  // `failed`, which no worker claims; `retry` makes it pending and it runs again.
  const status: TaskStatus = finished ?? 'failed';
  const lastError =
    finished === undefined
      ? `imported from Python Genesis: was ${rawStatus || 'without a status'}${error ? `; last error: ${error}` : ''}`
      : error;
  const progress = finite(row.progress);
  return {
    kind: 'task',
    key,
    task: {
      id: stableId(`${ctx.gmid}/${table}/${id}`),
      mindId: ctx.gmid,
      type: PYTHON_TASK_TYPE,
      payload: {
        userRequest: typeof row.user_request === 'string' ? row.user_request : null,
        userEmail: textOrNull(row.user_email),
        ...(context.ok && context.value !== null ? { context: context.value } : {}),
        ...(extra.ok && extra.value !== null ? { extraData: extra.value } : {}),
        legacy: {
          table,
          ...rest(row, [
            'mind_gmid',
            'user_request',
            'user_email',
            ...(context.ok ? ['context'] : []),
            ...(extra.ok ? ['extra_data'] : []),
          ]),
        },
      },
      status,
      priority: 0,
      runAt: startedAt ?? createdAt,
      attempts,
      maxAttempts: Math.max(1, Math.floor(maxRetries ?? 0) + 1),
      leaseOwner: null,
      leaseToken: null,
      leaseExpiresAt: null,
      timeoutMs: null,
      progress,
      lastError,
      result: result.ok ? result.value : row.result,
      idempotencyKey: key,
      createdAt,
      updatedAt: Math.max(createdAt, startedAt ?? 0, completedAt ?? 0),
      finishedAt: finished === undefined ? null : (completedAt ?? startedAt ?? createdAt),
    },
  };
}

function mapEnvironment(row: Record<string, unknown>, ctx: PythonRowContext): PythonRowMapping {
  const table = 'environments';
  const id = idOf(row, 'env_id');
  if (id === null) return skip(row.env_id, 'env_id is missing');
  const rawName = typeof row.name === 'string' && row.name.trim() !== '' ? row.name : id;
  const rawKind = lowerText(row.env_type);
  const kind = memberOr<EnvironmentKind>(rawKind, ENVIRONMENT_KINDS, 'other');
  const metadata = metadataOf(table, row, ['owner_gmid', 'description'], 'extra_metadata');
  (metadata.legacy as Record<string, unknown>).env_id = id;
  return {
    kind: 'environment',
    key: pythonSourceKey(table, id),
    pythonId: id,
    environment: {
      mindId: ctx.gmid,
      name: rawName.slice(0, 200),
      kind,
      description: typeof row.description === 'string' ? row.description : null,
      isPrimary: false,
      metadata,
    },
    lastActiveAt: optionalTime(row.last_accessed),
  };
}

/** A row kept as a record of `python:<table>`: the whole row (JSON parsed), keyed by its id. */
function mapRecord(
  table: string,
  row: Record<string, unknown>,
  ctx: PythonRowContext,
  idColumn: string,
  kind: string,
  timeColumn: string | null,
  fallbackId: string | null = null,
): PythonRowMapping | { record: NewRecord & { sourceKey: string }; key: string; at: EpochMs | null } {
  const id = idOf(row, idColumn) ?? (idColumn !== 'id' ? idOf(row, 'id') : null) ?? fallbackId;
  if (id === null) return skip(row[idColumn], `${idColumn} is missing`);
  let at: EpochMs | null = null;
  if (timeColumn !== null) {
    const t = requiredTime(row, timeColumn);
    if (typeof t === 'string') return skip(id, t);
    at = t;
  }
  const key = pythonSourceKey(table, id);
  return {
    key,
    at,
    record: {
      mindId: ctx.gmid,
      namespace: pythonNamespace(table),
      kind,
      data: readablePythonRow(table, row),
      ...(at === null ? {} : { createdAt: at }),
      sourceKey: key,
    },
  };
}

function mapMind(row: Record<string, unknown>, ctx: PythonRowContext): PythonRowMapping {
  const mapped = mapRecord('minds', row, ctx, 'gmid', 'mind', null);
  if ('kind' in mapped) return mapped;
  const birthAt = optionalTime(row.birth_date);
  if (birthAt !== null) mapped.record.createdAt = birthAt;
  const str = (v: unknown) => (typeof v === 'string' ? v : null);
  return {
    kind: 'mind',
    key: mapped.key,
    record: mapped.record,
    identity: {
      gmid: ctx.gmid,
      name: str(row.name),
      creator: str(row.creator),
      birthAt,
      lastActiveAt: optionalTime(row.last_active),
      status: str(row.status),
      rest: readablePythonRow('minds', rest(row, ['gmid', 'name', 'creator', 'birth_date', 'last_active', 'status'])),
    },
  };
}

/**
 * What a row of the Python table `table` (its original name) becomes for the Mind `ctx.gmid`.
 * Never throws for bad data: a row that cannot be mapped (no id, a time that is not one, no
 * content) is `{ kind: 'skip', id, reason }`.
 */
export function mapPythonRow(table: string, row: Record<string, unknown>, ctx: PythonRowContext): PythonRowMapping {
  try {
    switch (table) {
      case 'conversation_messages':
        return mapMessage(row, ctx);
      case 'concerns':
        return mapConcern(row, ctx);
      case 'background_tasks':
        return mapBackgroundTask(row, ctx);
      case 'environments':
        return mapEnvironment(row, ctx);
      case 'minds':
        return mapMind(row, ctx);
      case 'environment_visits': {
        const mapped = mapRecord(table, row, ctx, 'id', 'visit', 'entered_at');
        if ('kind' in mapped) return mapped;
        const env = textOrNull(row.env_id);
        return { kind: 'visit', key: mapped.key, record: mapped.record, environment: env, at: mapped.at! };
      }
      default: {
        if ((PYTHON_HOME_TABLES as readonly string[]).includes(table)) {
          return skip(row.id, `${table} belongs to the whole home, not to one Mind`);
        }
        const known = RECORD_TABLES[table];
        let mapped;
        if (known) mapped = mapRecord(table, row, ctx, known.id, known.kind(row), known.time);
        else {
          // A table we know nothing of: keyed by its id, else by the digest of the whole row.
          const time = TIME_COLUMNS.find((c) => optionalTime(row[c]) !== null) ?? null;
          const digest = hashText(JSON.stringify(readablePythonRow(table, row)));
          mapped = mapRecord(table, row, ctx, 'id', 'row', time, `sha1-${digest.slice(0, 20)}`);
        }
        if ('kind' in mapped) return mapped;
        return { kind: 'record', key: mapped.key, record: mapped.record };
      }
    }
  } catch (error) {
    return skip(row.id, `could not be read: ${error instanceof Error ? error.message : String(error)}`);
  }
}
