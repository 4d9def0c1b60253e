import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempHome } from '@genesis/mind-core/testing';
import { openGenesis } from '../composition/open-genesis';
import { oldMindWithHistory } from './support/old-minds';
import { crashSeed, requireBuilt, seededRandom, sleep, startChild, type Child } from './fixtures/children';

/**
 * Importing an old-format Mind file commits its messages, records and registry row in one unit of
 * work: a process killed with SIGKILL at any moment of `loadMindFile` leaves all of them or none,
 * and importing again afterwards adds exactly what is missing (never a duplicate).
 * The child (fixtures/import-legacy.js) runs the BUILT daemon; kills are spread over 0.2×–1.5× of
 * an import's measured duration, counted from the moment the child has its home open.
 */

const GMID = 'GMID-CRASH001';
const MESSAGES = 3_000;
const TRANSACTIONS = 500;
const DREAMS = 100;
const RECORDS = TRANSACTIONS + DREAMS;

/** The old file: timestamped history, and no inline memories (they would start a Chroma server). */
const oldFormatMind = () =>
  oldMindWithHistory(GMID, {
    turns: MESSAGES,
    dreams: DREAMS,
    thoughts: 0,
    transactions: TRANSACTIONS,
    memories: 0,
    timestampsFrom: Date.UTC(2025, 0, 1),
  });

type Outcome = 'nothing' | 'everything';
const NOTHING = { messages: 0, records: 0, mindRows: 0, registered: false };
const EVERYTHING = { messages: MESSAGES, records: RECORDS, mindRows: 1, registered: true };

/** Opens the home in this process and says what the import left: all of it or none of it. */
async function inspect(home: string, context: string): Promise<Outcome> {
  const genesis = await openGenesis({ home, env: { GENESIS_EMBEDDINGS: 'hash' } });
  try {
    const { rows } = await genesis.status();
    const state = {
      messages: rows.conversation_messages,
      records: rows.mind_records,
      mindRows: rows.minds,
      registered: (await genesis.listMinds()).some((m) => m.gmid === GMID),
    };
    if (JSON.stringify(state) === JSON.stringify(NOTHING)) return 'nothing';
    if (JSON.stringify(state) === JSON.stringify(EVERYTHING)) return 'everything';
    throw new Error(
      `partial import after ${context}: ${JSON.stringify(state)} (expected ${JSON.stringify(NOTHING)} or ${JSON.stringify(EVERYTHING)})`,
    );
  } finally {
    await genesis.close();
  }
}

/** Imports the file to completion in this process and checks the totals are exact (no duplicates). */
async function importToCompletion(home: string, file: string): Promise<void> {
  const genesis = await openGenesis({ home, env: { GENESIS_EMBEDDINGS: 'hash' } });
  try {
    for (let pass = 0; pass < 2; pass++) {
      const mind = await genesis.loadMindFile(file);
      expect(mind.gmid).toBe(GMID);
      expect(await mind.conversation.countMessages()).toBe(MESSAGES);
      const { rows } = await genesis.status();
      expect({ messages: rows.conversation_messages, records: rows.mind_records, minds: rows.minds }).toEqual({
        messages: MESSAGES,
        records: RECORDS,
        minds: 1,
      });
      const newest = await mind.conversation.listMessages({ limit: 1 });
      expect(newest.items[0]?.content).toMatch(new RegExp(`^turn ${MESSAGES - 1}:`));
    }
  } finally {
    await genesis.close();
  }
}

interface Round {
  delayMs: number;
  outcome: Outcome;
  finishedBeforeKill: boolean;
  /** The byte-identical backup was already written: the kill came after the file was read. */
  pastBackup: boolean;
}

/** Runs one child on `home`, SIGKILLs it `delayMs` after it has the home open; returns what it left. */
async function killedImport(home: string, file: string, delayMs: number, context: string): Promise<Round> {
  const child: Child = startChild('import-legacy.js', { home, file });
  try {
    await child.next('opened', 30_000);
    await sleep(delayMs);
    const exit = await child.kill();
    const finishedBeforeKill = exit.signal !== 'SIGKILL';
    // A child that was not killed must have finished cleanly.
    if (finishedBeforeKill)
      expect({ context, ...exit, stderr: child.stderr() }).toEqual({ context, code: 0, signal: null, stderr: '' });
    const backups = join(home, 'minds', 'backup');
    const pastBackup =
      existsSync(backups) && readdirSync(backups).some((n) => n.startsWith(`${GMID}.`) && n.endsWith('.json'));
    const outcome = await inspect(home, `${context} (kill after ${delayMs} ms)`);
    if (finishedBeforeKill) expect(outcome).toBe('everything');
    return { delayMs, outcome, finishedBeforeKill, pastBackup };
  } finally {
    await child.kill();
  }
}

const summary = (rounds: Round[]) => {
  const n = (o: Outcome) => rounds.filter((r) => r.outcome === o).length;
  const delays = rounds.map((r) => r.delayMs);
  const late = rounds.filter((r) => r.outcome === 'nothing' && r.pastBackup).length;
  return `${rounds.length} rounds → nothing ${n('nothing')} (${late} of them killed after the backup was written), everything ${n('everything')} (${rounds.filter((r) => r.finishedBeforeKill).length} finished before the kill), kills at ${Math.min(...delays)}–${Math.max(...delays)} ms`;
};

const work = tempHome('genesis-legacy-crash-');
const oldFile = join(work.path, 'old', 'crashy.json');
let importMs = 0;
const seed = crashSeed();
const random = seededRandom(seed);
const delay = () => Math.round(importMs * (0.2 + random() * 1.3));

beforeAll(async () => {
  requireBuilt();
  mkdirSync(join(work.path, 'old'), { recursive: true });
  writeFileSync(oldFile, JSON.stringify(oldFormatMind(), null, 2));

  // Uninterrupted runs: how long an import takes in a child (the faster of two: the first one pays
  // for cold caches), and that it imports everything.
  const measured: number[] = [];
  for (let run = 1; run <= 2; run++) {
    const home = join(work.path, `measure-${run}`);
    const child = startChild('import-legacy.js', { home, file: oldFile });
    try {
      await child.next('opened', 30_000);
      const done = await child.next('done', 60_000);
      measured.push(done.importMs as number);
      expect(done.messages).toBe(MESSAGES);
      expect(await child.exited).toEqual({ code: 0, signal: null });
    } finally {
      await child.kill();
    }
    expect(await inspect(home, 'an uninterrupted import')).toBe('everything');
  }
  importMs = Math.min(...measured);
});
afterAll(() => work.cleanup());

test('SIGKILL during the import, a fresh home each round: all or nothing, then a full import adds exactly what is missing', async () => {
  const rounds: Round[] = [];
  const minRounds = 10;
  const maxRounds = 20;
  // Bounded: at least `minRounds`, more (up to `maxRounds`) until both outcomes were seen.
  for (let round = 1; round <= maxRounds; round++) {
    const seen = new Set(rounds.map((r) => r.outcome));
    if (round > minRounds && seen.size === 2) break;
    const home = join(work.path, `fresh-${round}`);
    rounds.push(await killedImport(home, oldFile, delay(), `fresh home, round ${round}`));
    await importToCompletion(home, oldFile);
  }
  console.info(
    `[legacy-import] seed ${seed}, uninterrupted import ${importMs.toFixed(0)} ms (faster of two); fresh homes: ${summary(rounds)}`,
  );
  expect(rounds.length).toBeGreaterThanOrEqual(minRounds);
  expect(new Set(rounds.map((r) => r.outcome))).toEqual(new Set(['nothing', 'everything']));
});

test('SIGKILL during the import, the same home every round: never partial, never undone, never doubled', async () => {
  const home = join(work.path, 'same');
  const rounds: Round[] = [];
  for (let round = 1; round <= 8; round++) {
    const r = await killedImport(home, oldFile, delay(), `same home, round ${round}`);
    // Once everything was imported, a later killed import neither removes nor duplicates anything.
    if (rounds.some((p) => p.outcome === 'everything')) expect(r.outcome).toBe('everything');
    rounds.push(r);
  }
  await importToCompletion(home, oldFile);
  console.info(`[legacy-import] seed ${seed}; same home: ${summary(rounds)}`);
});
