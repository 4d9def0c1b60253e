import { Column, Entity, Index } from 'typeorm';
import { epochMs, MindOwnedEntity } from './columns';

/** Whom a mind knows: one row per (mind, user email). */
@Entity({ name: 'relationships' })
@Index('uq_relationships_mind_user', ['mindId', 'userEmail'], { unique: true })
@Index('idx_relationships_mind_last', ['mindId', 'lastInteractionAt', 'id'])
export class RelationshipEntity extends MindOwnedEntity {
  @Column({ name: 'user_email', type: 'varchar', length: 320 })
  userEmail: string;

  @Column({ name: 'display_name', type: 'varchar', length: 200, nullable: true })
  displayName: string | null;

  @Column({ name: 'relationship_type', type: 'varchar', length: 16 })
  relationshipType: string;

  @Column({ name: 'trust_level', type: 'real' })
  trustLevel: number;

  @Column({ name: 'interaction_count', type: 'integer', default: 0 })
  interactionCount: number;

  @Column({ name: 'first_interaction_at', type: 'bigint', nullable: true, transformer: epochMs })
  firstInteractionAt: number | null;

  @Column({ name: 'last_interaction_at', type: 'bigint', nullable: true, transformer: epochMs })
  lastInteractionAt: number | null;

  @Column({ type: 'text', nullable: true })
  notes: string | null;
}
