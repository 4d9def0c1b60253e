import { ENVIRONMENT_KINDS } from '../ports/environment-store';
import type { EnvironmentRecord, EnvironmentStore, EnvironmentInput } from '../ports/environment-store';
import type { EpochMs } from '../ports/page';
import { epochMs, nonEmptyText, oneOf } from '../shared/validation';
import type { AppendResult } from '../ports/message-store';
import { checkImportedEnvironment } from '../transfer/imported-rows';
import { copy, metadataCopy, newId, InMemoryStore } from './in-memory-state';
import { appendAbsent } from './append-absent';

/** The EnvironmentStore port in memory, behaving like the SQL one: unique by (mindId, name). */
export class InMemoryEnvironmentStore extends InMemoryStore implements EnvironmentStore {
  async upsert(env: EnvironmentInput): Promise<EnvironmentRecord> {
    const now = this.clock.now();
    const mindId = nonEmptyText(env.mindId, 'mindId', 64);
    const name = nonEmptyText(env.name, 'name', 200);
    const kind = oneOf(env.kind, ENVIRONMENT_KINDS, 'kind');
    const metadata = env.metadata === undefined ? undefined : metadataCopy(env.metadata);
    const existing = this.state.environments.find((e) => e.mindId === mindId && e.name === name);
    if (existing) {
      // As SQL's ON CONFLICT: description and metadata are kept when not given; isPrimary is set.
      Object.assign(existing, {
        kind,
        description: env.description ?? existing.description,
        isPrimary: env.isPrimary ?? false,
        metadata: metadata ?? existing.metadata,
        updatedAt: now,
      });
      return copy(existing);
    }
    const row: EnvironmentRecord = {
      id: newId(),
      mindId,
      name,
      kind,
      description: env.description ?? null,
      isPrimary: env.isPrimary ?? false,
      metadata: metadata ?? {},
      createdAt: now,
      updatedAt: now,
      lastActiveAt: null,
      visitCount: 0,
    };
    this.state.environments.push(row);
    return copy(row);
  }

  async get(mindId: string, id: string): Promise<EnvironmentRecord | null> {
    const row = this.state.environments.find((e) => e.id === id && e.mindId === mindId);
    return row ? copy(row) : null;
  }

  async findByName(mindId: string, name: string): Promise<EnvironmentRecord | null> {
    const row = this.state.environments.find((e) => e.mindId === mindId && e.name === name);
    return row ? copy(row) : null;
  }

  /** Most recently active first (never active last), then by name. */
  async list(mindId: string): Promise<EnvironmentRecord[]> {
    return this.state.environments
      .filter((e) => e.mindId === mindId)
      .sort((a, b) => {
        if (a.lastActiveAt !== b.lastActiveAt) {
          if (a.lastActiveAt === null) return 1;
          if (b.lastActiveAt === null) return -1;
          return b.lastActiveAt - a.lastActiveAt;
        }
        return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
      })
      .map(copy);
  }

  async markActive(mindId: string, id: string, at: EpochMs): Promise<boolean> {
    epochMs(at, 'at');
    const row = this.state.environments.find((e) => e.id === id && e.mindId === mindId);
    if (!row) return false;
    Object.assign(row, { lastActiveAt: at, updatedAt: at });
    return true;
  }

  async recordVisit(mindId: string, id: string, at: EpochMs): Promise<EnvironmentRecord | null> {
    epochMs(at, 'at');
    const row = this.state.environments.find((e) => e.id === id && e.mindId === mindId);
    if (!row) return null;
    Object.assign(row, { lastActiveAt: at, updatedAt: at, visitCount: row.visitCount + 1 });
    return copy(row);
  }

  async importMany(rows: readonly EnvironmentRecord[]): Promise<AppendResult> {
    const checked = rows.map((e, i) => checkImportedEnvironment(e, `environments.${i}`));
    return appendAbsent(this.state.environments, checked, (row) =>
      this.state.environments.some((e) => e.id === row.id || (e.mindId === row.mindId && e.name === row.name)),
    );
  }

  async remove(mindId: string, id: string): Promise<boolean> {
    const before = this.state.environments.length;
    this.state.environments = this.state.environments.filter((e) => !(e.id === id && e.mindId === mindId));
    return this.state.environments.length < before;
  }
}
