import type { MessageRole } from '../ports/message-store';
import { isRecord } from '../shared/validation';
import type { LegacyMessage } from './sections';
import { itemTime } from './time';
import { digest, hashText, pick, text } from './values';

const ROLE_MAP: Record<string, MessageRole> = {
  user: 'user',
  human: 'user',
  assistant: 'assistant',
  ai: 'assistant',
  bot: 'assistant',
  mind: 'assistant',
  system: 'system',
  tool: 'tool',
  function: 'tool',
};

/** Where a history item comes from: the Mind file itself, or its `.bak` (the previous save). */
export type HistorySource = 'file' | 'backup';

export interface HistoryItem {
  item: unknown;
  from: HistorySource;
  /** Its index in the list it comes from (part of its source key). */
  index: number;
}

export interface MergedHistory {
  items: HistoryItem[];
  /** Items of the `.bak` recognised as items of the file (same role and content, in sequence). */
  duplicates: number;
}

/** What makes two history items "the same message": role and content (times are often missing). */
function fingerprint(item: unknown): string {
  const o = isRecord(item) ? item : { content: item };
  const content = typeof o.content === 'string' ? o.content : (JSON.stringify(o.content ?? '') ?? '');
  return hashText(`${String(o.role ?? 'user').toLowerCase()}\u0000${content}`);
}

/** KMP failure function of a sequence. */
function prefixFunction(seq: readonly string[]): number[] {
  const pi = new Array<number>(seq.length).fill(0);
  for (let i = 1, k = 0; i < seq.length; i++) {
    while (k > 0 && seq[i] !== seq[k]) k = pi[k - 1]!;
    if (seq[i] === seq[k]) k++;
    pi[i] = k;
  }
  return pi;
}

/**
 * Runs `needle` over `hay` (KMP): the first position where all of `needle` occurs, or -1, and the
 * length of the longest suffix of `hay` that is a prefix of `needle`.
 */
function align(hay: readonly string[], needle: readonly string[]): { at: number; overlap: number } {
  const pi = prefixFunction(needle);
  let k = 0;
  for (let i = 0; i < hay.length; i++) {
    while (k > 0 && (k === needle.length || hay[i] !== needle[k])) k = pi[k - 1]!;
    if (hay[i] === needle[k]) k++;
    if (k === needle.length) return { at: i - needle.length + 1, overlap: k };
  }
  return { at: -1, overlap: k };
}

/**
 * The conversation history of an old Mind from its file and its `.bak`, merged in order, each
 * message once. The `.bak` is the previous save: the file usually continues it (the `.bak`'s tail
 * is the file's head, or the whole `.bak` is), or the file no longer has a history at all (the
 * Python version dropped `conversation_history` when it saved again). So:
 * - the file's history occurs whole inside the `.bak` → the `.bak`'s order, the file's items in place;
 * - else the longest tail of the `.bak` that equals the head of the file is one stretch of messages:
 *   the `.bak`'s items before it, then the file's.
 * Items are compared by role and content, in sequence (KMP, linear), so a message repeated on
 * purpose ("ok", "ok") is never merged away: only a run that lines up with the other source is.
 */
export function mergeHistories(file: readonly unknown[], backup: readonly unknown[]): MergedHistory {
  const fromFile = file.map((item, index): HistoryItem => ({ item, from: 'file', index }));
  const fromBackup = (start: number, end: number): HistoryItem[] =>
    backup.slice(start, end).map((item, i): HistoryItem => ({ item, from: 'backup', index: start + i }));
  if (backup.length === 0) return { items: fromFile, duplicates: 0 };
  if (file.length === 0) return { items: fromBackup(0, backup.length), duplicates: 0 };
  const a = backup.map(fingerprint);
  const b = file.map(fingerprint);
  const { at, overlap } = align(a, b);
  if (at >= 0)
    return {
      items: [...fromBackup(0, at), ...fromFile, ...fromBackup(at + b.length, a.length)],
      duplicates: b.length,
    };
  return { items: [...fromBackup(0, a.length - overlap), ...fromFile], duplicates: overlap };
}

/**
 * The times of imported history, in order. An item's own time (ISO with or without zone, epoch
 * seconds or ms) is kept; an item without one gets the previous item's time + 1 ms (the first ones:
 * `base`, the Mind's birth, + 1 ms each). Times are then made strictly increasing (an item whose
 * own time is not after the previous one's moves to previous + 1 ms; its original stays in its
 * metadata), so the order of the old list is the order by time, and two imported messages never
 * share a time. A time in `taken` (a message of this Mind from another source, e.g. the old SQL
 * rows `py:conversation_messages:*`) is skipped the same way, so imported history never collides
 * with them either.
 */
export function historyTimes(own: readonly (number | null)[], base: number, taken?: ReadonlySet<number>): number[] {
  const out: number[] = [];
  let previous = Number.NEGATIVE_INFINITY;
  for (const t of own) {
    let at = t ?? (previous === Number.NEGATIVE_INFINITY ? base : previous + 1);
    if (at <= previous) at = previous + 1;
    if (taken) while (taken.has(at)) at++;
    out.push(at);
    previous = at;
  }
  return out;
}

export interface ConvertedHistory {
  messages: LegacyMessage[];
  /** The own time of each message (null: none), to compute the times again with `historyTimes`. */
  ownTimes: (number | null)[];
}

/**
 * History items → messages, in order, with times from {@link historyTimes}. Source keys: file
 * items `legacy:history:{index}:{digest}` (as they always were), `.bak` items
 * `legacy:history.bak:{index}:{digest}`, so importing the file again, with or without its `.bak`,
 * adds only what is missing. Every unknown field of an item is kept in the message's metadata.
 */
export function convertHistory(items: readonly HistoryItem[], base: number): ConvertedHistory {
  const ownTimes = items.map(({ item }) => itemTime(item));
  const times = historyTimes(ownTimes, base);
  const messages = items.map(({ item, from, index }, i): LegacyMessage => {
    const o: Record<string, unknown> = isRecord(item) ? item : { content: item };
    const own = ownTimes[i]!;
    const rawRole = String(o.role ?? 'user').toLowerCase();
    const { role: _r, content: _c, timestamp: _ts, user_email: _ue, userEmail: _ue2, ...extra } = o;
    const createdAt = times[i]!;
    return {
      role: ROLE_MAP[rawRole] ?? 'system',
      content: typeof o.content === 'string' ? o.content : (JSON.stringify(o.content ?? '') ?? ''),
      createdAt,
      userEmail:
        text(pick(o, 'user_email', 'userEmail'))
          ?.trim()
          .toLowerCase() ?? null,
      metadata: {
        ...extra,
        imported: true,
        legacyIndex: index,
        ...(from === 'backup' ? { fromBackup: true } : {}),
        ...(own === null ? { timestampMissing: true } : {}),
        ...(own !== null && own !== createdAt ? { legacyTimestamp: o.timestamp ?? own } : {}),
        ...(ROLE_MAP[rawRole] ? {} : { legacyRole: o.role }),
      },
      sourceKey: `legacy:${from === 'file' ? 'history' : 'history.bak'}:${index}:${digest(item)}`,
    };
  });
  return { messages, ownTimes };
}

/** Gives `messages` the times of {@link historyTimes} again, skipping `taken`; updates their metadata. */
export function retimeHistory(
  messages: LegacyMessage[],
  ownTimes: readonly (number | null)[],
  base: number,
  taken: ReadonlySet<number>,
): void {
  const times = historyTimes(ownTimes, base, taken);
  messages.forEach((m, i) => {
    const own = ownTimes[i]!;
    m.createdAt = times[i]!;
    if (own !== null && own !== m.createdAt && m.metadata.legacyTimestamp === undefined)
      m.metadata.legacyTimestamp = own;
  });
}
