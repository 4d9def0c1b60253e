import { Column, Entity, PrimaryColumn } from 'typeorm';
import { epochMs } from './columns';

/** One fired slot of a schedule: the primary key lets each (schedule, slot) fire once. */
@Entity({ name: 'schedule_fires' })
export class ScheduleFireEntity {
  @PrimaryColumn({ name: 'schedule_id', type: 'varchar', length: 36 })
  scheduleId: string;

  @PrimaryColumn({ name: 'slot_at', type: 'bigint', transformer: epochMs })
  slotAt: number;

  @Column({ name: 'fired_at', type: 'bigint', transformer: epochMs })
  firedAt: number;
}
