import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { epochMs, TimestampedEntity } from './columns';

/** The registry of minds on this home: where each one's JSON file is and whether it is alive. */
@Entity({ name: 'minds' })
@Index('idx_minds_created', ['createdAt', 'gmid'])
@Index('idx_minds_status_created', ['status', 'createdAt', 'gmid'])
export class MindEntity extends TimestampedEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  gmid: string;

  @Column({ type: 'varchar', length: 200 })
  name: string;

  @Column({ name: 'json_path', type: 'text' })
  jsonPath: string;

  @Column({ type: 'varchar', length: 16 })
  status: string;

  @Column({ name: 'last_seen_at', type: 'bigint', nullable: true, transformer: epochMs })
  lastSeenAt: number | null;
}
