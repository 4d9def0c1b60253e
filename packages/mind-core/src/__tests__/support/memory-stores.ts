import type {
  ConcernFilter,
  ConcernPatch,
  ConcernQuery,
  ConcernStatus,
  ConcernStore,
  NewConcern,
  StoredConcern,
} from '../../ports/concern-store';
import type { AppendResult, MessageFilter, MessageQuery, MessageStore, NewMessage, StoredMessage } from '../../ports/message-store';
import type { Page } from '../../ports/page';

/** A hand-moved clock. */
export class FakeClock {
  constructor(public current = Date.UTC(2026, 0, 1)) {}
  now = (): number => this.current;
  advance(ms: number): void {
    this.current += ms;
  }
}

let seq = 0;
const nextId = () => `id-${String(++seq).padStart(8, '0')}`;

function page<T>(rows: T[], limit: number, cursor: string | null | undefined, key: (t: T) => string): Page<T> {
  const start = cursor ? rows.findIndex((r) => key(r) === cursor) + 1 : 0;
  const items = rows.slice(start, start + limit);
  return { items, nextCursor: start + limit < rows.length ? key(items[items.length - 1]!) : null };
}

/** In-memory MessageStore for unit tests of the managers (the SQL one is tested on real databases). */
export class MemoryMessageStore implements MessageStore {
  rows: StoredMessage[] = [];
  constructor(private readonly clock: FakeClock) {}
  async append(m: NewMessage): Promise<StoredMessage> {
    const row: StoredMessage = {
      id: nextId(),
      mindId: m.mindId,
      role: m.role,
      content: m.content,
      userEmail: m.userEmail ?? null,
      environmentId: m.environmentId ?? null,
      metadata: m.metadata ?? {},
      createdAt: m.createdAt ?? this.clock.now(),
      archived: false,
      sourceKey: m.sourceKey ?? null,
    };
    this.rows.push(row);
    return row;
  }
  async appendMany(ms: readonly NewMessage[]): Promise<AppendResult> {
    for (const m of ms) await this.append(m);
    return { inserted: ms.length, skipped: 0 };
  }
  async get(mindId: string, id: string) {
    return this.rows.find((r) => r.mindId === mindId && r.id === id) ?? null;
  }
  private match(f: MessageFilter) {
    return this.rows
      .filter((r) => r.mindId === f.mindId && (f.includeArchived || !r.archived))
      .filter((r) => (f.since === undefined || r.createdAt >= f.since) && (f.until === undefined || r.createdAt < f.until))
      .filter((r) => (f.userEmail === undefined || r.userEmail === f.userEmail) && (f.role === undefined || r.role === f.role));
  }
  async list(q: MessageQuery) {
    const sorted = this.match(q).sort((a, b) => b.createdAt - a.createdAt || b.id.localeCompare(a.id));
    return page(q.order === 'asc' ? sorted.reverse() : sorted, q.limit, q.cursor, (r) => r.id);
  }
  async count(f: MessageFilter) {
    return this.match(f).length;
  }
  async archiveBefore(): Promise<number> {
    throw new Error('not used by the managers');
  }
  async deleteBefore(): Promise<number> {
    throw new Error('not used by the managers');
  }
}

export class MemoryConcernStore implements ConcernStore {
  rows: StoredConcern[] = [];
  constructor(private readonly clock: FakeClock) {}
  async insert(c: NewConcern): Promise<StoredConcern> {
    const now = this.clock.now();
    const row: StoredConcern = {
      id: nextId(),
      mindId: c.mindId,
      userEmail: c.userEmail ?? null,
      concernType: c.concernType,
      description: c.description,
      severity: c.severity ?? 0.5,
      urgency: c.urgency ?? 'normal',
      status: c.status ?? 'active',
      nextCheckAt: c.nextCheckAt,
      followUpCount: 0,
      lastCheckedAt: null,
      resolvedAt: null,
      expiresAt: c.expiresAt ?? null,
      memoryId: c.memoryId ?? null,
      metadata: c.metadata ?? {},
      createdAt: now,
      updatedAt: now,
    };
    this.rows.push(row);
    return { ...row };
  }
  async get(mindId: string, id: string) {
    const r = this.rows.find((x) => x.mindId === mindId && x.id === id);
    return r ? { ...r } : null;
  }
  async findById(id: string) {
    const r = this.rows.find((x) => x.id === id);
    return r ? { ...r } : null;
  }
  async update(mindId: string, id: string, patch: ConcernPatch, onlyFrom?: readonly ConcernStatus[]) {
    const r = this.rows.find((x) => x.mindId === mindId && x.id === id);
    if (!r || (onlyFrom && !onlyFrom.includes(r.status))) return null;
    Object.assign(r, patch, { updatedAt: this.clock.now() });
    return { ...r };
  }
  private match(f: ConcernFilter) {
    const statuses = f.status === undefined ? undefined : Array.isArray(f.status) ? f.status : [f.status];
    return this.rows
      .filter((r) => r.mindId === f.mindId && (!statuses || statuses.includes(r.status)))
      .filter((r) => (f.userEmail === undefined || r.userEmail === f.userEmail))
      .filter((r) => (f.dueBefore === undefined || r.nextCheckAt < f.dueBefore) && (f.dueAfter === undefined || r.nextCheckAt >= f.dueAfter))
      .sort((a, b) => a.nextCheckAt - b.nextCheckAt || a.id.localeCompare(b.id));
  }
  async list(q: ConcernQuery) {
    return page(this.match(q).map((r) => ({ ...r })), q.limit, q.cursor, (r) => r.id);
  }
  async count(f: ConcernFilter) {
    return this.match(f).length;
  }
  async due(mindId: string, now: number, limit: number) {
    return this.match({ mindId, status: 'active', dueBefore: now + 1 }).slice(0, limit).map((r) => ({ ...r }));
  }
  async expire(mindId: string, now: number) {
    let n = 0;
    for (const r of this.rows) {
      if (r.mindId === mindId && (r.status === 'active' || r.status === 'snoozed') && r.expiresAt !== null && r.expiresAt <= now) {
        r.status = 'expired';
        n++;
      }
    }
    return n;
  }
}
