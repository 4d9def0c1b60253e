import { MIND_SCHEMA_VERSION, type MindDocument } from '../mind/mind-document';
import { isRecord } from '../shared/validation';
import { fitDocument } from './fit';
import { convertHistory, mergeHistories } from './history';
import { convertPlugins, type LegacyPerson, type LegacyPlace } from './plugins';
import { RecordCollector, convertConsciousness, convertEmotionalState } from './sections';
import { convertIdentity, convertMemorySummary } from './sections';
import type { LegacyMessage, LegacyRecord } from './sections';
import { legacyTime } from './time';
import { pick, withoutSecrets } from './values';

export interface LegacyConversion {
  document: MindDocument;
  messages: LegacyMessage[];
  /** Every record at once (made on each access: an import iterates {@link LegacyConversion.eachRecord} instead). */
  readonly records: LegacyRecord[];
  /** The records, each made when it is reached (a batch at a time, so they are never all held). */
  eachRecord(): Iterable<LegacyRecord>;
  recordCount: number;
  /** Secret values found in the file (API keys…), by dotted path. */
  secrets: Record<string, unknown>;
  inlineMemories: number;
  /** People of the relationships plugin (→ relationship store). */
  people: LegacyPerson[];
  /** Places of the environments plugin (→ environment store). */
  places: LegacyPlace[];
  /** The own time of each message (null: none): to place them again around times already taken. */
  ownTimes: (number | null)[];
  /** The time messages without one start from (the Mind's birth). */
  historyBase: number;
  /** `.bak` messages recognised as messages of the file. */
  historyDuplicates: number;
  /** Plugin collections moved to records by the generic rule or a named mapping, with their counts. */
  movedCollections: Array<{ path: string; count: number }>;
  /** Sections moved to records to keep the document under the size limit (dotted paths). */
  movedSections: string[];
  problems: string[];
}

export interface LegacyContext {
  gmid: string;
  /** The time of items that carry none (the old file's modification time). */
  fallbackTime: number;
  sourceFile: string;
  backupFile: string;
  now: number;
  /** The `conversation_history` of the file's `.bak` (the previous save), merged with the file's. */
  backupHistory?: readonly unknown[];
}

const KNOWN = new Set([
  'identity',
  'intelligence',
  'autonomy',
  'state',
  'emotional_state',
  'conversation_history',
  'memory',
  'dreams',
  'consciousness',
  'config',
  'plugins',
]);
const section = (v: unknown): Record<string, unknown> => (isRecord(v) ? v : {});

/**
 * Turns an old single-file Mind into a compact document plus the rows that move to SQL, losing
 * nothing: lists go to messages/records, unknown keys are kept, secrets are split off.
 */
export function convertLegacyMind(raw: Record<string, unknown>, context: LegacyContext): LegacyConversion {
  const secrets: Record<string, unknown> = {};
  const clean = withoutSecrets(raw, '$', secrets) as Record<string, unknown>;
  const out = new RecordCollector(context.fallbackTime);

  const oldIdentity = section(clean.identity);
  const birth =
    legacyTime(pick(oldIdentity, 'birth_timestamp', 'birthTimestamp', 'created_at')) ?? context.fallbackTime;
  const identity = convertIdentity(oldIdentity, context.gmid, birth);
  const emotionalState = convertEmotionalState(section(clean.emotional_state), context.fallbackTime, out);
  const { summary: memory, inline } = convertMemorySummary(section(clean.memory), out);
  if (Array.isArray(clean.dreams)) out.moveList('dreams', 'dream', clean.dreams);
  const consciousness = isRecord(clean.consciousness) ? convertConsciousness(clean.consciousness, out) : {};
  const plugins = convertPlugins(section(clean.plugins), out);
  const history = mergeHistories(
    Array.isArray(clean.conversation_history) ? clean.conversation_history : [],
    context.backupHistory
      ? (withoutSecrets(context.backupHistory, '$bak.conversation_history', secrets) as unknown[])
      : [],
  );
  const { messages, ownTimes } = convertHistory(history.items, birth);

  const unknown = Object.fromEntries(Object.entries(clean).filter(([k]) => !KNOWN.has(k)));
  const document: MindDocument = {
    ...unknown,
    ...(Object.keys(consciousness).length > 0 ? { consciousness } : {}),
    schemaVersion: MIND_SCHEMA_VERSION,
    revision: 0,
    identity,
    intelligence: section(clean.intelligence),
    autonomy: section(clean.autonomy),
    state: section(clean.state),
    emotionalState,
    memory,
    plugins: plugins.plugins,
    config: section(clean.config),
    legacyImport: {
      sourceFile: context.sourceFile,
      backupFile: context.backupFile,
      importedAt: new Date(context.now).toISOString(),
      messagesImported: messages.length,
      recordsImported: 0,
    },
  };
  const movedSections = fitDocument(document, out);
  document.legacyImport!.recordsImported = out.count;
  return {
    document,
    messages,
    get records() {
      return out.records;
    },
    eachRecord: () => out,
    recordCount: out.count,
    secrets,
    inlineMemories: inline,
    people: plugins.people,
    places: plugins.places,
    ownTimes,
    historyBase: birth,
    historyDuplicates: history.duplicates,
    movedCollections: plugins.moved,
    movedSections,
    problems: plugins.problems,
  };
}
