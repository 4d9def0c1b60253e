import type { Page } from '../ports/page';
import { RELATIONSHIP_TYPES, type RelationshipType } from '../ports/relationship-store';
import type { RelationshipInput, RelationshipRecord, RelationshipStore } from '../ports/relationship-store';
import { GenesisError, invalidInput } from '../shared/errors';
import { jsonObject, nonEmptyText, oneOf, parseEmail, parseLimit, unitInterval } from '../shared/validation';

/** Largest display name, in characters (the column's width). */
export const MAX_DISPLAY_NAME = 200;
/** Largest notes, in characters. */
export const MAX_RELATIONSHIP_NOTES = 10_000;

export interface UpsertRelationshipInput {
  /** Whom: an email address (kept lower-case, as messages keep it). */
  email: string;
  /** null clears it; omitted keeps it. */
  displayName?: string | null;
  relationshipType?: RelationshipType;
  /** 0..1 (0.5 for someone new). */
  trustLevel?: number;
  /** null clears them; omitted keeps them. */
  notes?: string | null;
  /** Replaces the metadata when given. */
  metadata?: Record<string, unknown>;
}

export interface ListRelationshipsInput {
  /** 1..1000 */
  limit: number;
  cursor?: string | null;
}

/**
 * The people a Mind knows, in SQL: one relationship per email address, with how often and when
 * they last talked (every message from a user adds an interaction, in the transaction of the
 * message). Someone new is a `user` with trust 0.5.
 */
export class RelationshipManager {
  constructor(
    private readonly mindId: string,
    private readonly store: RelationshipStore,
  ) {}

  /** Most recent interaction first (never-contacted last); keyset pages: pass `nextCursor` back as `cursor`. */
  async list(input: ListRelationshipsInput): Promise<Page<RelationshipRecord>> {
    if (typeof input !== 'object' || input === null) throw invalidInput('limit', 'must be given: list({ limit })');
    return this.store.list({ mindId: this.mindId, limit: parseLimit(input.limit), cursor: input.cursor ?? null });
  }

  /** The relationship with `email`, or null when the Mind does not know them. */
  async get(email: string): Promise<RelationshipRecord | null> {
    return this.store.get(this.mindId, parseEmail(email, 'email'));
  }

  /** Creates the relationship or changes the fields given (the others, and the interactions, are kept). */
  async upsert(input: UpsertRelationshipInput): Promise<RelationshipRecord> {
    if (typeof input !== 'object' || input === null) throw invalidInput('email', 'must be given: upsert({ email, … })');
    const rel: RelationshipInput = { mindId: this.mindId, userEmail: parseEmail(input.email, 'email') };
    if (input.displayName !== undefined)
      rel.displayName =
        input.displayName === null ? null : nonEmptyText(input.displayName, 'displayName', MAX_DISPLAY_NAME).trim();
    if (input.relationshipType !== undefined)
      rel.relationshipType = oneOf(input.relationshipType, RELATIONSHIP_TYPES, 'relationshipType');
    if (input.trustLevel !== undefined) rel.trustLevel = unitInterval(input.trustLevel, 'trustLevel');
    if (input.notes !== undefined)
      rel.notes = input.notes === null ? null : nonEmptyText(input.notes, 'notes', MAX_RELATIONSHIP_NOTES);
    if (input.metadata !== undefined) rel.metadata = jsonObject(input.metadata, 'metadata');
    return this.store.upsert(rel);
  }

  /** Forgets the relationship (its messages stay). RELATIONSHIP_NOT_FOUND when there is none. */
  async remove(email: string): Promise<void> {
    const userEmail = parseEmail(email, 'email');
    if (!(await this.store.remove(this.mindId, userEmail))) {
      throw new GenesisError('RELATIONSHIP_NOT_FOUND', `Mind ${this.mindId} has no relationship with ${userEmail}`, {
        field: 'email',
      });
    }
  }
}
