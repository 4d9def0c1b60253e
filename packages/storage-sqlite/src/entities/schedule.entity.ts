import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { epochMs, TimestampedEntity } from './columns';

/** A recurring schedule: at each cron slot it enqueues a task. */
@Entity({ name: 'schedules' })
@Index('uq_schedules_mind_name', ['mindId', 'name'], { unique: true })
// The due query: enabled schedules by next run time.
@Index('idx_schedules_enabled_next', ['enabled', 'nextRunAt', 'id'])
// Listing one Mind's schedules by next run time.
@Index('idx_schedules_mind_next', ['mindId', 'nextRunAt', 'id'])
export class ScheduleEntity extends TimestampedEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  /** The Mind; '' for the daemon's own schedules (NOT NULL, so that (mind_id, name) stays unique for them). */
  @Column({ name: 'mind_id', type: 'varchar', length: 64 })
  mindId: string;

  @Column({ type: 'varchar', length: 100 })
  name: string;

  @Column({ type: 'varchar', length: 200 })
  cron: string;

  @Column({ type: 'varchar', length: 64 })
  timezone: string;

  @Column({ type: 'varchar', length: 100 })
  type: string;

  /** JSON text. */
  @Column({ type: 'text' })
  payload: string;

  @Column({ type: 'boolean' })
  enabled: boolean;

  @Column({ name: 'next_run_at', type: 'bigint', transformer: epochMs })
  nextRunAt: number;

  @Column({ name: 'last_slot_at', type: 'bigint', nullable: true, transformer: epochMs })
  lastSlotAt: number | null;
}
