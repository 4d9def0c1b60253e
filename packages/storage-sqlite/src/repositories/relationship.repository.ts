import { inject, injectable } from 'tsyringe';
import { CLOCK, epochMs, nonEmptyText, oneOf, parseLimit, RELATIONSHIP_TYPES, unitInterval } from '@genesis/mind-core';
import { checkImportedRelationship, type AppendResult, type RelationshipInput } from '@genesis/mind-core';
import type { Clock, Page, RelationshipRecord, RelationshipStore } from '@genesis/mind-core';
import { ANY_UNIQUE_KEY, insertRows } from './insert-rows';
import { keysetPage } from './keyset';
import { writeReturning } from './returning';
import type { SqlExecutor } from '../sql-database';
import { SQL_EXECUTOR } from '../tokens';
import { asIs, json, newId, num, numOrNull, rowCodec, strOrNull, text, toJson } from './values';
import type { Row } from './values';

const { columns: COLUMNS, read: toRelationship } = rowCodec<RelationshipRecord>({
  id: text,
  mindId: text,
  userEmail: text,
  displayName: strOrNull,
  relationshipType: asIs,
  trustLevel: num,
  interactionCount: num,
  firstInteractionAt: numOrNull,
  lastInteractionAt: numOrNull,
  notes: strOrNull,
  metadata: json<Record<string, unknown>>({}),
  createdAt: num,
  updatedAt: num,
});

/** relationships: whom each mind knows, unique by (mind, user email); most recent contact first. */
@injectable()
export class RelationshipRepository implements RelationshipStore {
  constructor(
    @inject(SQL_EXECUTOR) private readonly db: SqlExecutor,
    @inject(CLOCK) private readonly clock: Clock,
  ) {}

  async upsert(rel: RelationshipInput): Promise<RelationshipRecord> {
    const sets: string[] = [];
    const params: unknown[] = [];
    const set = (column: string, value: unknown) => {
      sets.push(`${column} = ?`);
      params.push(value);
    };
    if (rel.displayName !== undefined) set('display_name', rel.displayName);
    if (rel.relationshipType !== undefined)
      set('relationship_type', oneOf(rel.relationshipType, RELATIONSHIP_TYPES, 'relationshipType'));
    if (rel.trustLevel !== undefined) set('trust_level', unitInterval(rel.trustLevel, 'trustLevel'));
    if (rel.notes !== undefined) set('notes', rel.notes);
    if (rel.metadata !== undefined) set('metadata', toJson(rel.metadata, 'metadata'));
    const row = await this.db.write(async (tx) => {
      const now = await this.ensure(tx, rel.mindId, rel.userEmail);
      if (sets.length > 0) {
        await tx.run(
          `UPDATE relationships SET ${sets.join(', ')}, updated_at = ? WHERE mind_id = ? AND user_email = ?`,
          [...params, now, rel.mindId, rel.userEmail],
        );
      }
      return this.select(tx, rel.mindId, rel.userEmail);
    });
    return toRelationship(row);
  }

  async get(mindId: string, userEmail: string): Promise<RelationshipRecord | null> {
    const [row] = await this.db.all<Row>(`SELECT ${COLUMNS} FROM relationships WHERE mind_id = ? AND user_email = ?`, [
      mindId,
      userEmail,
    ]);
    return row ? toRelationship(row) : null;
  }

  async recordInteraction(mindId: string, userEmail: string, at: number, count = 1): Promise<RelationshipRecord> {
    epochMs(at, 'at');
    parseLimit(count, 'count', Number.MAX_SAFE_INTEGER);
    const row = await this.db.write(async (tx) => {
      const now = this.clock.now();
      // One statement: a new row starts with these interactions, an existing one adds them.
      const [written] = await writeReturning(
        tx,
        `INSERT INTO relationships (${COLUMNS}) VALUES (?, ?, ?, NULL, ?, ?, ?, ?, ?, NULL, NULL, ?, ?) ` +
          'ON CONFLICT (mind_id, user_email) DO UPDATE SET ' +
          'interaction_count = relationships.interaction_count + excluded.interaction_count, ' +
          'first_interaction_at = CASE WHEN relationships.first_interaction_at IS NULL OR relationships.first_interaction_at > excluded.first_interaction_at ' +
          'THEN excluded.first_interaction_at ELSE relationships.first_interaction_at END, ' +
          'last_interaction_at = CASE WHEN relationships.last_interaction_at IS NULL OR relationships.last_interaction_at < excluded.last_interaction_at ' +
          'THEN excluded.last_interaction_at ELSE relationships.last_interaction_at END, ' +
          'updated_at = excluded.updated_at',
        COLUMNS,
        [
          newId(),
          nonEmptyText(mindId, 'mindId', 64),
          nonEmptyText(userEmail, 'userEmail', 320),
          'user',
          0.5,
          count,
          at,
          at,
          now,
          now,
        ],
      );
      return written!;
    });
    return toRelationship(row);
  }

  async list(query: { mindId: string; limit: number; cursor?: string | null }): Promise<Page<RelationshipRecord>> {
    return keysetPage({
      db: this.db,
      columns: COLUMNS,
      table: 'relationships',
      where: ['mind_id = ?'],
      params: [nonEmptyText(query.mindId, 'mindId')],
      // Never-contacted relationships sort as time 0, i.e. last.
      key: 'COALESCE(last_interaction_at, 0)',
      direction: 'DESC',
      page: query,
      map: toRelationship,
      position: (r) => ({ key: r.lastInteractionAt ?? 0, id: r.id }),
    });
  }

  async remove(mindId: string, userEmail: string): Promise<boolean> {
    return (
      (await this.db.write((tx) =>
        tx.run('DELETE FROM relationships WHERE mind_id = ? AND user_email = ?', [mindId, userEmail]),
      )) > 0
    );
  }

  async importMany(rows: readonly RelationshipRecord[]): Promise<AppendResult> {
    const values = rows.map((row, i) => {
      const r = checkImportedRelationship(row, `relationships.${i}`);
      return [
        r.id,
        r.mindId,
        r.userEmail,
        r.displayName,
        r.relationshipType,
        r.trustLevel,
        r.interactionCount,
        r.firstInteractionAt,
        r.lastInteractionAt,
        r.notes,
        toJson(r.metadata, 'metadata'),
        r.createdAt,
        r.updatedAt,
      ];
    });
    return insertRows(this.db, 'relationships', COLUMNS, values, ANY_UNIQUE_KEY);
  }

  /** Creates the row with defaults if it is missing; returns "now". */
  private async ensure(tx: SqlExecutor, mindId: string, userEmail: string): Promise<number> {
    const now = this.clock.now();
    await tx.run(
      `INSERT INTO relationships (${COLUMNS}) VALUES (?, ?, ?, NULL, ?, ?, 0, NULL, NULL, NULL, NULL, ?, ?) ON CONFLICT (mind_id, user_email) DO NOTHING`,
      [newId(), nonEmptyText(mindId, 'mindId', 64), nonEmptyText(userEmail, 'userEmail', 320), 'user', 0.5, now, now],
    );
    return now;
  }

  private async select(tx: SqlExecutor, mindId: string, userEmail: string): Promise<Row> {
    const [row] = await tx.all<Row>(`SELECT ${COLUMNS} FROM relationships WHERE mind_id = ? AND user_email = ?`, [
      mindId,
      userEmail,
    ]);
    return row!;
  }
}
