import type { EpochMs, Page } from '../ports/page';
import { RELATIONSHIP_TYPES } from '../ports/relationship-store';
import type { RelationshipRecord, RelationshipStore, RelationshipInput } from '../ports/relationship-store';
import { epochMs, nonEmptyText, oneOf, parseLimit, unitInterval } from '../shared/validation';
import type { AppendResult } from '../ports/message-store';
import { checkImportedRelationship } from '../transfer/imported-rows';
import { copy, keysetPage, metadataCopy, newId, InMemoryStore } from './in-memory-state';
import { appendAbsent } from './append-absent';

/**
 * The RelationshipStore port in memory, behaving like the SQL one: unique by (mindId, userEmail),
 * paged by (lastInteractionAt or 0, id) descending.
 */
export class InMemoryRelationshipStore extends InMemoryStore implements RelationshipStore {
  async upsert(rel: RelationshipInput): Promise<RelationshipRecord> {
    const changes: Partial<RelationshipRecord> = {};
    if (rel.displayName !== undefined) changes.displayName = rel.displayName;
    if (rel.relationshipType !== undefined)
      changes.relationshipType = oneOf(rel.relationshipType, RELATIONSHIP_TYPES, 'relationshipType');
    if (rel.trustLevel !== undefined) changes.trustLevel = unitInterval(rel.trustLevel, 'trustLevel');
    if (rel.notes !== undefined) changes.notes = rel.notes;
    if (rel.metadata !== undefined) changes.metadata = metadataCopy(rel.metadata);
    const { row, now } = this.ensure(rel.mindId, rel.userEmail);
    if (Object.keys(changes).length > 0) Object.assign(row, changes, { updatedAt: now });
    return copy(row);
  }

  async get(mindId: string, userEmail: string): Promise<RelationshipRecord | null> {
    const row = this.find(mindId, userEmail);
    return row ? copy(row) : null;
  }

  async recordInteraction(mindId: string, userEmail: string, at: EpochMs, count = 1): Promise<RelationshipRecord> {
    epochMs(at, 'at');
    parseLimit(count, 'count', Number.MAX_SAFE_INTEGER);
    const { row, now } = this.ensure(mindId, userEmail);
    row.interactionCount += count;
    if (row.firstInteractionAt === null || row.firstInteractionAt > at) row.firstInteractionAt = at;
    if (row.lastInteractionAt === null || row.lastInteractionAt < at) row.lastInteractionAt = at;
    row.updatedAt = now;
    return copy(row);
  }

  async list(query: { mindId: string; limit: number; cursor?: string | null }): Promise<Page<RelationshipRecord>> {
    const mindId = nonEmptyText(query.mindId, 'mindId');
    return keysetPage(
      this.state.relationships.filter((r) => r.mindId === mindId),
      // Never-contacted relationships sort as time 0, i.e. last.
      {
        limit: query.limit,
        cursor: query.cursor,
        direction: 'desc',
        position: (r) => ({ key: r.lastInteractionAt ?? 0, id: r.id }),
      },
    );
  }

  async remove(mindId: string, userEmail: string): Promise<boolean> {
    const before = this.state.relationships.length;
    this.state.relationships = this.state.relationships.filter(
      (r) => !(r.mindId === mindId && r.userEmail === userEmail),
    );
    return this.state.relationships.length < before;
  }

  async importMany(rows: readonly RelationshipRecord[]): Promise<AppendResult> {
    const checked = rows.map((r, i) => checkImportedRelationship(r, `relationships.${i}`));
    return appendAbsent(
      this.state.relationships,
      checked,
      (row) => this.state.relationships.some((r) => r.id === row.id) || !!this.find(row.mindId, row.userEmail),
    );
  }

  private find(mindId: string, userEmail: string): RelationshipRecord | undefined {
    return this.state.relationships.find((r) => r.mindId === mindId && r.userEmail === userEmail);
  }

  /** The row, created with defaults if it is missing; and "now". */
  private ensure(mindId: string, userEmail: string): { row: RelationshipRecord; now: number } {
    const now = this.clock.now();
    nonEmptyText(mindId, 'mindId', 64);
    nonEmptyText(userEmail, 'userEmail', 320);
    let row = this.find(mindId, userEmail);
    if (!row) {
      row = {
        id: newId(),
        mindId,
        userEmail,
        displayName: null,
        relationshipType: 'user',
        trustLevel: 0.5,
        interactionCount: 0,
        firstInteractionAt: null,
        lastInteractionAt: null,
        notes: null,
        metadata: {},
        createdAt: now,
        updatedAt: now,
      };
      this.state.relationships.push(row);
    }
    return { row, now };
  }
}
