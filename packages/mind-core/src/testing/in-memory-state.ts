import type { Clock } from '../ports/clock';
import type { ConcernFire, StoredConcern } from '../ports/concern-store';
import type { EnvironmentRecord } from '../ports/environment-store';
import type { StoredMessage } from '../ports/message-store';
import type { MindLease } from '../ports/mind-lease-store';
import type { RegisteredMind } from '../ports/mind-registry';
import type { Page } from '../ports/page';
import type { StoredRecord } from '../ports/record-store';
import type { RelationshipRecord } from '../ports/relationship-store';
import type { StoredSchedule } from '../ports/schedule-store';
import type { StoredTask } from '../ports/task-store';
import { decodeCursor, encodeCursor, type CursorPosition } from '../shared/cursor';
import { jsonValue, parseLimit } from '../shared/validation';

/**
 * The rows of the SQL tier, in memory: one array per table, in insertion order. Every in-memory
 * store built over the same state sees the others' rows (a registry `remove` deletes them all), and
 * a unit of work snapshots and restores it as a whole.
 */
export interface InMemoryState {
  messages: StoredMessage[];
  concerns: StoredConcern[];
  /** The concern checks fired, one per (concernId, checkAt). */
  concernFires: ConcernFire[];
  tasks: StoredTask[];
  minds: RegisteredMind[];
  environments: EnvironmentRecord[];
  relationships: RelationshipRecord[];
  records: StoredRecord[];
  schedules: StoredSchedule[];
  /** The slots fired, one per (scheduleId, slotAt). */
  scheduleFires: ScheduleFire[];
  mindLeases: MindLease[];
}

/** A row of schedule_fires: slot `slotAt` of the schedule fired at `firedAt`. */
export interface ScheduleFire {
  scheduleId: string;
  slotAt: number;
  firedAt: number;
}

export function createInMemoryState(): InMemoryState {
  return {
    messages: [],
    concerns: [],
    concernFires: [],
    tasks: [],
    minds: [],
    environments: [],
    relationships: [],
    records: [],
    schedules: [],
    scheduleFires: [],
    mindLeases: [],
  };
}

let lastMs = 0;
let sequence = 0;

/**
 * UUID-shaped ids that grow with every call (time, then a counter), like the SQL stores' UUIDv7:
 * rows with the same sort key keep their insertion order through the id tie-breaker.
 */
export function newId(): string {
  const ms = Math.max(Date.now(), lastMs);
  sequence = ms === lastMs ? sequence + 1 : 0;
  lastMs = ms;
  const hex = ms.toString(16).padStart(12, '0') + sequence.toString(16).padStart(20, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** A value as the SQL stores keep it: validated as JSON, stored as a copy (no shared references). */
export function jsonCopy<T>(value: T, field: string): T {
  return JSON.parse(JSON.stringify(jsonValue(value, field))) as T;
}

/** Metadata as the SQL stores keep it: `{}` when not given. */
export function metadataCopy(value: Record<string, unknown> | undefined, field = 'metadata'): Record<string, unknown> {
  return value === undefined ? {} : jsonCopy(value, field);
}

/** A row handed out: a deep copy, so callers never change the stored row. */
export const copy = <T>(row: T): T => structuredClone(row);

/** Compares two rows by (key, id), ascending. */
function compare(a: CursorPosition, b: CursorPosition): number {
  const ka = a.key ?? Number.NEGATIVE_INFINITY;
  const kb = b.key ?? Number.NEGATIVE_INFINITY;
  if (ka !== kb) return ka < kb ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

export interface KeysetOptions<T> {
  limit: number;
  cursor?: string | null | undefined;
  direction: 'asc' | 'desc';
  /** The sort key and the tie-breaker of a row. */
  position: (row: T) => CursorPosition;
}

/**
 * One keyset page, as the SQL stores build it: rows ordered by (key, id) in `direction`, those
 * after the cursor's (key, id), at most `limit`; `nextCursor` is null on the last page.
 */
export function keysetPage<T>(rows: readonly T[], options: KeysetOptions<T>): Page<T> {
  const limit = parseLimit(options.limit);
  const sign = options.direction === 'desc' ? -1 : 1;
  const after = options.cursor ? decodeCursor(options.cursor) : undefined;
  const sorted = rows
    .filter((row) => after === undefined || sign * compare(options.position(row), after) > 0)
    .sort((a, b) => sign * compare(options.position(a), options.position(b)));
  if (sorted.length <= limit) return { items: sorted.map(copy), nextCursor: null };
  const items = sorted.slice(0, limit).map(copy);
  return { items, nextCursor: encodeCursor(options.position(items[items.length - 1]!)) };
}

/** What every in-memory store shares: the clock, and the state (shared by the stores of one unit of work). */
export abstract class InMemoryStore {
  constructor(
    protected readonly clock: Clock,
    protected readonly state: InMemoryState = createInMemoryState(),
  ) {}
}
