import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { epochMs } from './columns';

@Entity({ name: 'conversation_messages' })
// Newest-first pages, time ranges and counts of one mind (archived rows are hidden by default).
@Index('idx_messages_mind_created', ['mindId', 'archived', 'createdAt', 'id'])
// Messages of one mind with one user.
@Index('idx_messages_mind_user_created', ['mindId', 'archived', 'userEmail', 'createdAt', 'id'])
// Imports are idempotent: one row per (mind, source key).
@Index('uq_messages_mind_source_key', ['mindId', 'sourceKey'], { unique: true })
export class ConversationMessageEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ name: 'mind_id', type: 'varchar', length: 64 })
  mindId: string;

  @Column({ type: 'varchar', length: 16 })
  role: string;

  @Column({ type: 'text' })
  content: string;

  @Column({ name: 'user_email', type: 'varchar', length: 320, nullable: true })
  userEmail: string | null;

  @Column({ name: 'environment_id', type: 'varchar', length: 64, nullable: true })
  environmentId: string | null;

  @Column({ type: 'text', nullable: true })
  metadata: string | null;

  @Column({ name: 'created_at', type: 'bigint', transformer: epochMs })
  createdAt: number;

  @Column({ type: 'boolean', default: false })
  archived: boolean;

  @Column({ name: 'source_key', type: 'varchar', length: 200, nullable: true })
  sourceKey: string | null;
}
