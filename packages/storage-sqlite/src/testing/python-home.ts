import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Database } from 'sqlite3';

/**
 * A home written by the Python Genesis, for tests: `<home>/genesis.db` with the tables SQLAlchemy's
 * `create_all` made (same names as some of ours, another shape), rows for several Minds, and
 * `<home>/minds/{GMID}.json` (+ `.bak`, the previous save) in the old single-file format.
 *
 * Written as the Python version stored them: naive `YYYY-MM-DD HH:MM:SS.ffffff` times, JSON as
 * TEXT, booleans 0/1, integer ids on the history tables and string ids elsewhere.
 */

/** Every table the Python Genesis created in `genesis.db`. */
export const PYTHON_TABLES = [
  'minds',
  'environments',
  'relationships',
  'environment_visits',
  'shared_events',
  'metaverse_state',
  'tasks',
  'gen_transactions',
  'mind_files',
  'genesis_core',
  'conversation_messages',
  'concerns',
  'background_tasks',
  'thoughts',
] as const;
export type PythonTableName = (typeof PYTHON_TABLES)[number];

export interface PythonHomeOptions {
  /** The Minds: a count (GMIDs `GMID-PYTH000{n}`) or the GMIDs themselves. Default 3. */
  minds?: number | string[];
  /**
   * Rows per Mind for the per-Mind tables (`shared_events` is per home; `minds`, `metaverse_state`
   * and `genesis_core` are fixed). Defaults: 12 messages, 4 concerns, 4 background tasks, 6
   * thoughts, 2 environments, 2 relationships, 3 visits, 3 tasks, 5 transactions, 2 files, 3 events.
   */
  rows?: Partial<Record<PythonTableName, number>>;
  /**
   * `current`: every column of the newest Python models. `older`: a file created by an earlier
   * version and never altered (create_all adds no columns), so it lacks the newer columns (and their
   * indexes). Default `current`.
   */
  variant?: 'current' | 'older';
  /** Which tables exist (default all of PYTHON_TABLES). */
  tables?: readonly PythonTableName[];
  /** Write `minds/{GMID}.json` and `.bak`. Default true. */
  mindFiles?: boolean;
  /** The time of the first row (epoch ms); rows follow a minute apart. Default 2025-03-01T08:00Z. */
  startAt?: number;
  /**
   * Also write rows no importer can take, for the first Mind (listed in `badRows`): a message whose
   * timestamp is not a time, a concern with empty content, a background task created on 30 February
   * and a thought with no time. Default false.
   */
  badRows?: boolean;
}

/** A row written on purpose so that an import must skip it: its table, id and what is wrong. */
export interface PythonBadRow {
  table: PythonTableName;
  id: string;
  problem: string;
}

export interface PythonHome {
  home: string;
  /** `<home>/genesis.db`. */
  database: string;
  minds: string[];
  /** The tables created, in creation order. */
  tables: PythonTableName[];
  /**
   * Every row written, per table, in insertion (rowid) order: column → value as SQLite returns it
   * (strings, numbers, null), so `SELECT * … ORDER BY rowid` gives back exactly these.
   */
  rows: Record<string, Array<Record<string, unknown>>>;
  /** The Mind files written: path → the document. */
  files: Record<string, unknown>;
  /** The rows written to be skipped (with `badRows`), also in `rows`; empty otherwise. */
  badRows: PythonBadRow[];
}

/** `type` is the SQLAlchemy DDL type; flags: pk, nn (NOT NULL), ix (index=True), uq (unique), new (newer versions only). */
interface Col {
  name: string;
  type: string;
  flags: string[];
  fk?: string;
}
interface TableDef {
  name: PythonTableName;
  columns: Col[];
  /** Named composite indexes (`__table_args__`), with the columns they need. */
  indexes: Array<{ name: string; columns: string[]; unique?: boolean }>;
}

const c = (name: string, type: string, flags = '', fk?: string): Col => ({
  name,
  type,
  flags: flags.split(' ').filter(Boolean),
  ...(fk ? { fk } : {}),
});
const MIND_FK = 'minds (gmid)';

const DEFS: TableDef[] = [
  {
    name: 'minds',
    columns: [
      c('gmid', 'VARCHAR(50)', 'pk'),
      c('name', 'VARCHAR(255)', 'nn ix'),
      c('creator', 'VARCHAR(255)', 'nn'),
      c('birth_date', 'DATETIME', 'nn'),
      c('last_active', 'DATETIME'),
      c('status', 'VARCHAR(20)', 'nn'),
      c('template', 'VARCHAR(100)'),
      c('primary_role', 'VARCHAR(100)'),
      c('personality_type', 'VARCHAR(50)'),
      c('consciousness_level', 'FLOAT'),
      c('total_memories', 'INTEGER'),
      c('total_experiences', 'INTEGER'),
      c('storage_path', 'VARCHAR(500)'),
      c('workspace_path', 'VARCHAR(500)', 'new'),
      c('death_date', 'DATETIME', 'new'),
      c('urgency_level', 'FLOAT', 'new'),
      c('gen_balance', 'FLOAT', 'new'),
      c('total_gen_earned', 'FLOAT', 'new'),
      c('total_gen_spent', 'FLOAT', 'new'),
      c('current_emotion', 'VARCHAR(50)'),
      c('current_thought', 'TEXT'),
      c('emotional_valence', 'FLOAT', 'new'),
      c('current_mood', 'VARCHAR(50)', 'new'),
      c('tasks_completed', 'INTEGER', 'new'),
      c('tasks_failed', 'INTEGER', 'new'),
      c('skills_learned', 'INTEGER', 'new'),
    ],
    indexes: [
      { name: 'ix_minds_status', columns: ['status'] },
      { name: 'ix_minds_last_active', columns: ['last_active'] },
      { name: 'ix_minds_urgency', columns: ['urgency_level'] },
    ],
  },
  {
    name: 'environments',
    columns: [
      c('env_id', 'VARCHAR(100)', 'pk'),
      c('name', 'VARCHAR(255)', 'nn ix'),
      c('owner_gmid', 'VARCHAR(50)', '', MIND_FK),
      c('env_type', 'VARCHAR(50)', 'nn'),
      c('description', 'TEXT'),
      c('atmosphere', 'VARCHAR(255)'),
      c('is_public', 'BOOLEAN', 'ix'),
      c('is_shared', 'BOOLEAN'),
      c('created_at', 'DATETIME', 'nn'),
      c('last_accessed', 'DATETIME'),
      c('access_count', 'INTEGER'),
      c('current_inhabitants', 'JSON'),
      c('invited_minds', 'JSON'),
      c('allowed_users', 'JSON', 'new'),
      c('allowed_minds', 'JSON', 'new'),
      c('extra_metadata', 'JSON'),
    ],
    indexes: [
      { name: 'ix_environments_owner', columns: ['owner_gmid'] },
      { name: 'ix_environments_public', columns: ['is_public'] },
      { name: 'ix_environments_type', columns: ['env_type'] },
    ],
  },
  {
    name: 'relationships',
    columns: [
      c('id', 'INTEGER', 'pk'),
      c('from_gmid', 'VARCHAR(50)', 'nn ix', MIND_FK),
      c('to_gmid', 'VARCHAR(50)', 'nn ix', MIND_FK),
      c('relationship_type', 'VARCHAR(50)', 'nn'),
      c('closeness', 'FLOAT'),
      c('trust_level', 'FLOAT'),
      c('affection', 'FLOAT'),
      c('started_at', 'DATETIME', 'nn'),
      c('last_interaction', 'DATETIME'),
      c('interaction_count', 'INTEGER'),
      c('positive_interactions', 'INTEGER'),
      c('negative_interactions', 'INTEGER'),
      c('shared_experiences', 'JSON'),
      c('shared_memories', 'JSON'),
      c('shared_environments', 'JSON'),
      c('communication_frequency', 'VARCHAR(20)', 'new'),
      c('communication_style', 'VARCHAR(50)', 'new'),
    ],
    indexes: [
      { name: 'ix_relationships_from_to', columns: ['from_gmid', 'to_gmid'] },
      { name: 'ix_relationships_type', columns: ['relationship_type'] },
    ],
  },
  {
    name: 'environment_visits',
    columns: [
      c('id', 'INTEGER', 'pk'),
      c('mind_gmid', 'VARCHAR(50)', 'nn ix', MIND_FK),
      c('env_id', 'VARCHAR(100)', 'nn', 'environments (env_id)'),
      c('entered_at', 'DATETIME', 'nn'),
      c('left_at', 'DATETIME'),
      c('duration_seconds', 'INTEGER'),
      c('is_owner', 'BOOLEAN'),
      c('visit_purpose', 'VARCHAR(100)'),
    ],
    indexes: [
      { name: 'ix_visits_mind', columns: ['mind_gmid'] },
      { name: 'ix_visits_env', columns: ['env_id'] },
      { name: 'ix_visits_entered_at', columns: ['entered_at'] },
      { name: 'ix_visits_active', columns: ['left_at'] },
    ],
  },
  {
    name: 'shared_events',
    columns: [
      c('id', 'INTEGER', 'pk'),
      c('event_id', 'VARCHAR(100)', 'nn ix uq'),
      c('event_type', 'VARCHAR(50)', 'nn'),
      c('title', 'VARCHAR(255)', 'nn'),
      c('description', 'TEXT'),
      c('participant_gmids', 'JSON', 'nn'),
      c('initiator_gmid', 'VARCHAR(50)'),
      c('environment_id', 'VARCHAR(100)'),
      c('occurred_at', 'DATETIME', 'nn'),
      c('significance', 'FLOAT'),
      c('emotional_impact', 'FLOAT'),
      c('insights_gained', 'JSON'),
      c('artifacts_created', 'JSON'),
      c('extra_metadata', 'JSON'),
    ],
    indexes: [
      { name: 'ix_events_type', columns: ['event_type'] },
      { name: 'ix_events_occurred_at', columns: ['occurred_at'] },
    ],
  },
  {
    name: 'metaverse_state',
    columns: [
      c('id', 'INTEGER', 'pk'),
      c('total_minds', 'INTEGER'),
      c('active_minds', 'INTEGER'),
      c('total_environments', 'INTEGER'),
      c('total_relationships', 'INTEGER'),
      c('last_mind_birth', 'DATETIME'),
      c('last_interaction', 'DATETIME'),
      c('total_interactions_today', 'INTEGER'),
      c('metaverse_version', 'VARCHAR(20)'),
      c('created_at', 'DATETIME', 'nn'),
      c('updated_at', 'DATETIME', 'nn'),
      c('daily_stats', 'JSON'),
      c('feature_flags', 'JSON'),
    ],
    indexes: [],
  },
  {
    name: 'tasks',
    columns: [
      c('id', 'INTEGER', 'pk'),
      c('task_id', 'VARCHAR(100)', 'nn ix uq'),
      c('mind_gmid', 'VARCHAR(50)', 'nn ix', MIND_FK),
      c('title', 'VARCHAR(255)', 'nn'),
      c('description', 'TEXT'),
      c('task_type', 'VARCHAR(50)', 'nn'),
      c('difficulty', 'VARCHAR(20)'),
      c('gen_reward', 'FLOAT', 'nn'),
      c('bonus_gen', 'FLOAT'),
      c('status', 'VARCHAR(20)'),
      c('created_at', 'DATETIME', 'nn'),
      c('started_at', 'DATETIME'),
      c('completed_at', 'DATETIME'),
      c('outcome_quality', 'FLOAT'),
      c('outcome_notes', 'TEXT'),
      c('extra_metadata', 'JSON'),
    ],
    indexes: [
      { name: 'ix_tasks_mind', columns: ['mind_gmid'] },
      { name: 'ix_tasks_status', columns: ['status'] },
      { name: 'ix_tasks_type', columns: ['task_type'] },
    ],
  },
  {
    name: 'gen_transactions',
    columns: [
      c('id', 'INTEGER', 'pk'),
      c('transaction_id', 'VARCHAR(100)', 'nn ix uq'),
      c('mind_gmid', 'VARCHAR(50)', 'nn ix', MIND_FK),
      c('counterparty_gmid', 'VARCHAR(50)'),
      c('transaction_type', 'VARCHAR(50)', 'nn'),
      c('amount', 'FLOAT', 'nn'),
      c('balance_after', 'FLOAT', 'nn'),
      c('reason', 'VARCHAR(255)', 'nn'),
      c('related_task_id', 'VARCHAR(100)'),
      c('related_entity', 'VARCHAR(100)'),
      c('timestamp', 'DATETIME', 'nn ix'),
      c('extra_metadata', 'JSON'),
    ],
    indexes: [
      { name: 'ix_transactions_mind', columns: ['mind_gmid'] },
      { name: 'ix_transactions_type', columns: ['transaction_type'] },
      { name: 'ix_transactions_timestamp', columns: ['timestamp'] },
    ],
  },
  {
    name: 'mind_files',
    columns: [
      c('id', 'INTEGER', 'pk'),
      c('file_id', 'VARCHAR(100)', 'nn ix uq'),
      c('owner_gmid', 'VARCHAR(50)', 'nn ix', MIND_FK),
      c('filename', 'VARCHAR(255)', 'nn'),
      c('filepath', 'VARCHAR(500)', 'nn'),
      c('file_type', 'VARCHAR(50)', 'nn'),
      c('size_bytes', 'INTEGER'),
      c('is_private', 'BOOLEAN'),
      c('shared_with', 'JSON'),
      c('created_at', 'DATETIME', 'nn'),
      c('modified_at', 'DATETIME', 'nn'),
      c('access_count', 'INTEGER'),
      c('description', 'TEXT'),
      c('tags', 'JSON'),
      c('extra_metadata', 'JSON'),
    ],
    indexes: [
      { name: 'ix_files_owner', columns: ['owner_gmid'] },
      { name: 'ix_files_type', columns: ['file_type'] },
    ],
  },
  {
    name: 'genesis_core',
    columns: [
      c('id', 'INTEGER', 'pk'),
      c('base_task_reward', 'FLOAT'),
      c('daily_allowance', 'FLOAT'),
      c('max_gen_balance', 'FLOAT'),
      c('max_active_tasks_per_mind', 'INTEGER'),
      c('governance_version', 'VARCHAR(20)'),
      c('rules', 'JSON'),
      c('created_at', 'DATETIME', 'nn'),
      c('updated_at', 'DATETIME', 'nn'),
    ],
    indexes: [],
  },
  {
    name: 'conversation_messages',
    columns: [
      c('id', 'INTEGER', 'pk'),
      c('mind_gmid', 'VARCHAR(50)', 'nn ix', MIND_FK),
      c('user_email', 'VARCHAR(255)', 'ix'),
      c('environment_id', 'VARCHAR(100)'),
      c('role', 'VARCHAR(20)', 'nn'),
      c('content', 'TEXT', 'nn'),
      c('timestamp', 'DATETIME', 'nn ix'),
      c('extra_data', 'JSON'),
    ],
    indexes: [
      { name: 'ix_conv_mind_time', columns: ['mind_gmid', 'timestamp'] },
      { name: 'ix_conv_user_time', columns: ['user_email', 'timestamp'] },
      { name: 'ix_conv_env_time', columns: ['environment_id', 'timestamp'] },
    ],
  },
  {
    name: 'concerns',
    columns: [
      c('concern_id', 'VARCHAR(100)', 'pk'),
      c('mind_gmid', 'VARCHAR(50)', 'nn ix', MIND_FK),
      c('user_email', 'VARCHAR(255)', 'ix'),
      c('concern_type', 'VARCHAR(50)', 'nn ix'),
      c('content', 'TEXT', 'nn'),
      c('context', 'TEXT'),
      c('priority', 'FLOAT'),
      c('confidence', 'FLOAT'),
      c('status', 'VARCHAR(20)', 'ix'),
      c('created_at', 'DATETIME', 'nn ix'),
      c('last_checked_at', 'DATETIME'),
      c('next_check_at', 'DATETIME', 'ix'),
      c('resolved_at', 'DATETIME'),
      c('check_count', 'INTEGER'),
      c('follow_up_message', 'TEXT'),
      c('extra_data', 'JSON'),
    ],
    indexes: [
      { name: 'ix_concerns_status_priority', columns: ['status', 'priority'] },
      { name: 'ix_concerns_next_check', columns: ['mind_gmid', 'next_check_at'] },
    ],
  },
  {
    name: 'background_tasks',
    columns: [
      c('task_id', 'VARCHAR(100)', 'pk'),
      c('mind_gmid', 'VARCHAR(50)', 'nn ix', MIND_FK),
      c('user_email', 'VARCHAR(255)', 'ix'),
      c('user_request', 'TEXT', 'nn'),
      c('status', 'VARCHAR(20)', 'ix'),
      c('progress', 'FLOAT'),
      c('created_at', 'DATETIME', 'nn ix'),
      c('started_at', 'DATETIME'),
      c('completed_at', 'DATETIME'),
      c('result', 'JSON'),
      c('error', 'TEXT'),
      c('retry_count', 'INTEGER'),
      c('max_retries', 'INTEGER'),
      c('context', 'JSON', 'new'),
      c('extra_data', 'JSON', 'new'),
    ],
    indexes: [
      { name: 'ix_bg_tasks_status_created', columns: ['status', 'created_at'] },
      { name: 'ix_bg_tasks_mind_status', columns: ['mind_gmid', 'status'] },
    ],
  },
  {
    name: 'thoughts',
    columns: [
      c('id', 'INTEGER', 'pk'),
      c('mind_gmid', 'VARCHAR(50)', 'nn ix', MIND_FK),
      c('content', 'TEXT', 'nn'),
      c('thought_type', 'VARCHAR(50)'),
      c('awareness_level', 'VARCHAR(20)'),
      c('life_domain', 'VARCHAR(50)'),
      c('emotion', 'VARCHAR(50)'),
      c('timestamp', 'DATETIME', 'nn ix'),
      c('extra_data', 'JSON'),
    ],
    indexes: [
      { name: 'ix_thoughts_mind_time', columns: ['mind_gmid', 'timestamp'] },
      { name: 'ix_thoughts_type', columns: ['thought_type'] },
      { name: 'ix_thoughts_awareness', columns: ['awareness_level'] },
    ],
  },
];

const DEFAULT_ROWS: Record<PythonTableName, number> = {
  minds: 1,
  environments: 2,
  relationships: 2,
  environment_visits: 3,
  shared_events: 3,
  metaverse_state: 1,
  tasks: 3,
  gen_transactions: 5,
  mind_files: 2,
  genesis_core: 1,
  conversation_messages: 12,
  concerns: 4,
  background_tasks: 4,
  thoughts: 6,
};

/** The columns of a table in a variant. */
function columnsOf(def: TableDef, variant: 'current' | 'older'): Col[] {
  return def.columns.filter((col) => variant === 'current' || !col.flags.includes('new'));
}

/** The DDL `create_all` emits on SQLite (or PostgreSQL) for a table and its indexes. */
export function pythonTableDdl(
  name: PythonTableName,
  variant: 'current' | 'older' = 'current',
  dialect: 'sqlite' | 'postgres' = 'sqlite',
): string[] {
  const def = DEFS.find((d) => d.name === name)!;
  const cols = columnsOf(def, variant);
  const present = new Set(cols.map((col) => col.name));
  const pkCount = cols.filter((col) => col.flags.includes('pk')).length;
  const typeOf = (col: Col) => {
    if (dialect === 'sqlite') return col.type;
    if (col.type === 'DATETIME') return 'TIMESTAMP WITHOUT TIME ZONE';
    // An integer primary key alone is autoincrement: SERIAL on PostgreSQL (a sequence of its own).
    if (col.type === 'INTEGER' && col.flags.includes('pk') && pkCount === 1) return 'SERIAL';
    return col.type;
  };
  const lines = cols.map(
    (col) => `\t${col.name} ${typeOf(col)}${col.flags.includes('nn') || col.flags.includes('pk') ? ' NOT NULL' : ''}`,
  );
  lines.push(
    `\tPRIMARY KEY (${cols
      .filter((col) => col.flags.includes('pk'))
      .map((col) => col.name)
      .join(', ')})`,
  );
  for (const col of cols) {
    if (col.fk) lines.push(`\tFOREIGN KEY(${col.name}) REFERENCES ${col.fk}`);
  }
  const statements = [`\nCREATE TABLE ${name} (\n${lines.join(', \n')}\n)\n`];
  for (const col of cols) {
    if (!col.flags.includes('ix')) continue;
    const unique = col.flags.includes('uq') ? 'UNIQUE ' : '';
    statements.push(`CREATE ${unique}INDEX ix_${name}_${col.name} ON ${name} (${col.name})`);
  }
  for (const index of def.indexes) {
    if (!index.columns.every((col) => present.has(col))) continue;
    statements.push(
      `CREATE ${index.unique ? 'UNIQUE ' : ''}INDEX ${index.name} ON ${name} (${index.columns.join(', ')})`,
    );
  }
  return statements;
}

/** A naive UTC time as Python's `str(datetime.utcnow())` stored it: `YYYY-MM-DD HH:MM:SS.ffffff`. */
export function pythonTime(ms: number, micros = 0): string {
  const iso = new Date(ms).toISOString(); // 2025-03-01T08:00:00.123Z
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}${String(micros % 1000).padStart(3, '0')}`;
}

/** Content that a faithful copy must keep byte for byte: quotes, newlines, non-ASCII, emoji. */
const text = (label: string, i: number) => `${label} ${i}: "quoted" it's — ünïcødé 漢字 🌱\nsecond line\ttabbed`;

function rowsFor(
  table: PythonTableName,
  gmids: string[],
  counts: Record<PythonTableName, number>,
  start: number,
): Array<Record<string, unknown>> {
  const minute = 60_000;
  let clock = 0;
  const t = () => pythonTime(start + clock++ * minute, clock * 7);
  const json = (value: unknown) => JSON.stringify(value);
  const out: Array<Record<string, unknown>> = [];
  const perMind = (fn: (gmid: string, m: number, i: number) => Record<string, unknown>) => {
    gmids.forEach((gmid, m) => {
      for (let i = 0; i < counts[table]; i++) out.push(fn(gmid, m, i));
    });
  };
  const user = (m: number, i: number) => (i % 3 === 2 ? null : `user${(m + i) % 2}@example.com`);
  switch (table) {
    case 'minds':
      gmids.forEach((gmid, m) =>
        out.push({
          gmid,
          name: `Mind ${m} — Ödön`,
          creator: `creator${m}@example.com`,
          birth_date: t(),
          last_active: m === 0 ? null : t(),
          status: m === gmids.length - 1 ? 'dormant' : 'active',
          template: 'companion',
          primary_role: 'friend',
          personality_type: 'INFJ',
          consciousness_level: 0.25 * m,
          total_memories: 10 * m,
          total_experiences: m,
          storage_path: `/home/ann/.genesis/minds/${gmid}.json`,
          workspace_path: `/home/ann/.genesis/workspaces/${gmid}`,
          death_date: null,
          urgency_level: 0.1,
          gen_balance: 100.5 + m,
          total_gen_earned: 120.25,
          total_gen_spent: 19.75 - m,
          current_emotion: 'curious',
          current_thought: text('thinking', m),
          emotional_valence: 0.6,
          current_mood: 'calm',
          tasks_completed: m * 2,
          tasks_failed: m % 2,
          skills_learned: 3,
        }),
      );
      break;
    case 'environments':
      perMind((gmid, m, i) => ({
        env_id: `ENV-${m}-${i}`,
        name: `Room ${m}.${i}`,
        owner_gmid: gmid,
        env_type: i % 2 ? 'social' : 'professional',
        description: text('a room', i),
        atmosphere: 'quiet',
        is_public: i % 2,
        is_shared: 0,
        created_at: t(),
        last_accessed: i === 0 ? null : t(),
        access_count: i * 3,
        current_inhabitants: json([{ gmid, name: `Mind ${m}` }]),
        invited_minds: json([]),
        allowed_users: json([`user${i}@example.com`]),
        allowed_minds: json(gmids.filter((g) => g !== gmid)),
        extra_metadata: json({ floor: i, tags: ['a', 'b'] }),
      }));
      break;
    case 'relationships':
      // Mind↔Mind: every Mind knows the next ones. Many rows with no user — the shape on which our
      // unique (mind_id, user_email) index cannot be built by adopting the table.
      perMind((gmid, m, i) => ({
        id: out.length + 1,
        from_gmid: gmid,
        to_gmid: gmids[(m + 1 + i) % gmids.length],
        relationship_type: i % 2 ? 'friend' : 'colleague',
        closeness: 0.5,
        trust_level: 0.75,
        affection: 0.4,
        started_at: t(),
        last_interaction: t(),
        interaction_count: 7 + i,
        positive_interactions: 5,
        negative_interactions: 1,
        shared_experiences: json([`EXP-${i}`]),
        shared_memories: json([]),
        shared_environments: json([`ENV-${m}-0`]),
        communication_frequency: 'occasional',
        communication_style: 'balanced',
      }));
      break;
    case 'environment_visits':
      perMind((gmid, m, i) => ({
        id: out.length + 1,
        mind_gmid: gmid,
        env_id: `ENV-${m}-0`,
        entered_at: t(),
        left_at: i === counts[table] - 1 ? null : t(),
        duration_seconds: i === counts[table] - 1 ? null : 60 * i,
        is_owner: 1,
        visit_purpose: 'work',
      }));
      break;
    case 'shared_events':
      for (let i = 0; i < counts[table]; i++)
        out.push({
          id: i + 1,
          event_id: `EVT-${i}`,
          event_type: 'meeting',
          title: `Meeting ${i}`,
          description: text('met', i),
          participant_gmids: json(gmids),
          initiator_gmid: gmids[i % gmids.length],
          environment_id: 'ENV-0-0',
          occurred_at: t(),
          significance: 0.5,
          emotional_impact: 0.25,
          insights_gained: json(['patience']),
          artifacts_created: json([]),
          extra_metadata: json({}),
        });
      break;
    case 'metaverse_state':
      out.push({
        id: 1,
        total_minds: gmids.length,
        active_minds: gmids.length - 1,
        total_environments: counts.environments * gmids.length,
        total_relationships: counts.relationships * gmids.length,
        last_mind_birth: t(),
        last_interaction: t(),
        total_interactions_today: 4,
        metaverse_version: '0.1.3',
        created_at: t(),
        updated_at: t(),
        daily_stats: json({ '2025-03-01': { messages: 12 } }),
        feature_flags: json({ dreams: true }),
      });
      break;
    case 'tasks':
      perMind((gmid, m, i) => ({
        id: out.length + 1,
        task_id: `TASK-${m}-${i}`,
        mind_gmid: gmid,
        title: `Learn thing ${i}`,
        description: text('task', i),
        task_type: 'learning',
        difficulty: 'medium',
        gen_reward: 10,
        bonus_gen: 0.5,
        status: ['completed', 'in_progress', 'pending'][i % 3],
        created_at: t(),
        started_at: i % 3 === 2 ? null : t(),
        completed_at: i % 3 === 0 ? t() : null,
        outcome_quality: i % 3 === 0 ? 0.9 : null,
        outcome_notes: null,
        extra_metadata: json({ source: 'plugin' }),
      }));
      break;
    case 'gen_transactions':
      perMind((gmid, m, i) => ({
        id: out.length + 1,
        transaction_id: `TX-${m}-${i}`,
        mind_gmid: gmid,
        counterparty_gmid: i % 2 ? gmids[(m + 1) % gmids.length] : null,
        transaction_type: i % 2 ? 'transfer' : 'earned',
        amount: 1.5 * (i + 1),
        balance_after: 100 + 1.5 * (i + 1),
        reason: `reason ${i}`,
        related_task_id: i % 2 ? null : `TASK-${m}-0`,
        related_entity: null,
        timestamp: t(),
        extra_metadata: json({}),
      }));
      break;
    case 'mind_files':
      perMind((gmid, m, i) => ({
        id: out.length + 1,
        file_id: `FILE-${m}-${i}`,
        owner_gmid: gmid,
        filename: `notes-${i}.md`,
        filepath: `notes/notes-${i}.md`,
        file_type: 'text',
        size_bytes: 100 * (i + 1),
        is_private: 1,
        shared_with: json([]),
        created_at: t(),
        modified_at: t(),
        access_count: i,
        description: null,
        tags: json(['notes']),
        extra_metadata: json({}),
      }));
      break;
    case 'genesis_core':
      out.push({
        id: 1,
        base_task_reward: 10,
        daily_allowance: 5,
        max_gen_balance: 10000,
        max_active_tasks_per_mind: 10,
        governance_version: '1.0.0',
        rules: json({ max_transfer: 1000 }),
        created_at: t(),
        updated_at: t(),
      });
      break;
    case 'conversation_messages':
      perMind((gmid, m, i) => ({
        id: out.length + 1,
        mind_gmid: gmid,
        user_email: user(m, Math.floor(i / 2)),
        environment_id: i % 4 === 3 ? `ENV-${m}-0` : null,
        role: i % 2 ? 'assistant' : 'user',
        content: text(i % 2 ? 'reply' : 'hello', i),
        // Two messages of a Mind share a timestamp, as fast turns did.
        timestamp: i === 1 ? (out[out.length - 1]!.timestamp as string) : t(),
        extra_data: i % 3 ? json({ model: 'big', tokens: i * 10 }) : json({}),
      }));
      break;
    case 'concerns':
      perMind((gmid, m, i) => ({
        concern_id: `concern_${m}_${i}`,
        mind_gmid: gmid,
        user_email: user(m, i),
        concern_type: ['health', 'emotion', 'task', 'relationship'][i % 4],
        content: text('worried about', i),
        context: i % 2 ? null : 'said on Monday',
        priority: 0.8,
        confidence: 0.6,
        status: ['active', 'monitoring', 'resolved'][i % 3],
        created_at: t(),
        last_checked_at: i === 0 ? null : t(),
        next_check_at: i % 3 === 2 ? null : t(),
        resolved_at: i % 3 === 2 ? t() : null,
        check_count: i,
        follow_up_message: i % 2 ? 'How did it go?' : null,
        extra_data: json({ source: 'conversation' }),
      }));
      break;
    case 'background_tasks':
      perMind((gmid, m, i) => {
        const status = ['pending', 'running', 'completed', 'failed', 'retrying'][i % 5]!;
        return {
          task_id: `bg_${m}_${i}`,
          mind_gmid: gmid,
          user_email: user(m, i),
          user_request: text('please research', i),
          status,
          progress: status === 'completed' ? 1 : 0.5,
          created_at: t(),
          // A crash left `running` tasks running forever.
          started_at: status === 'pending' ? null : t(),
          completed_at: status === 'completed' || status === 'failed' ? t() : null,
          result: status === 'completed' ? json({ summary: 'done' }) : null,
          error: status === 'failed' ? 'Timeout after 300s' : null,
          retry_count: status === 'retrying' ? 1 : 0,
          max_retries: 2,
          context: json({ conversation_id: `conv-${i}` }),
          extra_data: json({}),
        };
      });
      break;
    case 'thoughts':
      perMind((gmid, m, i) => ({
        id: out.length + 1,
        mind_gmid: gmid,
        content: text('I wonder', i),
        thought_type: ['observation', 'reflection', 'insight'][i % 3],
        awareness_level: 'conscious',
        life_domain: 'learning',
        emotion: i % 2 ? null : 'curious',
        timestamp: t(),
        extra_data: json({ m }),
      }));
      break;
  }
  return out;
}

/** The old single-file Mind document as the Python version saved it (`withHistory`: before the SQL tiers). */
function oldMindFile(gmid: string, m: number, start: number, withHistory: boolean): Record<string, unknown> {
  return {
    identity: {
      gmid,
      name: `Mind ${m} — Ödön`,
      creator: `creator${m}@example.com`,
      birth_timestamp: new Date(start).toISOString().slice(0, 19),
      template: 'companion',
      primary_purpose: 'company',
      status: 'active',
    },
    intelligence: { reasoning_model: 'gpt-4', fast_model: 'gpt-3.5-turbo' },
    emotional_state: { primary_emotion: 'curious', intensity: 0.5, mood: 'calm' },
    ...(withHistory
      ? {
          conversation_history: Array.from({ length: 4 }, (_, i) => ({
            role: i % 2 ? 'assistant' : 'user',
            content: text('old turn', i),
          })),
        }
      : {}),
    memory: {
      memories: {
        [`mem-${m}-0`]: {
          id: `mem-${m}-0`,
          type: 'episodic',
          content: text('remembered', 0),
          timestamp: new Date(start).toISOString(),
          emotion: 'joy',
          importance: 0.7,
          tags: ['first'],
          user_email: 'user0@example.com',
        },
      },
    },
    dreams: [{ content: 'a dream', timestamp: new Date(start).toISOString() }],
    consciousness: { thought_stream: ['thought 0', 'thought 1'], awareness_level: 0.7 },
    plugins: {
      gen: {
        gen: {
          balance: 100.5 + m,
          transaction_history: Array.from({ length: 3 }, (_, i) => ({ amount: i, reason: `tx ${i}` })),
        },
      },
      tasks: { tasks: { tasks: { [`TASK-${m}-0`]: { title: 'Learn thing 0', status: 'completed' } } } },
    },
  };
}

function exec(db: Database, sql: string): Promise<void> {
  return new Promise((ok, fail) => db.exec(sql, (error) => (error ? fail(error) : ok())));
}
function runSql(db: Database, sql: string, params: unknown[]): Promise<void> {
  return new Promise((ok, fail) => db.run(sql, params, (error) => (error ? fail(error) : ok())));
}
function openDb(file: string): Promise<Database> {
  return new Promise((ok, fail) => {
    const db: Database = new Database(file, (error) => (error ? fail(error) : ok(db)));
  });
}
function closeDb(db: Database): Promise<void> {
  return new Promise((ok, fail) => db.close((error) => (error ? fail(error) : ok())));
}

/**
 * The tables and rows a Python home of these options holds, without writing anything (for writing
 * them elsewhere, e.g. PostgreSQL with `pythonTableDdl(name, variant, 'postgres')`).
 */
export function pythonRows(
  options: Omit<PythonHomeOptions, 'mindFiles'> = {},
): Pick<PythonHome, 'minds' | 'tables' | 'rows' | 'badRows'> & { start: number } {
  const variant = options.variant ?? 'current';
  const minds =
    typeof options.minds === 'object'
      ? [...options.minds]
      : Array.from({ length: options.minds ?? 3 }, (_, i) => `GMID-PYTH${String(i).padStart(4, '0')}`);
  const counts = { ...DEFAULT_ROWS, ...options.rows, minds: 1, metaverse_state: 1, genesis_core: 1 };
  const start = options.startAt ?? Date.UTC(2025, 2, 1, 8);
  const tables = PYTHON_TABLES.filter((name) => !options.tables || options.tables.includes(name));
  const rows: PythonHome['rows'] = {};
  for (const [n, table] of tables.entries()) {
    const present = new Set(
      columnsOf(
        DEFS.find((d) => d.name === table)!,
        variant,
      ).map((col) => col.name),
    );
    rows[table] = rowsFor(table, minds, counts, start + n * 86_400_000).map((row) =>
      Object.fromEntries(Object.entries(row).filter(([col]) => present.has(col))),
    );
  }
  const badRows = options.badRows ? addBadRows(rows, minds[0]) : [];
  return { minds, tables, rows, start, badRows };
}

/** Rows of the first Mind that no importer can take, appended to their tables (those present and with rows). */
function addBadRows(rows: PythonHome['rows'], gmid: string | undefined): PythonBadRow[] {
  const bad: PythonBadRow[] = [];
  const add = (
    table: PythonTableName,
    idColumn: string,
    id: string | number,
    patch: Record<string, unknown>,
    problem: string,
  ) => {
    const model = rows[table]?.find((r) => r.mind_gmid === gmid);
    if (!model) return;
    rows[table]!.push({ ...model, [idColumn]: id, ...patch });
    bad.push({ table, id: String(id), problem });
  };
  const nextId = (table: string) => Math.max(0, ...(rows[table] ?? []).map((r) => Number(r.id))) + 1;
  add(
    'conversation_messages',
    'id',
    nextId('conversation_messages'),
    { timestamp: 'not a time' },
    'timestamp is not a time',
  );
  add('concerns', 'concern_id', 'concern_bad', { content: '' }, 'content is empty');
  add(
    'background_tasks',
    'task_id',
    'bg_bad',
    { created_at: '2025-02-30 08:00:00.000000' },
    'created_at is 30 February',
  );
  add('thoughts', 'id', nextId('thoughts'), { timestamp: '' }, 'timestamp is empty');
  return bad;
}

/** Writes a Python Genesis home at `home` (created if missing) and returns what it wrote. */
export async function writePythonHome(home: string, options: PythonHomeOptions = {}): Promise<PythonHome> {
  const variant = options.variant ?? 'current';
  const { minds: gmids, tables, rows, start, badRows } = pythonRows(options);

  mkdirSync(home, { recursive: true });
  const database = join(home, 'genesis.db');
  const db = await openDb(database);
  try {
    await exec(db, 'BEGIN');
    for (const table of tables) {
      for (const statement of pythonTableDdl(table, variant)) await exec(db, statement);
      for (const row of rows[table]!) {
        const cols = Object.keys(row);
        await runSql(
          db,
          `INSERT INTO ${table} (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`,
          cols.map((col) => row[col]),
        );
      }
    }
    await exec(db, 'COMMIT');
  } finally {
    await closeDb(db);
  }

  const files: Record<string, unknown> = {};
  if (options.mindFiles !== false) {
    mkdirSync(join(home, 'minds'), { recursive: true });
    gmids.forEach((gmid, m) => {
      // The current file was saved after the SQL tiers arrived (history dropped); the .bak is the
      // save before, the only copy of the old conversation_history.
      const current = oldMindFile(gmid, m, start, false);
      const previous = oldMindFile(gmid, m, start, true);
      const file = join(home, 'minds', `${gmid}.json`);
      writeFileSync(file, JSON.stringify(current, null, 2));
      writeFileSync(`${file}.bak`, JSON.stringify(previous, null, 2));
      files[file] = current;
      files[`${file}.bak`] = previous;
    });
  }
  return { home, database, minds: gmids, tables, rows, files, badRows };
}

/** Every row of a table of a SQLite file, in rowid order (for comparing with {@link PythonHome.rows}). */
export async function readSqliteTable(file: string, table: string): Promise<Array<Record<string, unknown>>> {
  const db = await openDb(file);
  try {
    return await new Promise((ok, fail) =>
      db.all(`SELECT * FROM "${table.replace(/"/g, '""')}" ORDER BY rowid`, (error, result) =>
        error ? fail(error) : ok(result as Array<Record<string, unknown>>),
      ),
    );
  } finally {
    await closeDb(db);
  }
}
