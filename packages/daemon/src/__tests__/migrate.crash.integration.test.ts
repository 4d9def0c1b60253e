import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { tempHome } from '@genesis/mind-core/testing';
import { openGenesis } from '../composition/open-genesis';
import { LEGACY_BACKUP_FOLDER } from '../home-migration/backup';
import type { HomeMigrationReport } from '../home-migration/report';
import { BROKEN, FILE_ONLY, SQL_MINDS, writeOldHome, type OldHome, type OldHomeOptions } from './support/old-home';
import { crashSeed, readJsonLines, requireProgramBuilt, seededRandom, sleep, startProgram } from './fixtures/children';

/**
 * `genesis migrate` killed with SIGKILL at random moments, 20 times on the same old home, then run
 * to its end: the home ends exactly as a copy of the same old home migrated once without
 * interruption (the reference), item by item — every message, concern, task, record, person,
 * place, memory and the Mind document — with nothing lost, nothing twice, the originals untouched
 * and every Mind loading with a file under 50 KB.
 *
 * Everything runs the BUILT program (`apps/daemon/dist/main.js`) in its own process, killed by its
 * own pid. fixtures/migrate-progress.js is preloaded only to listen: it logs each progress step
 * (the bar draws only on a terminal), so each kill can be placed in a phase of the migration.
 * Replay a failing run with CRASH_SEED=<seed> (printed; the delays also scale with the measured run).
 */

/** Sized so that one migrate lasts a few seconds and its phases (rows, Mind files, memories) each take a share. */
const SHAPE: OldHomeOptions = {
  rows: { conversation_messages: 5000, concerns: 100, background_tasks: 100, thoughts: 300 },
  fileOnly: {
    turns: 8000,
    times: 'naive',
    memories: 500,
    transactions: 2000,
    people: 20,
    places: 10,
    visitorsPerPlace: 30,
    dreams: 100,
    thoughts: 300,
  },
  chromaItems: 400,
};
const ROUNDS = 20;
const MIGRATED = [...SQL_MINDS, FILE_ONLY];
const PRELOAD = join(__dirname, 'fixtures', 'migrate-progress.js');

const work = tempHome('genesis-migrate-crash-');
const referenceHome = join(work.path, 'reference');
const crashHome = join(work.path, 'crash');
const logs = join(work.path, 'logs');
/** Every time at or after this comes from the clock of this run, never from the old home (dated 2025). */
const T0 = Date.now();
const seed = crashSeed();
const random = seededRandom(seed);

let referenceOld: OldHome;
let crashOld: OldHome;
/** sha256 of every file of the crash home as written, before any run (path relative to the home). */
let originals: Map<string, string>;
let referenceMs = 0;
let referenceReport: HomeMigrationReport;
let referencePhases: string;
/** sha256 of the backup manifest the first time a round left one. */
let manifestDigest: string | null = null;

const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
const rel = (home: string, file: string) => relative(home, file).split(sep).join('/');

function walk(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : e.isFile() ? [join(dir, e.name)] : [],
  );
}

/** sha256 of every file of a home, by relative path. */
const digests = (home: string) => new Map(walk(home).map((f) => [rel(home, f), sha(f)]));

interface ProgressLine {
  at: number;
  pid: number;
  gmid?: string;
  step: string;
  done?: number;
  total?: number;
}

/** One migrate run of the program; `killAfterMs` null: to its end. */
async function migrate(
  home: string,
  name: string,
  killAfterMs: number | null,
): Promise<{
  ms: number;
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  log: ProgressLine[];
}> {
  const log = join(logs, `${name}.jsonl`);
  const started = Date.now();
  const child = startProgram(['--home', home, '--json', 'migrate'], {
    preload: PRELOAD,
    env: { MIGRATE_TEST_LOG: log },
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    if (killAfterMs !== null) await Promise.race([sleep(killAfterMs), child.exited]);
    else timer = setTimeout(() => void child.kill(), 90_000);
    const exit = killAfterMs !== null ? await child.kill() : await child.exited;
    return {
      ms: Date.now() - started,
      ...exit,
      stdout: child.stdout(),
      stderr: child.stderr(),
      log: readJsonLines<ProgressLine>(log),
    };
  } finally {
    clearTimeout(timer);
    await child.kill();
  }
}

/** The report of a run that ended by itself: exit 1 (the truncated file) and every other Mind migrated. */
function finishedReport(
  run: { code: number | null; signal: string | null; stdout: string; stderr: string },
  context: string,
) {
  expect({ context, code: run.code, signal: run.signal }).toEqual({ context, code: 1, signal: null });
  expect(run.stderr).toMatch(/MIGRATE_INCOMPLETE/);
  const report = JSON.parse(run.stdout) as HomeMigrationReport;
  const failures = report.minds
    .filter((m) => m.gmid !== BROKEN && m.error)
    .map((m) => `${m.gmid}: ${m.error!.message}`);
  expect({ context, failures, minds: report.minds.map((m) => [m.gmid, m.status, m.error?.code ?? null]) }).toEqual({
    context,
    failures: [],
    minds: [...MIGRATED, BROKEN]
      .sort()
      .map((g) => [g, g === BROKEN ? 'failed' : 'migrated', g === BROKEN ? 'INVALID_MIND_FILE' : null]),
  });
  expect(report.totals.failedMinds).toBe(1);
  return report;
}

/** Where the last progress line of a run puts it: `GMID step` (before the first one: `start, backup`). */
function phaseOf(log: ProgressLine[]): string {
  const last = [...log].reverse().find((l) => l.gmid);
  if (!last) return 'start, backup';
  return `${last.gmid} ${last.step}${last.done !== undefined && last.done >= (last.total ?? Infinity) ? ' (after its last batch)' : ''}`;
}

/** When each phase began in a run, ms from its start: `GMID step@ms`. */
function timeline(log: ProgressLine[], started: number): string {
  const out: string[] = [];
  let last = '';
  for (const l of log) {
    const phase = phaseOf([l]);
    if (l.gmid && phase !== last) out.push(`${phase.replace('GMID-', '')}@${l.at - started}`);
    last = phase;
  }
  return out.join(', ');
}

beforeAll(async () => {
  requireProgramBuilt();
  mkdirSync(logs, { recursive: true });
  referenceOld = await writeOldHome(referenceHome, SHAPE);
  crashOld = await writeOldHome(crashHome, SHAPE);
  originals = digests(crashHome);

  // The two old homes are the same: the fixture is deterministic, byte for byte, except the old
  // Chroma store, whose files carry random collection and segment UUIDs: its items are the same.
  const reference = digests(referenceHome);
  expect([...reference.keys()].filter((f) => !f.startsWith('data/chroma/')).sort()).toEqual(
    [...originals.keys()].filter((f) => !f.startsWith('data/chroma/')).sort(),
  );
  for (const [file, digest] of originals)
    if (!file.startsWith('data/chroma/')) expect({ file, digest: reference.get(file) }).toEqual({ file, digest });
  expect(crashOld.chroma).toEqual(referenceOld.chroma);
  expect(crashOld.python.rows).toEqual(referenceOld.python.rows);

  // The reference: migrated once, without interruption, by the same program (and the same listener).
  const started = Date.now();
  const run = await migrate(referenceHome, 'reference', null);
  referenceMs = run.ms;
  referenceReport = finishedReport(run, 'the reference run');
  expect(referenceReport.totals.moved).toBeGreaterThan(20_000);
  referencePhases = timeline(run.log, started);
}, 120_000);
afterAll(() => work.cleanup());

interface Round {
  delayMs: number;
  killed: boolean;
  phase: string;
  manifest: boolean;
}
const rounds: Round[] = [];

test(`SIGKILL migrate at ${ROUNDS} random moments on the same home, then it finishes: every Mind migrated, a further run moves nothing`, async () => {
  const manifest = join(crashHome, LEGACY_BACKUP_FOLDER, 'manifest.json');
  // One random moment in each twentieth of [0, 1.2 × an uninterrupted run], earliest first: a run
  // after a kill skips quickly what is already there and goes on where the last one stopped, so
  // rising delays walk the kills through every phase (shuffled, the first late kill would leave
  // little for the next rounds to interrupt: most of them would finish).
  const delays = Array.from({ length: ROUNDS }, (_, i) => Math.round(((i + random()) / ROUNDS) * 1.2 * referenceMs));
  for (const [i, delayMs] of delays.entries()) {
    const round = i + 1;
    const run = await migrate(crashHome, `round-${round}`, delayMs);
    const killed = run.signal === 'SIGKILL';
    // A run that ended before its kill ended as a full run does.
    if (!killed) finishedReport(run, `round ${round} (kill after ${delayMs} ms came too late)`);
    const hasManifest = existsSync(manifest);
    if (hasManifest) {
      // Written once (temp → rename), then only checked: never rewritten by a later run.
      manifestDigest ??= sha(manifest);
      expect({ round, manifest: sha(manifest) }).toEqual({ round, manifest: manifestDigest });
    }
    rounds.push({ delayMs, killed, phase: killed ? phaseOf(run.log) : 'finished', manifest: hasManifest });
  }

  const final = finishedReport(await migrate(crashHome, 'final', null), 'the run after the kills');
  expect(final.totals.moved).toBeGreaterThanOrEqual(0);
  // It read what the reference read, skipped the same rows for the same reasons, and now holds each item.
  const perSource = (report: HomeMigrationReport) =>
    report.minds.flatMap((m) =>
      m.counts.map((c) => ({
        gmid: m.gmid,
        item: c.item,
        source: c.source,
        read: c.read,
        held: c.moved + c.alreadyThere,
        skipped: c.skipped,
      })),
    );
  expect(perSource(final)).toEqual(perSource(referenceReport));
  for (const m of final.minds.filter((m) => m.status === 'migrated')) {
    expect({ gmid: m.gmid, newBytes: m.newBytes < 50 * 1024 }).toEqual({ gmid: m.gmid, newBytes: true });
    // No memory left waiting for a later load: the migration itself moved every one.
    expect({ gmid: m.gmid, problems: m.problems.filter((p) => /memories wait/.test(p)) }).toEqual({
      gmid: m.gmid,
      problems: [],
    });
  }

  const further = finishedReport(await migrate(crashHome, 'further', null), 'a further run');
  expect(further.totals.moved).toBe(0);
  expect(further.backup?.created).toBe(false);
  expect(sha(manifest)).toBe(manifestDigest);

  const phases = new Map<string, number>();
  for (const r of rounds) phases.set(r.phase, (phases.get(r.phase) ?? 0) + 1);
  console.info(
    `[migrate-crash] seed ${seed}; uninterrupted migrate ${referenceMs} ms (${referencePhases}); ` +
      `kills at ${rounds.map((r) => r.delayMs).join(', ')} ms; ` +
      `${rounds.filter((r) => r.killed).length} killed, in phase: ${[...phases].map(([p, n]) => `${p.replace('GMID-', '')} ×${n}`).join('; ')}; ` +
      `${rounds.filter((r) => !r.manifest).length} rounds ended before the backup manifest existed; final run moved ${final.totals.moved}`,
  );
}, 240_000);

interface ExportLine {
  type: string;
  data: Record<string, unknown>;
}
interface HomeState {
  rows: Record<string, number>;
  minds: Map<string, { counts: Record<string, number>; items: ExportLine[] }>;
}

/** Row counts per table, then each migrated Mind's portable document (genesis mind export), read back. */
async function stateOf(home: string, name: string): Promise<HomeState> {
  const genesis = await openGenesis({ home, env: { GENESIS_EMBEDDINGS: 'hash' } });
  try {
    const { rows } = await genesis.status();
    const minds: HomeState['minds'] = new Map();
    for (const gmid of MIGRATED) {
      const file = join(work.path, `${name}-${gmid}.jsonl`);
      await genesis.exportMind(gmid, { file });
      const [header, ...items] = readFileSync(file, 'utf8')
        .split('\n')
        .filter((l) => l.trim())
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      minds.set(gmid, { counts: header!.counts as Record<string, number>, items: items as unknown as ExportLine[] });
    }
    return { rows, minds };
  } finally {
    await genesis.close();
  }
}

/** A value the clock of this run made (epoch ms or an ISO time at or after the test began): `<clock>`. */
function clockTime(value: unknown): unknown {
  const ms = typeof value === 'number' ? value : typeof value === 'string' ? Date.parse(value) : NaN;
  return Number.isFinite(ms) && ms >= T0 ? '<clock>' : value;
}

/** The stable key of a place: its old SQL id, its old plugin key, else its name. */
function placeKey(data: Record<string, unknown>): string {
  const metadata = (data.metadata ?? {}) as { legacy?: { env_id?: string }; legacyImport?: { key?: string } };
  return metadata.legacy?.env_id ?? metadata.legacyImport?.key ?? `name:${String(data.name)}`;
}

/** The key each item of a Mind is stored once by (its key from the source). */
function itemKey(line: ExportLine): string {
  const d = line.data;
  switch (line.type) {
    case 'message':
    case 'record':
      return String(d.sourceKey);
    case 'task':
      return String(d.idempotencyKey);
    case 'relationship':
      return String(d.userEmail);
    case 'environment':
      return placeKey(d);
    default:
      return String(d.id ?? line.type); // concerns (ids derived from the old ids), memories (old ids), the Mind
  }
}

/**
 * An item with what legitimately differs between two homes migrated from the same old home taken
 * out — only values this run made, never a value from the source:
 * - `id` of messages, records, relationships and environments: uuid v7, generated at insert (time +
 *   random). Concern and task ids are derived from the old ids and stay; memory ids are the old ids.
 * - a message's `environmentId` points at such a generated id: replaced by the place's key from the source.
 * - `createdAt` / `updatedAt` (and in the Mind document `identity.birthTimestamp`,
 *   `emotionalState.lastUpdate`) only when the clock made them (`clockTime`: at or after the
 *   test began; every time of the old home is from 2025): the import time of a place or person,
 *   the time of a record whose source has none, and the synthetic times of history items without
 *   one (order kept: checked apart on the full message order).
 * - the Mind document's `revision` (one per save: a killed run may have saved before dying) and
 *   `legacyImport.importedAt` (when the file was converted); its `legacyImport.sourceFile` /
 *   `backupFile` name the home: made relative to it.
 */
function normalise(home: string, line: ExportLine, places: Map<string, string>): ExportLine {
  const d: Record<string, unknown> = { ...line.data };
  switch (line.type) {
    case 'mind': {
      const document = structuredClone(d.document) as Record<string, Record<string, unknown>>;
      delete document.revision;
      document.identity!.birthTimestamp = clockTime(document.identity!.birthTimestamp);
      document.emotionalState!.lastUpdate = clockTime(document.emotionalState!.lastUpdate);
      const legacy = document.legacyImport;
      if (legacy) {
        legacy.importedAt = clockTime(legacy.importedAt);
        legacy.sourceFile = rel(home, String(legacy.sourceFile));
        legacy.backupFile = rel(home, String(legacy.backupFile));
      }
      return { type: line.type, data: { ...d, document } };
    }
    case 'message':
      delete d.id;
      d.createdAt = clockTime(d.createdAt);
      if (d.environmentId !== null)
        d.environmentId = places.get(String(d.environmentId)) ?? `unknown place ${String(d.environmentId)}`;
      return { type: line.type, data: d };
    case 'record':
    case 'relationship':
    case 'environment':
      delete d.id;
      d.createdAt = clockTime(d.createdAt);
      if ('updatedAt' in d) d.updatedAt = clockTime(d.updatedAt);
      return { type: line.type, data: d };
    default:
      return line;
  }
}

/** Canonical JSON (keys sorted), so equal items print equal. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );
}

/** The items of one home and not the other (as multisets), a few of each. */
function difference(
  reference: string[],
  crash: string[],
): { onlyInReference: string[]; onlyInCrash: string[]; counts: number[] } {
  const left = new Map<string, number>();
  for (const item of reference) left.set(item, (left.get(item) ?? 0) + 1);
  const onlyInCrash: string[] = [];
  for (const item of crash) {
    const n = left.get(item) ?? 0;
    if (n > 0) left.set(item, n - 1);
    else onlyInCrash.push(item);
  }
  const onlyInReference = [...left].flatMap(([item, n]) => Array<string>(n).fill(item));
  // One item each side (the Mind, or one changed item): the fields that differ, else a few of each, cut short.
  if (onlyInReference.length === 1 && onlyInCrash.length === 1) {
    const fields = changedFields(JSON.parse(onlyInReference[0]!), JSON.parse(onlyInCrash[0]!));
    return { onlyInReference: fields.map((f) => f.reference), onlyInCrash: fields.map((f) => f.crash), counts: [1, 1] };
  }
  const few = (list: string[]) => list.slice(0, 3).map((s) => s.slice(0, 600));
  return {
    onlyInReference: few(onlyInReference),
    onlyInCrash: few(onlyInCrash),
    counts: [onlyInReference.length, onlyInCrash.length],
  };
}

/** The paths where two JSON values differ, each with both values (`path = value`). */
function changedFields(reference: unknown, crash: unknown, path = ''): Array<{ reference: string; crash: string }> {
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
  if (isObject(reference) && isObject(crash) && Array.isArray(reference) === Array.isArray(crash)) {
    const keys = [...new Set([...Object.keys(reference), ...Object.keys(crash)])];
    return keys.flatMap((k) => changedFields(reference[k], crash[k], `${path}.${k}`));
  }
  if (canonical(reference) === canonical(crash)) return [];
  const show = (v: unknown) => `${path} = ${v === undefined ? 'absent' : canonical(v).slice(0, 300)}`;
  return [{ reference: show(reference), crash: show(crash) }];
}

/** Messages of a Mind in time order (ties by key), as their keys. */
const messageOrder = (items: ExportLine[]) =>
  items
    .filter((l) => l.type === 'message')
    .map((l) => ({ at: l.data.createdAt as number, key: String(l.data.sourceKey) }))
    .sort((a, b) => a.at - b.at || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((m) => m.key);

test('the crash home equals the reference home item by item: same rows per table, each item once, nothing lost', async () => {
  expect(rounds).toHaveLength(ROUNDS);
  const reference = await stateOf(referenceHome, 'reference');
  const crash = await stateOf(crashHome, 'crash');
  expect(crash.rows).toEqual(reference.rows);
  for (const gmid of MIGRATED) {
    const ref = reference.minds.get(gmid)!;
    const got = crash.minds.get(gmid)!;
    expect({ gmid, counts: got.counts }).toEqual({ gmid, counts: ref.counts });
    // Each item once, by its key from the source.
    const seen = new Map<string, number>();
    for (const line of got.items) {
      const key = `${line.type} ${itemKey(line)}`;
      seen.set(key, (seen.get(key) ?? 0) + 1);
    }
    expect({ gmid, duplicates: [...seen].filter(([, n]) => n > 1).slice(0, 5) }).toEqual({ gmid, duplicates: [] });
    expect({ gmid, keys: [...seen.keys()].filter((k) => /undefined|null/.test(k)).slice(0, 5) }).toEqual({
      gmid,
      keys: [],
    });
    // Item by item, with only what a run makes by itself taken out.
    const placesOf = (items: ExportLine[]) =>
      new Map(items.filter((l) => l.type === 'environment').map((l) => [String(l.data.id), placeKey(l.data)]));
    for (const type of new Set([...ref.items, ...got.items].map((l) => l.type))) {
      const of = (home: string, items: ExportLine[]) =>
        items
          .filter((l) => l.type === type)
          .map((l) => canonical(normalise(home, l, placesOf(items)).data))
          .sort();
      expect({ gmid, type, ...difference(of(referenceHome, ref.items), of(crashHome, got.items)) }).toEqual({
        gmid,
        type,
        onlyInReference: [],
        onlyInCrash: [],
        counts: [0, 0],
      });
    }
    // The order of the conversation (times made for history without times included) is the reference's.
    expect(messageOrder(got.items)).toEqual(messageOrder(ref.items));
  }
}, 120_000);

test('the originals were never changed: kept byte for byte in the checked backup, the old files left in place', () => {
  const backup = join(crashHome, LEGACY_BACKUP_FOLDER);
  const manifest = JSON.parse(readFileSync(join(backup, 'manifest.json'), 'utf8')) as {
    files: Array<{ path: string; sha256: string }>;
  };
  expect(manifestDigest).not.toBeNull();
  expect(sha(join(backup, 'manifest.json'))).toBe(manifestDigest);
  // The manifest names every file of the old home with its digest as written, and each copy matches.
  expect(Object.fromEntries(manifest.files.map((f) => [f.path, f.sha256]))).toEqual(Object.fromEntries(originals));
  for (const [file, digest] of originals)
    expect({ file, copy: sha(join(backup, file)) }).toEqual({ file, copy: digest });
  // In place: the .bak and .tmp files, the truncated file and the old Chroma store are as written;
  // the database and the migrated Mind files were replaced (their originals are the copies above).
  const replaced = new Set(['genesis.db', ...MIGRATED.map((g) => `minds/${g}.json`)]);
  for (const [file, digest] of originals)
    if (!replaced.has(file)) expect({ file, now: sha(join(crashHome, file)) }).toEqual({ file, now: digest });
  // The per-Mind copies the file import keeps (minds/backup/{GMID}.{digest}.json) are originals too.
  const kept = walk(join(crashHome, 'minds', 'backup'));
  expect(kept.length).toBeGreaterThanOrEqual(MIGRATED.length);
  const originalDigests = new Set(originals.values());
  for (const file of kept) {
    const digest = sha(file);
    expect({ file: rel(crashHome, file), original: originalDigests.has(digest) }).toEqual({
      file: rel(crashHome, file),
      original: true,
    });
    expect(file.endsWith(`.${digest.slice(0, 16)}.json`)).toBe(true);
  }
  // Nothing left behind by the killed runs that an uninterrupted run does not leave.
  const names = (home: string) => readdirSync(join(home, 'minds')).sort();
  expect(names(crashHome)).toEqual(names(referenceHome));
  expect(
    walk(join(crashHome, 'minds', 'backup'))
      .map((f) => rel(crashHome, f))
      .sort(),
  ).toEqual(
    walk(join(referenceHome, 'minds', 'backup'))
      .map((f) => rel(referenceHome, f))
      .sort(),
  );
});

test('every migrated Mind loads and saves, and its file is under 50 KB', async () => {
  const genesis = await openGenesis({ home: crashHome, env: { GENESIS_EMBEDDINGS: 'hash' } });
  try {
    for (const gmid of MIGRATED) {
      const mind = await genesis.loadMind(gmid);
      expect(mind.gmid).toBe(gmid);
      expect(statSync(join(crashHome, 'minds', `${gmid}.json`)).size).toBeLessThan(50 * 1024);
      mind.update((d) => {
        d.state = { ...d.state, touched: true };
      });
      expect((await mind.save()).bytes).toBeLessThan(50 * 1024);
    }
  } finally {
    await genesis.close();
  }
}, 60_000);
