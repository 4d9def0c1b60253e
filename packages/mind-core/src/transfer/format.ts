import type { ConcernFire, StoredConcern } from '../ports/concern-store';
import type { EnvironmentRecord } from '../ports/environment-store';
import type { StoredMessage } from '../ports/message-store';
import type { MindStatus } from '../ports/mind-registry';
import type { StoredRecord } from '../ports/record-store';
import type { RelationshipRecord } from '../ports/relationship-store';
import type { StoredSchedule } from '../ports/schedule-store';
import type { StoredTask } from '../ports/task-store';
import type { Memory } from '../memory/memory-input';

/**
 * The portable document of one Mind (`genesis mind export` / `import`): JSON Lines, UTF-8.
 *
 * Line 1 is the header ({@link MindExportHeader}); every other line is one item `{ type, data }`,
 * in the order of {@link MIND_EXPORT_TYPES}: the Mind (its JSON document and registry status)
 * first, then its secrets (only when exported with `includeSecrets`), environments,
 * relationships, messages (archived ones too), concerns each page followed by the fires of its
 * concerns, tasks, schedules, records and memories. `data` is the row exactly as the stores hand
 * it out (times in epoch milliseconds, ids kept), so an import stores the same rows again; a
 * memory is every field of it and its text, without its embedding (the importing home embeds it
 * with its own provider). The header's `counts` say how many lines of each type follow, so a
 * truncated file is recognised before anything is written.
 */
export const MIND_EXPORT_FORMAT = 'genesis-mind';
export const MIND_EXPORT_VERSION = 1;

/** Every item type, in the order an export writes them (and an import expects them). */
export const MIND_EXPORT_TYPES = [
  'mind',
  'secrets',
  'environment',
  'relationship',
  'message',
  'concern',
  'concernFire',
  'task',
  'schedule',
  'record',
  'memory',
] as const;
export type MindExportType = (typeof MIND_EXPORT_TYPES)[number];

export type MindExportCounts = Record<MindExportType, number>;

export interface MindExportHeader {
  format: typeof MIND_EXPORT_FORMAT;
  version: typeof MIND_EXPORT_VERSION;
  gmid: string;
  /** ISO 8601, UTC. */
  exportedAt: string;
  /** How many lines of each type follow the header. */
  counts: MindExportCounts;
  /** Whether a `secrets` line is in the file (only when asked for: the file then holds API keys). */
  secrets: boolean;
}

/** The Mind itself: its JSON document as stored (secrets are never in it) and its registry status. */
export interface MindExportMind {
  document: Record<string, unknown>;
  status: MindStatus;
}

export type MindExportItem =
  | { type: 'mind'; data: MindExportMind }
  | { type: 'secrets'; data: Record<string, unknown> }
  | { type: 'environment'; data: EnvironmentRecord }
  | { type: 'relationship'; data: RelationshipRecord }
  | { type: 'message'; data: StoredMessage }
  | { type: 'concern'; data: StoredConcern }
  | { type: 'concernFire'; data: ConcernFire }
  | { type: 'task'; data: StoredTask }
  | { type: 'schedule'; data: StoredSchedule }
  | { type: 'record'; data: StoredRecord }
  | { type: 'memory'; data: Memory };

export const emptyCounts = (): MindExportCounts =>
  Object.fromEntries(MIND_EXPORT_TYPES.map((t) => [t, 0])) as MindExportCounts;
