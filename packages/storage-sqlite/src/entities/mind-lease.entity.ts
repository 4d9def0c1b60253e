import { Column, Entity, PrimaryColumn } from 'typeorm';
import { epochMs } from './columns';

/** Which daemon drives a Mind, until when. */
@Entity({ name: 'mind_leases' })
export class MindLeaseEntity {
  @PrimaryColumn({ name: 'mind_id', type: 'varchar', length: 64 })
  mindId: string;

  @Column({ name: 'owner_id', type: 'varchar', length: 64 })
  ownerId: string;

  @Column({ type: 'varchar', length: 255 })
  host: string;

  @Column({ type: 'integer' })
  pid: number;

  @Column({ name: 'acquired_at', type: 'bigint', transformer: epochMs })
  acquiredAt: number;

  @Column({ name: 'expires_at', type: 'bigint', transformer: epochMs })
  expiresAt: number;
}
