import { Column, Entity, Index } from 'typeorm';
import { epochMs, MindOwnedEntity } from './columns';

@Entity({ name: 'concerns' })
// Concerns of a mind in one status, by follow-up time (the "due" query).
@Index('idx_concerns_mind_status_next', ['mindId', 'status', 'nextCheckAt', 'id'])
// Concerns of a mind about one user.
@Index('idx_concerns_mind_user_next', ['mindId', 'userEmail', 'nextCheckAt', 'id'])
// All concerns of a mind by follow-up time.
@Index('idx_concerns_mind_next', ['mindId', 'nextCheckAt', 'id'])
// Active or snoozed concerns of a mind by expiry time (the set-based expiry).
@Index('idx_concerns_mind_status_expires', ['mindId', 'status', 'expiresAt'])
export class ConcernEntity extends MindOwnedEntity {
  @Column({ name: 'user_email', type: 'varchar', length: 320, nullable: true })
  userEmail: string | null;

  @Column({ name: 'concern_type', type: 'varchar', length: 16 })
  concernType: string;

  @Column({ type: 'text' })
  description: string;

  @Column({ type: 'real' })
  severity: number;

  @Column({ type: 'varchar', length: 16 })
  urgency: string;

  @Column({ type: 'varchar', length: 16 })
  status: string;

  @Column({ name: 'next_check_at', type: 'bigint', transformer: epochMs })
  nextCheckAt: number;

  @Column({ name: 'follow_up_count', type: 'integer', default: 0 })
  followUpCount: number;

  @Column({ name: 'last_checked_at', type: 'bigint', nullable: true, transformer: epochMs })
  lastCheckedAt: number | null;

  @Column({ name: 'resolved_at', type: 'bigint', nullable: true, transformer: epochMs })
  resolvedAt: number | null;

  @Column({ name: 'expires_at', type: 'bigint', nullable: true, transformer: epochMs })
  expiresAt: number | null;

  @Column({ name: 'memory_id', type: 'varchar', length: 64, nullable: true })
  memoryId: string | null;
}
