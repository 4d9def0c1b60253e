import { MIND_SCHEMA_VERSION, type MindDocument } from '../mind/mind-document';
import { stripSecrets } from '../shared/secrets';
import { isRecord } from '../shared/validation';
import { RecordCollector, convertConsciousness, convertEmotionalState, convertHistory } from './sections';
import { convertIdentity, convertMemorySummary, convertPlugins } from './sections';
import type { LegacyMessage, LegacyRecord } from './sections';
import { legacyTime } from './time';
import { pick } from './values';

export interface LegacyConversion {
  document: MindDocument;
  messages: LegacyMessage[];
  records: LegacyRecord[];
  /** Secret values found in the file (API keys…), by dotted path. */
  secrets: Record<string, unknown>;
  inlineMemories: number;
}

export interface LegacyContext {
  gmid: string;
  /** The time of items that carry none (the old file's modification time). */
  fallbackTime: number;
  sourceFile: string;
  backupFile: string;
  now: number;
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
  const clean = stripSecrets(raw, '$', secrets) as Record<string, unknown>;
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
  const messages = convertHistory(Array.isArray(clean.conversation_history) ? clean.conversation_history : [], birth);

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
    plugins,
    config: section(clean.config),
    legacyImport: {
      sourceFile: context.sourceFile,
      backupFile: context.backupFile,
      importedAt: new Date(context.now).toISOString(),
      messagesImported: messages.length,
      recordsImported: out.records.length,
    },
  };
  return { document, messages, records: out.records, secrets, inlineMemories: inline };
}
