import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { epochMs } from './columns';

/** One fired check of a concern: the primary key lets each (concern, check time) fire once. */
@Entity({ name: 'concern_fires' })
// One user's fires of a Mind since a time (the hourly rate limit).
@Index('idx_concern_fires_mind_user_fired', ['mindId', 'userEmail', 'firedAt'])
// One Mind's fires older than a time (retention).
@Index('idx_concern_fires_mind_fired', ['mindId', 'firedAt'])
export class ConcernFireEntity {
  @PrimaryColumn({ name: 'concern_id', type: 'varchar', length: 36 })
  concernId: string;

  @PrimaryColumn({ name: 'check_at', type: 'bigint', transformer: epochMs })
  checkAt: number;

  @Column({ name: 'mind_id', type: 'varchar', length: 64 })
  mindId: string;

  @Column({ name: 'user_email', type: 'varchar', length: 320, nullable: true })
  userEmail: string | null;

  @Column({ name: 'fired_at', type: 'bigint', transformer: epochMs })
  firedAt: number;

  @Column({ name: 'task_id', type: 'varchar', length: 36, nullable: true })
  taskId: string | null;
}
