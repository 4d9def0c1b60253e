import type { GenesisStats, GenesisStatus, HomeMigrationReport, RuntimeStatus } from '@genesis/daemon';
import { concernJson, iso, memoryJson, messageJson, scheduleJson, taskJson } from '@genesis/daemon';
import type { Memory, MemorySearchHit, Mind, MindStats, Page, RegisteredMind, StoredConcern } from '@genesis/mind-core';
import type { ConcernFire } from '@genesis/mind-core';
import type { StoredMessage, StoredSchedule, StoredTask } from '@genesis/mind-core';

/**
 * What a command prints: `json` with `--json` (one document on stdout), else `text` for people.
 * Times are epoch milliseconds inside Genesis and ISO-8601 in every view.
 */
export interface View {
  json: unknown;
  text: string;
}

/** One line of at most `max` characters. */
const oneLine = (text: string, max: number): string => text.replace(/\s+/g, ' ').slice(0, max);
const more = (page: Page<unknown>): string[] => (page.nextCursor ? [`(more: --cursor ${page.nextCursor})`] : []);

// status and migrate

/** What `status` says when an earlier (Python) Genesis left its tables in the database. */
export const LEGACY_HINT =
  'this home has data from an earlier Genesis (kept under python_* tables): run `genesis migrate` to import it';

export function statusView(status: GenesisStatus): View {
  const { applied, pending, appliedNow } = status.migrations;
  const schema = pending.length === 0 ? 'schema up to date' : `${pending.length} pending: run genesis migrate`;
  const legacy = status.legacy ?? [];
  const legacyRows = legacy.reduce((sum, t) => sum + t.rows, 0);
  return {
    json: legacy.length ? { ...status, hint: LEGACY_HINT } : status,
    text: [
      `home:       ${status.home}`,
      `database:   ${status.database} (${status.dialect})`,
      `migrations: ${applied.length} applied${appliedNow.length ? ` (${appliedNow.length} just now)` : ''}, ${schema}`,
      ...Object.entries(status.rows).map(([table, n]) => `  ${table.padEnd(22)} ${n}`),
      ...(legacy.length
        ? [
            `earlier Genesis: ${legacy.length} tables, ${legacyRows} rows`,
            ...legacy.map((t) => `  ${t.table.padEnd(30)} ${t.rows}`),
            `hint: ${LEGACY_HINT}`,
          ]
        : []),
    ].join('\n'),
  };
}

// minds

export function createdMindView(mind: Mind): View {
  return {
    json: { gmid: mind.gmid, name: mind.name, file: mind.file },
    text: `Created ${mind.gmid} (${mind.name}) at ${mind.file}`,
  };
}

export function mindListView(minds: RegisteredMind[]): View {
  return {
    json: {
      items: minds.map((m) => ({
        ...m,
        createdAt: iso(m.createdAt),
        updatedAt: iso(m.updatedAt),
        lastSeenAt: iso(m.lastSeenAt),
      })),
    },
    text:
      minds.length === 0
        ? 'No Minds yet: genesis mind create --name NAME'
        : minds.map((m) => `${m.gmid}  ${m.status.padEnd(8)} ${m.name}`).join('\n'),
  };
}

/** A Mind's JSON document. */
export function mindView(mind: Mind): View {
  const { identity, emotionalState, revision } = mind.document;
  return {
    json: mind.document,
    text: [
      `${identity.gmid}  ${identity.name}`,
      `born:     ${identity.birthTimestamp}`,
      `purpose:  ${identity.primaryPurpose ?? '-'}`,
      `emotion:  ${emotionalState.primaryEmotion} (${emotionalState.intensity}), mood ${emotionalState.mood}`,
      `revision: ${revision}`,
      `file:     ${mind.file}`,
    ].join('\n'),
  };
}

export function deletedMindView(result: { gmid: string; rowsDeleted: number; fileRemoved: boolean }): View {
  return {
    json: result,
    text: `Deleted ${result.gmid}: ${result.rowsDeleted} rows${result.fileRemoved ? ' and its file' : ''}.`,
  };
}

// messages

export function addedMessageView(message: StoredMessage): View {
  return { json: messageJson(message), text: `Added message ${message.id}` };
}

export function messagePageView(page: Page<StoredMessage>): View {
  const lines = page.items.map(
    (m) => `${iso(m.createdAt)}  ${m.role.padEnd(9)} ${m.userEmail ?? '-'}  ${oneLine(m.content, 100)}`,
  );
  return {
    json: { items: page.items.map(messageJson), nextCursor: page.nextCursor },
    text: [...lines, ...more(page)].join('\n') || 'No messages.',
  };
}

// concerns

export function addedConcernView(concern: StoredConcern): View {
  return { json: concernJson(concern), text: `Added concern ${concern.id} (follow up ${iso(concern.nextCheckAt)})` };
}

export function resolvedConcernView(concern: StoredConcern): View {
  return { json: concernJson(concern), text: `Resolved concern ${concern.id} of ${concern.mindId}` };
}

/** The fired checks of each concern, oldest first. */
function firesByConcern(fires: readonly ConcernFire[]): Map<string, ConcernFire[]> {
  const by = new Map<string, ConcernFire[]>();
  for (const f of fires) by.set(f.concernId, [...(by.get(f.concernId) ?? []), f]);
  return by;
}

const fireJson = (f: ConcernFire) => ({ checkAt: iso(f.checkAt), firedAt: iso(f.firedAt), taskId: f.taskId });

/** A concern with its next check and the checks that fired: a JSON item, and its lines of text. */
function concernWithFires(c: StoredConcern, fired: readonly ConcernFire[]): { json: unknown; lines: string[] } {
  return {
    json: { ...concernJson(c), fires: fired.map(fireJson) },
    lines: [
      `${c.id}  ${c.status.padEnd(9)} next ${iso(c.nextCheckAt)}  ${c.concernType.padEnd(12)} ${oneLine(c.description, 80)}`,
      ...(fired.length > 0
        ? [`    fired ${fired.length}: ${fired.map((f) => `${iso(f.checkAt)} (sent ${iso(f.firedAt)})`).join(', ')}`]
        : []),
    ],
  };
}

export function concernPageView(page: Page<StoredConcern>, fires: readonly ConcernFire[] = []): View {
  const by = firesByConcern(fires);
  const items = page.items.map((c) => concernWithFires(c, by.get(c.id) ?? []));
  return {
    json: { items: items.map((i) => i.json), nextCursor: page.nextCursor },
    text: [...items.flatMap((i) => i.lines), ...more(page)].join('\n') || 'No concerns.',
  };
}

/** Every due concern (all of them, no page), with its fired checks. */
export function dueConcernsView(due: readonly StoredConcern[], fires: readonly ConcernFire[], now: number): View {
  const by = firesByConcern(fires);
  const items = due.map((c) => concernWithFires(c, by.get(c.id) ?? []));
  return {
    json: { now: iso(now), count: due.length, items: items.map((i) => i.json) },
    text:
      due.length === 0
        ? `No concerns due at ${iso(now)}.`
        : [`${due.length} concern(s) due at ${iso(now)}:`, ...items.flatMap((i) => i.lines)].join('\n'),
  };
}

// memories

/** A memory added, and the memory its id names now (a near-duplicate it was merged into, or itself). */
export function addedMemoryView(added: Memory, kept: Memory | null): View {
  const memory = kept ?? added;
  return {
    json: memoryJson(memory),
    text:
      memory.id === added.id
        ? `Stored memory ${memory.id}`
        : `Strengthened memory ${memory.id} (a near-duplicate of the same type) instead of storing a copy`,
  };
}

export function memoryHitsView(hits: MemorySearchHit[]): View {
  return {
    json: { items: hits.map(memoryJson) },
    text:
      hits.map((h) => `${h.score.toFixed(3)}  ${h.type.padEnd(11)} ${oneLine(h.content, 100)}`).join('\n') ||
      'No memories found.',
  };
}

export function reindexView(gmid: string, reindexed: number): View {
  return { json: { gmid, reindexed }, text: `Re-embedded ${reindexed} memories of ${gmid}.` };
}

// stats

export function mindStatsView(s: MindStats): View {
  return {
    json: s,
    text: [
      `${s.gmid}  ${s.name}`,
      `json file:  ${s.jsonFile} (${s.jsonBytes} bytes)`,
      `messages:   ${s.messages}`,
      `concerns:   ${s.concerns} (${s.activeConcerns} active)`,
      `tasks:      ${s.tasks}`,
      `records:    ${s.records}`,
      `memories not yet moved to the memory tier: ${s.memoriesNotYetMoved}`,
    ].join('\n'),
  };
}

export function allStatsView(all: GenesisStats): View {
  return {
    json: all,
    text: [
      `home: ${all.home}`,
      `database: ${all.database}`,
      ...all.minds.map((s) =>
        'error' in s
          ? `${s.gmid}  ERROR ${s.error}`
          : `${s.gmid}  ${s.jsonBytes} B json, ${s.messages} messages, ${s.concerns} concerns, ${s.memoriesNotYetMoved} memories not yet moved`,
      ),
    ].join('\n'),
  };
}

// tasks, schedules, the daemon

export function taskView(task: StoredTask, created?: boolean): View {
  const verb = created === false ? 'Already enqueued' : created ? 'Enqueued' : `Task`;
  return {
    json: created === undefined ? taskJson(task) : { created, task: taskJson(task) },
    text: `${verb} ${task.id} (${task.type}, ${task.status}, run at ${iso(task.runAt)}${task.lastError ? `, last error: ${oneLine(task.lastError, 120)}` : ''})`,
  };
}

export function taskPageView(page: Page<StoredTask>): View {
  return {
    json: { items: page.items.map(taskJson), nextCursor: page.nextCursor },
    text:
      [
        ...page.items.map(
          (t) =>
            `${t.id}  ${t.status.padEnd(9)} ${iso(t.runAt)}  ${t.type.padEnd(20)} attempts ${t.attempts}/${t.maxAttempts}${t.lastError ? `  ${oneLine(t.lastError, 60)}` : ''}`,
        ),
        ...more(page),
      ].join('\n') || 'No tasks.',
  };
}

export function scheduleView(schedule: StoredSchedule): View {
  return {
    json: scheduleJson(schedule),
    text: `Schedule ${schedule.name}: "${schedule.cron}" (${schedule.timezone}) → ${schedule.type}, next ${iso(schedule.nextRunAt)}`,
  };
}

export function scheduleListView(schedules: StoredSchedule[]): View {
  return {
    json: { items: schedules.map(scheduleJson) },
    text:
      schedules
        .map(
          (s) =>
            `${s.name.padEnd(20)} ${s.cron.padEnd(16)} ${s.timezone.padEnd(16)} ${s.type.padEnd(20)} next ${iso(s.nextRunAt)}${s.enabled ? '' : ' (disabled)'}`,
        )
        .join('\n') || 'No schedules.',
  };
}

export function runtimeStatusView(status: RuntimeStatus, now: number): View {
  const live = status.leases.filter((l) => l.expiresAt > now);
  return {
    json: {
      ...status,
      leases: status.leases.map((l) => ({
        ...l,
        acquiredAt: iso(l.acquiredAt),
        expiresAt: iso(l.expiresAt),
        live: l.expiresAt > now,
      })),
      nextSchedules: status.nextSchedules.map(scheduleJson),
      dead: status.dead.map(taskJson),
    },
    text: [
      live.length === 0 ? 'No daemon holds a Mind of this home.' : `${live.length} Mind(s) held:`,
      ...live.map((l) => `  ${l.mindId}  pid ${l.pid} on ${l.host} since ${iso(l.acquiredAt)}`),
      `tasks: ${Object.entries(status.tasks)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}`,
      ...(status.nextSchedules.length
        ? [
            'next schedules:',
            ...status.nextSchedules.map((s) => `  ${iso(s.nextRunAt)}  ${s.mindId ?? 'daemon'}  ${s.name} → ${s.type}`),
          ]
        : []),
      ...(status.dead.length
        ? [
            'dead tasks:',
            ...status.dead.map((t) => `  ${t.id}  ${t.mindId}  ${t.type}: ${oneLine(t.lastError ?? '', 80)}`),
          ]
        : []),
    ].join('\n'),
  };
}

// genesis migrate (an earlier home)

const size = (bytes: number): string =>
  bytes < 1024
    ? `${bytes} B`
    : bytes < 1024 * 1024
      ? `${(bytes / 1024).toFixed(1)} KB`
      : `${(bytes / 1024 / 1024).toFixed(1)} MB`;

export function homeMigrationView(migration: HomeMigrationReport): View {
  // `applied` / `appliedCount`: the schema migrations, as `migrate --json` has always said them.
  const report = { ...migration, applied: migration.schemaApplied, appliedCount: migration.schemaApplied.length };
  const schema =
    report.schemaApplied.length === 0
      ? `Schema of ${report.database} is up to date.`
      : `Applied ${report.schemaApplied.length} migration(s) to ${report.database}: ${report.schemaApplied.join(', ')}`;
  const catalogue = catalogueLines(report.catalogue);
  if (report.minds.length === 0)
    return {
      json: report,
      text: [`${schema}`, `Nothing from an earlier Genesis to import in ${report.home}.`, ...catalogue].join('\n'),
    };
  const lines = [schema];
  const t = report.totals;
  lines.push(
    `${report.dryRun ? 'Would import' : 'Imported'} ${report.minds.length} Mind(s) from an earlier Genesis in ${report.home}` +
      (report.backup
        ? report.dryRun
          ? ` (backup to be made in ${report.backup.dir}: ${report.backup.files} files, ${size(report.backup.bytes)})`
          : ` (originals kept in ${report.backup.dir}: ${report.backup.files} files, ${size(report.backup.bytes)}, checked)`
        : ''),
  );
  for (const mind of report.minds) {
    lines.push(
      '',
      `${mind.gmid}  ${mind.name ?? '(no name)'}  ${mind.status}` +
        (mind.oldBytes > 0 || mind.newBytes > 0 ? `  file ${size(mind.oldBytes)} → ${size(mind.newBytes)}` : ''),
    );
    if (mind.error) lines.push(`  error: ${mind.error.code}: ${mind.error.message}`);
    for (const c of mind.counts) {
      if (c.read === 0 && c.skipped.length === 0) continue;
      lines.push(
        `  ${c.item.padEnd(14)} ${c.source.padEnd(34)} ${c.read} read, ${c.moved} ${report.dryRun ? 'to move' : 'moved'}, ${c.alreadyThere} already there` +
          (c.skipped.length > 0 ? `, ${c.skipped.length} skipped` : ''),
      );
      for (const s of c.skipped.slice(0, 5)) lines.push(`    skipped ${s.id}: ${s.reason}`);
      if (c.skipped.length > 5) lines.push(`    … and ${c.skipped.length - 5} more (see --json)`);
    }
    if (mind.movedSections.length > 0)
      lines.push(`  moved to records to keep the file small: ${mind.movedSections.join(', ')}`);
    for (const p of mind.problems) lines.push(`  note: ${p}`);
  }
  lines.push(
    '',
    `Total: ${t.read} read, ${t.moved} ${report.dryRun ? 'to move' : 'moved'}, ${t.alreadyThere} already there, ${t.skipped} skipped; ${t.failedMinds} Mind(s) failed.`,
    ...catalogue,
  );
  return { json: report, text: lines.join('\n') };
}

/** The memory catalogue step of `genesis migrate`: only Minds where it did something, or failed. */
function catalogueLines(catalogue: HomeMigrationReport['catalogue']): string[] {
  const lines: string[] = [];
  for (const c of catalogue) {
    if ('error' in c) lines.push(`  ${c.gmid}: ${c.error.code}: ${c.error.message}`);
    else if (c.written + c.backfilled + c.settled + c.abandoned + c.deleted + c.orphaned > 0)
      lines.push(
        `  ${c.gmid}: ${c.written} queued vectors written, ${c.backfilled} catalogued, ${c.settled} interrupted writes settled, ${c.abandoned} abandoned, ${c.deleted} deletions finished, ${c.orphaned} rows without a vector removed`,
      );
  }
  return lines.length > 0 ? ['', `Memory catalogue (SQL beside Chroma) of ${catalogue.length} Mind(s):`, ...lines] : [];
}
