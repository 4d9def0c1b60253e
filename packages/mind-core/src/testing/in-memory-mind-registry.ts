import { MIND_STATUSES, type MindRegistry, type MindStatus, type RegisteredMind } from '../ports/mind-registry';
import type { EpochMs, Page } from '../ports/page';
import { epochMs, nonEmptyText, oneOf } from '../shared/validation';
import { copy, keysetPage, InMemoryStore } from './in-memory-state';

/** The tables whose rows belong to a mind through mindId (deleted with it; the fires of its schedules go too). */
const OWNED = [
  'messages',
  'concernFires',
  'concerns',
  'tasks',
  'environments',
  'relationships',
  'records',
  'schedules',
  'mindLeases',
] as const;

/** The MindRegistry port in memory, behaving like the SQL one: pages on (createdAt, gmid) ascending. */
export class InMemoryMindRegistry extends InMemoryStore implements MindRegistry {
  async upsert(mind: Parameters<MindRegistry['upsert']>[0]): Promise<RegisteredMind> {
    const now = this.clock.now();
    const gmid = nonEmptyText(mind.gmid, 'gmid', 64);
    const values = {
      name: nonEmptyText(mind.name, 'name', 200),
      jsonPath: nonEmptyText(mind.jsonPath, 'jsonPath'),
      status: oneOf(mind.status, MIND_STATUSES, 'status'),
    };
    const lastSeenAt = mind.lastSeenAt == null ? null : epochMs(mind.lastSeenAt, 'lastSeenAt');
    const existing = this.state.minds.find((m) => m.gmid === gmid);
    if (existing) {
      Object.assign(existing, values, { updatedAt: now, lastSeenAt: lastSeenAt ?? existing.lastSeenAt });
      return copy(existing);
    }
    const row: RegisteredMind = { gmid, ...values, createdAt: now, updatedAt: now, lastSeenAt };
    this.state.minds.push(row);
    return copy(row);
  }

  async get(gmid: string): Promise<RegisteredMind | null> {
    const row = this.state.minds.find((m) => m.gmid === gmid);
    return row ? copy(row) : null;
  }

  async list(query: { limit: number; cursor?: string | null; status?: MindStatus }): Promise<Page<RegisteredMind>> {
    const status = query.status === undefined ? undefined : oneOf(query.status, MIND_STATUSES, 'status');
    return keysetPage(
      this.state.minds.filter((m) => status === undefined || m.status === status),
      {
        limit: query.limit,
        cursor: query.cursor,
        direction: 'asc',
        position: (m) => ({ key: m.createdAt, id: m.gmid }),
      },
    );
  }

  async touch(gmid: string, at: EpochMs): Promise<boolean> {
    epochMs(at, 'at');
    const row = this.state.minds.find((m) => m.gmid === gmid);
    if (!row) return false;
    row.lastSeenAt = at;
    return true;
  }

  async remove(gmid: string): Promise<{ removed: boolean; rowsDeleted: number }> {
    const tables = this.state as unknown as Record<(typeof OWNED)[number], Array<{ mindId: string | null }>>;
    const schedules = new Set(this.state.schedules.filter((s) => s.mindId === gmid).map((s) => s.id));
    const fires = this.state.scheduleFires.filter((f) => !schedules.has(f.scheduleId));
    let rowsDeleted = this.state.scheduleFires.length - fires.length;
    this.state.scheduleFires = fires;
    for (const table of OWNED) {
      const kept = tables[table].filter((r) => r.mindId !== gmid);
      rowsDeleted += tables[table].length - kept.length;
      tables[table] = kept;
    }
    const before = this.state.minds.length;
    this.state.minds = this.state.minds.filter((m) => m.gmid !== gmid);
    return { removed: this.state.minds.length < before, rowsDeleted };
  }
}
