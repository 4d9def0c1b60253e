import 'reflect-metadata';
import { SingleBar, Presets } from 'cli-progress';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { openGenesis, openGenesisStorage, type Genesis } from '@genesis/daemon';
import { MEMORY_TYPES, MindError, parseGmid, toEpochMs, type MemoryType, type StoredConcern, type StoredMessage } from '@genesis/mind-core';
import { MemoryTierError } from '@genesis/storage-chroma';
import { StorageError } from '@genesis/storage-sqlite';

interface GlobalOptions {
  home?: string;
  json?: boolean;
}

export interface Io {
  out(text: string): void;
  err(text: string): void;
}

const TABLES = ['minds', 'environments', 'relationships', 'conversation_messages', 'concerns', 'background_tasks', 'mind_records'] as const;

function parseLimit(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 1000) throw new InvalidArgumentError('must be an integer from 1 to 1000.');
  return n;
}

function parseUnit(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) throw new InvalidArgumentError('must be a number from 0 to 1.');
  return n;
}

function parseTime(value: string): number {
  try {
    return toEpochMs(value, 'date');
  } catch {
    throw new InvalidArgumentError('must be an ISO 8601 date such as 2026-11-24 or 2026-11-24T10:00:00Z.');
  }
}

function parseGmidArg(value: string): string {
  try {
    return parseGmid(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function messageView(m: StoredMessage) {
  return { ...m, createdAt: iso(m.createdAt) };
}

function concernView(c: StoredConcern) {
  return {
    ...c,
    nextCheckAt: iso(c.nextCheckAt),
    lastCheckedAt: iso(c.lastCheckedAt),
    resolvedAt: iso(c.resolvedAt),
    expiresAt: iso(c.expiresAt),
    createdAt: iso(c.createdAt),
    updatedAt: iso(c.updatedAt),
  };
}

/** Builds the `genesis` command line. */
export function buildCli(io: Io): Command {
  const program = new Command('genesis')
    .description('Genesis: long-running AI Minds whose state stays small, indexed and crash-safe')
    .option('--home <dir>', 'Genesis home (default: $GENESIS_HOME, else ~/.genesis)')
    .option('--json', 'print one JSON document on stdout')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) });

  const globals = () => program.opts<GlobalOptions>();
  const print = (value: unknown, human: () => string) => io.out(globals().json ? JSON.stringify(value, null, 2) : human());
  /** Opens Genesis on the chosen home, runs `fn`, and always closes it. */
  const withGenesis = async <T>(fn: (g: Genesis) => Promise<T>): Promise<T> => {
    const { home } = globals();
    const genesis = await openGenesis(home !== undefined ? { home } : {});
    try {
      return await fn(genesis);
    } finally {
      await genesis.close();
    }
  };

  program
    .command('migrate')
    .description('create or upgrade the SQL schema (safe to run any number of times)')
    .action(async () => {
      const { home } = globals();
      const storage = await openGenesisStorage({ ...(home !== undefined ? { home } : {}), migrate: false });
      try {
        const applied = await storage.db.migrate();
        print({ home: storage.home, database: storage.db.location, applied, appliedCount: applied.length }, () =>
          applied.length === 0
            ? `Schema of ${storage.db.location} is up to date.`
            : `Applied ${applied.length} migration(s) to ${storage.db.location}: ${applied.join(', ')}`,
        );
      } finally {
        await storage.close();
      }
    });

  program
    .command('status')
    .description('open the home (applying pending migrations) and show its database and row counts')
    .action(async () => {
      const { home } = globals();
      const storage = await openGenesisStorage(home !== undefined ? { home } : {});
      const db = storage.db;
      try {
        const applied = await db.appliedMigrations();
        const rows: Record<string, number> = {};
        for (const table of TABLES) {
          const [row] = await db.all<{ n: unknown }>(`SELECT COUNT(*) AS n FROM ${table}`);
          rows[table] = Number(row?.n ?? 0);
        }
        const result = { home: storage.home, database: db.location, dialect: db.dialect, migrations: { applied, appliedNow: storage.migrationsApplied }, rows };
        print(result, () =>
          [
            `home:       ${storage.home}`,
            `database:   ${db.location} (${db.dialect})`,
            `migrations: ${applied.length} applied${storage.migrationsApplied.length ? ` (${storage.migrationsApplied.length} just now)` : ''}, schema up to date`,
            ...TABLES.map((t) => `  ${t.padEnd(22)} ${rows[t]}`),
          ].join('\n'),
        );
      } finally {
        await storage.close();
      }
    });

  const mind = program.command('mind').description('create, list, show and delete Minds');
  mind
    .command('create')
    .description('create a new Mind')
    .requiredOption('--name <name>', 'its name')
    .option('--creator <name>', 'who created it')
    .option('--creator-email <email>', "its creator's email")
    .option('--purpose <text>', 'its primary purpose')
    .option('--template <name>', 'the template it was made from')
    .action(async (opts: { name: string; creator?: string; creatorEmail?: string; purpose?: string; template?: string }) =>
      withGenesis(async (g) => {
        const created = await g.createMind({
          name: opts.name,
          creator: opts.creator ?? null,
          creatorEmail: opts.creatorEmail ?? null,
          primaryPurpose: opts.purpose ?? null,
          template: opts.template ?? null,
        });
        print({ gmid: created.gmid, name: created.name, file: created.file }, () => `Created ${created.gmid} (${created.name}) at ${created.file}`);
      }),
    );

  mind
    .command('list')
    .description('list registered Minds')
    .action(async () =>
      withGenesis(async (g) => {
        const minds = await g.listMinds();
        print({ items: minds.map((m) => ({ ...m, createdAt: iso(m.createdAt), updatedAt: iso(m.updatedAt), lastSeenAt: iso(m.lastSeenAt) })) }, () =>
          minds.length === 0 ? 'No Minds yet: genesis mind create --name NAME' : minds.map((m) => `${m.gmid}  ${m.status.padEnd(8)} ${m.name}`).join('\n'),
        );
      }),
    );

  mind
    .command('show')
    .description("show a Mind's JSON document")
    .argument('<gmid>', 'the Mind', parseGmidArg)
    .action(async (gmid: string) =>
      withGenesis(async (g) => {
        const m = await g.loadMind(gmid);
        const doc = m.document;
        print(doc, () =>
          [
            `${doc.identity.gmid}  ${doc.identity.name}`,
            `born:     ${doc.identity.birthTimestamp}`,
            `purpose:  ${doc.identity.primaryPurpose ?? '-'}`,
            `emotion:  ${doc.emotionalState.primaryEmotion} (${doc.emotionalState.intensity}), mood ${doc.emotionalState.mood}`,
            `revision: ${doc.revision}`,
            `file:     ${m.file}`,
          ].join('\n'),
        );
      }),
    );

  mind
    .command('delete')
    .description('delete a Mind: its SQL rows, JSON file and secrets (backups of old files are kept)')
    .argument('<gmid>', 'the Mind', parseGmidArg)
    .action(async (gmid: string) =>
      withGenesis(async (g) => {
        const result = await g.deleteMind(gmid);
        print(result, () => `Deleted ${gmid}: ${result.rowsDeleted} rows${result.fileRemoved ? ' and its file' : ''}.`);
      }),
    );

  const message = program.command('message').description('add messages');
  message
    .command('add')
    .description("add a message to a Mind's conversation")
    .argument('<gmid>', 'the Mind', parseGmidArg)
    .requiredOption('--role <role>', 'user, assistant, system or tool')
    .requiredOption('--content <text>', 'the message')
    .option('--user <email>', 'the user the message is with')
    .option('--environment <id>', 'the environment it happened in')
    .action(async (gmid: string, opts: { role: string; content: string; user?: string; environment?: string }) =>
      withGenesis(async (g) => {
        const m = await g.loadMind(gmid);
        const added = await m.conversation.addMessage({
          role: opts.role as StoredMessage['role'],
          content: opts.content,
          ...(opts.user !== undefined ? { userEmail: opts.user } : {}),
          ...(opts.environment !== undefined ? { environmentId: opts.environment } : {}),
        });
        print(messageView(added), () => `Added message ${added.id}`);
      }),
    );

  program
    .command('messages')
    .description("list a Mind's messages, newest first")
    .argument('<gmid>', 'the Mind', parseGmidArg)
    .option('--limit <n>', 'page size (1..1000)', parseLimit, 20)
    .option('--cursor <c>', 'the nextCursor of the previous page')
    .option('--since <iso>', 'only messages at or after this time', parseTime)
    .option('--until <iso>', 'only messages before this time', parseTime)
    .option('--user <email>', 'only messages with this user')
    .option('--role <role>', 'only messages of this role')
    .action(async (gmid: string, opts: { limit: number; cursor?: string; since?: number; until?: number; user?: string; role?: string }) =>
      withGenesis(async (g) => {
        const m = await g.loadMind(gmid);
        const page = await m.conversation.listMessages({
          limit: opts.limit,
          cursor: opts.cursor ?? null,
          ...(opts.since !== undefined ? { since: opts.since } : {}),
          ...(opts.until !== undefined ? { until: opts.until } : {}),
          ...(opts.user !== undefined ? { userEmail: opts.user } : {}),
          ...(opts.role !== undefined ? { role: opts.role as StoredMessage['role'] } : {}),
        });
        print({ items: page.items.map(messageView), nextCursor: page.nextCursor }, () =>
          [
            ...page.items.map((x) => `${iso(x.createdAt)}  ${x.role.padEnd(9)} ${x.userEmail ?? '-'}  ${x.content.replace(/\s+/g, ' ').slice(0, 100)}`),
            ...(page.nextCursor ? [`(more: --cursor ${page.nextCursor})`] : []),
          ].join('\n') || 'No messages.',
        );
      }),
    );

  const concern = program.command('concern').description('add and resolve concerns (proactive follow-ups)');
  concern
    .command('add')
    .description('add a concern to follow up on')
    .argument('<gmid>', 'the Mind', parseGmidArg)
    .requiredOption('--type <type>', 'health, emotion, task, relationship, financial or personal')
    .requiredOption('--description <text>', 'what to follow up on')
    .option('--follow-up <iso>', 'when to check again (default: in 24 hours)', parseTime)
    .option('--user <email>', 'the user it is about')
    .option('--severity <x>', 'how serious, 0..1 (default 0.5)', parseUnit)
    .option('--urgency <u>', 'critical, high, normal or low (default normal)')
    .action(async (gmid: string, opts: { type: string; description: string; followUp?: number; user?: string; severity?: number; urgency?: string }) =>
      withGenesis(async (g) => {
        const m = await g.loadMind(gmid);
        const created = await m.concerns.create({
          type: opts.type as StoredConcern['concernType'],
          description: opts.description,
          followUpAt: opts.followUp ?? Date.now() + 24 * 3600 * 1000,
          ...(opts.user !== undefined ? { userEmail: opts.user } : {}),
          ...(opts.severity !== undefined ? { severity: opts.severity } : {}),
          ...(opts.urgency !== undefined ? { urgency: opts.urgency as StoredConcern['urgency'] } : {}),
        });
        print(concernView(created), () => `Added concern ${created.id} (follow up ${iso(created.nextCheckAt)})`);
      }),
    );

  concern
    .command('resolve')
    .description('mark a concern resolved')
    .argument('<id>', 'the concern id')
    .option('--note <text>', 'how it was resolved')
    .action(async (id: string, opts: { note?: string }) =>
      withGenesis(async (g) => {
        const { mind: m } = await g.findConcern(id);
        const resolved = await m.concerns.resolve(id, opts.note);
        print(concernView(resolved), () => `Resolved concern ${id} of ${m.gmid}`);
      }),
    );

  program
    .command('concerns')
    .description("list a Mind's concerns, soonest follow-up first")
    .argument('<gmid>', 'the Mind', parseGmidArg)
    .option('--status <s>', 'active, snoozed, resolved, dismissed or expired')
    .option('--due-before <iso>', 'only those whose follow-up is before this time', parseTime)
    .option('--user <email>', 'only those about this user')
    .option('--limit <n>', 'page size (1..1000)', parseLimit, 50)
    .option('--cursor <c>', 'the nextCursor of the previous page')
    .action(async (gmid: string, opts: { status?: string; dueBefore?: number; user?: string; limit: number; cursor?: string }) =>
      withGenesis(async (g) => {
        const m = await g.loadMind(gmid);
        const page = await m.concerns.list({
          limit: opts.limit,
          cursor: opts.cursor ?? null,
          ...(opts.status !== undefined ? { status: opts.status as StoredConcern['status'] } : {}),
          ...(opts.dueBefore !== undefined ? { dueBefore: opts.dueBefore } : {}),
          ...(opts.user !== undefined ? { userEmail: opts.user } : {}),
        });
        print({ items: page.items.map(concernView), nextCursor: page.nextCursor }, () =>
          [
            ...page.items.map((c) => `${c.id}  ${c.status.padEnd(9)} ${iso(c.nextCheckAt)}  ${c.concernType.padEnd(12)} ${c.description.slice(0, 80)}`),
            ...(page.nextCursor ? [`(more: --cursor ${page.nextCursor})`] : []),
          ].join('\n') || 'No concerns.',
        );
      }),
    );

  const memory = program.command('memory').description("add, search and re-index a Mind's long-term memories");
  memory
    .command('add')
    .description('add a memory (a near-duplicate of the same type strengthens the existing one)')
    .argument('<gmid>', 'the Mind', parseGmidArg)
    .requiredOption('--type <type>', MEMORY_TYPES.join(', '))
    .requiredOption('--content <text>', 'what to remember')
    .option('--importance <x>', 'how important, 0..1 (default 0.5)', parseUnit)
    .option('--user <email>', 'the user it is about')
    .option('--shared', 'visible to every user (default: personal when --user is given)')
    .action(async (gmid: string, opts: { type: string; content: string; importance?: number; user?: string; shared?: boolean }) =>
      withGenesis(async (g) => {
        const m = await g.loadMind(gmid);
        const added = await m.memory.addMemory({
          content: opts.content,
          memoryType: opts.type as MemoryType,
          ...(opts.importance !== undefined ? { importance: opts.importance } : {}),
          ...(opts.user !== undefined ? { userEmail: opts.user, relationshipContext: opts.shared ? 'shared' : 'personal' } : opts.shared ? { relationshipContext: 'shared' } : {}),
        });
        print({ ...added, timestamp: iso(added.timestamp), lastAccessed: iso(added.lastAccessed) }, () => `Stored memory ${added.id}`);
      }),
    );

  memory
    .command('search')
    .description('find memories by meaning, best first')
    .argument('<gmid>', 'the Mind', parseGmidArg)
    .argument('<query>', 'what to look for')
    .option('--limit <n>', 'how many (1..1000)', parseLimit, 5)
    .option('--type <type>', `only this type: ${MEMORY_TYPES.join(', ')}`)
    .option('--user <email>', "as seen by this user (theirs, shared and user-less memories)")
    .action(async (gmid: string, query: string, opts: { limit: number; type?: string; user?: string }) =>
      withGenesis(async (g) => {
        const m = await g.loadMind(gmid);
        const hits = await m.memory.searchMemories({
          query,
          limit: opts.limit,
          ...(opts.type !== undefined ? { memoryType: opts.type as MemoryType } : {}),
          ...(opts.user !== undefined ? { userEmail: opts.user } : {}),
        });
        print({ items: hits.map((h) => ({ ...h, timestamp: iso(h.timestamp), lastAccessed: iso(h.lastAccessed) })) }, () =>
          hits.map((h) => `${h.score.toFixed(3)}  ${h.type.padEnd(11)} ${h.content.replace(/\s+/g, ' ').slice(0, 100)}`).join('\n') || 'No memories found.',
        );
      }),
    );

  memory
    .command('reindex')
    .description('re-embed every memory of a Mind with the configured embedding provider')
    .argument('<gmid>', 'the Mind', parseGmidArg)
    .action(async (gmid: string) =>
      withGenesis(async (g) => {
        const m = await g.loadMind(gmid);
        const bar = new SingleBar({ format: 'reindex {bar} {value}/{total} memories', stream: process.stderr, noTTYOutput: false, hideCursor: true }, Presets.shades_classic);
        let begun = false;
        const count = await m.memory.reindex((done, total) => {
          if (!begun) {
            bar.start(total, done);
            begun = true;
          } else bar.update(done);
        });
        if (begun) bar.stop();
        print({ gmid, reindexed: count }, () => `Re-embedded ${count} memories of ${gmid}.`);
      }),
    );

  program
    .command('stats')
    .description('JSON file size and row counts, for one Mind or all')
    .argument('[gmid]', 'the Mind', parseGmidArg)
    .action(async (gmid?: string) =>
      withGenesis(async (g) => {
        if (gmid) {
          const s = await g.stats(gmid);
          print(s, () =>
            [
              `${s.gmid}  ${s.name}`,
              `json file:  ${s.jsonFile} (${s.jsonBytes} bytes)`,
              `messages:   ${s.messages}`,
              `concerns:   ${s.concerns} (${s.activeConcerns} active)`,
              `tasks:      ${s.tasks}`,
              `records:    ${s.records}`,
              `memories not yet moved to the memory tier: ${s.memoriesNotYetMoved}`,
            ].join('\n'),
          );
        } else {
          const all = await g.statsAll();
          print(all, () =>
            [`home: ${all.home}`, `database: ${all.database}`, ...all.minds.map((s) => ('error' in s ? `${s.gmid}  ERROR ${s.error}` : `${s.gmid}  ${s.jsonBytes} B json, ${s.messages} messages, ${s.concerns} concerns, ${s.memoriesNotYetMoved} memories not yet moved`))].join('\n'),
          );
        }
      }),
    );

  return program;
}

/** Runs the CLI and returns the process exit code. Errors become one line on stderr. */
export async function runCli(argv: readonly string[], io: Io): Promise<number> {
  const program = buildCli(io);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    const message =
      error instanceof StorageError || error instanceof MindError || error instanceof MemoryTierError ? `${error.code}: ${error.message}` : (error as Error).message;
    io.err(`genesis: ${message.split('\n')[0]}`);
    return 1;
  }
}
