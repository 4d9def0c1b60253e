import { GenesisError } from '@genesis/mind-core';
import type { Genesis } from '../composition/open-genesis';
import type { MindEvent, MindEvents } from './context';

/**
 * The Minds' event log, kept in this process (the daemon's: the runtime and the HTTP server that
 * stream it live there). Chosen over a SQL table because every producer of these events — the
 * HTTP routes, the Minds loaded here, the daemon's runtime — runs in this process, and a client
 * that lost its connection needs minutes of history, not durability: after a restart the log
 * starts empty and a client resuming with an older `Last-Event-ID` gets what was kept since.
 * Writes made by other processes (a CLI `genesis message add`) are not in it.
 *
 * Ids are decimal numbers, increasing across restarts of the home's daemon: the first id of a
 * process is its start time in ms × 1000, then +1 per event (never below the previous one, even
 * if the clock steps back while it runs).
 */
export interface MindEventLogOptions {
  /** How long an event is kept for a resuming client. Default 10 min. */
  retentionMs?: number;
  /** Events kept per Mind at most (the oldest go first). Default 1000. */
  maxPerMind?: number;
  /** Milliseconds since the epoch. Default `Date.now`. */
  now?: () => number;
}

export const MIND_EVENT_DEFAULTS = { retentionMs: 10 * 60_000, maxPerMind: 1000 } as const;

/** The event types the stream carries; others on the process's bus (searches, enqueues) are metrics only. */
export const STREAMED_EVENT_TYPES = [
  'message.added',
  'messages.added',
  'memory.added',
  'task.finished',
  'follow-up.fired',
];

const ID = /^\d{1,16}$/;

/** True for an id this log could have given (a decimal of at most 16 digits). */
export function isMindEventId(value: string): boolean {
  return ID.test(value);
}

/** An in-process {@link MindEvents}: bounded by time and by count per Mind. */
export class MindEventLog implements MindEvents {
  private readonly byMind = new Map<string, MindEvent[]>();
  private readonly listeners = new Map<string, Set<(event: MindEvent) => void>>();
  private readonly retentionMs: number;
  private readonly maxPerMind: number;
  private readonly now: () => number;
  private last = 0;

  constructor(options: MindEventLogOptions = {}) {
    this.retentionMs = positive(options.retentionMs ?? MIND_EVENT_DEFAULTS.retentionMs, 'retentionMs');
    this.maxPerMind = positive(options.maxPerMind ?? MIND_EVENT_DEFAULTS.maxPerMind, 'maxPerMind');
    this.now = options.now ?? Date.now;
  }

  publish(mindId: string, type: string, data: Record<string, unknown>): Promise<MindEvent> {
    return Promise.resolve(this.append(mindId, type, data));
  }

  /** `publish`, synchronously. */
  append(mindId: string, type: string, data: Record<string, unknown>): MindEvent {
    const at = this.now();
    this.last = Math.max(this.last + 1, at * 1000);
    const event: MindEvent = { id: String(this.last), mindId, type, data, at };
    let kept = this.byMind.get(mindId);
    if (!kept) this.byMind.set(mindId, (kept = []));
    kept.push(event);
    if (kept.length > this.maxPerMind) kept.splice(0, kept.length - this.maxPerMind);
    this.prune(mindId, at);
    for (const listener of this.listeners.get(mindId) ?? []) listener(event);
    return event;
  }

  since(mindId: string, afterId: string | null, limit: number): Promise<MindEvent[]> {
    this.prune(mindId, this.now());
    const kept = this.byMind.get(mindId) ?? [];
    const after = afterId === null || !ID.test(afterId) ? -1 : Number(afterId);
    // Ids increase along the array: the first one past `after` by binary search.
    let lo = 0;
    let hi = kept.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (Number(kept[mid]!.id) <= after) lo = mid + 1;
      else hi = mid;
    }
    return Promise.resolve(kept.slice(lo, lo + Math.max(0, limit)));
  }

  subscribe(mindId: string, listener: (event: MindEvent) => void): () => void {
    let set = this.listeners.get(mindId);
    if (!set) this.listeners.set(mindId, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.listeners.get(mindId) === set) this.listeners.delete(mindId);
    };
  }

  /** Listeners connected now, over every Mind (what an SSE test or a metric can look at). */
  get subscribers(): number {
    let n = 0;
    for (const set of this.listeners.values()) n += set.size;
    return n;
  }

  /** Drops every Mind's events older than the retention (a timer may call it; `since` does it per Mind). */
  pruneAll(): void {
    const now = this.now();
    for (const mindId of [...this.byMind.keys()]) this.prune(mindId, now);
  }

  private prune(mindId: string, now: number): void {
    const kept = this.byMind.get(mindId);
    if (!kept) return;
    const cutoff = now - this.retentionMs;
    let drop = 0;
    while (drop < kept.length && kept[drop]!.at < cutoff) drop++;
    if (drop > 0) kept.splice(0, drop);
    if (kept.length === 0) this.byMind.delete(mindId);
  }
}

/**
 * Feeds the log from what happens in this process (`genesis.onEvent`: the stores, the Minds, a
 * daemon started here). Returns the unsubscribe.
 */
export function connectMindEvents(events: MindEvents, genesis: Pick<Genesis, 'onEvent'>): () => void {
  const streamed = new Set(STREAMED_EVENT_TYPES);
  return genesis.onEvent((event) => {
    if (streamed.has(event.type)) void events.publish(event.mindId, event.type, event.data);
  });
}

function positive(value: number, field: string): number {
  if (!Number.isFinite(value) || value <= 0)
    throw new GenesisError('INVALID_INPUT', `events.${field} must be a positive number, got ${value}`, { field });
  return value;
}
