import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { epochMs } from './columns';

/** Where a mind lives and talks (a CLI, a chat channel, a web app, a game world). */
@Entity({ name: 'environments' })
@Index('uq_environments_mind_name', ['mindId', 'name'], { unique: true })
@Index('idx_environments_mind_active', ['mindId', 'lastActiveAt'])
export class EnvironmentEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ name: 'mind_id', type: 'varchar', length: 64 })
  mindId: string;

  @Column({ type: 'varchar', length: 200 })
  name: string;

  @Column({ type: 'varchar', length: 16 })
  kind: string;

  @Column({ type: 'text', nullable: true })
  description: string | null;

  @Column({ name: 'is_primary', type: 'boolean', default: false })
  isPrimary: boolean;

  @Column({ type: 'text', nullable: true })
  metadata: string | null;

  @Column({ name: 'created_at', type: 'bigint', transformer: epochMs })
  createdAt: number;

  @Column({ name: 'updated_at', type: 'bigint', transformer: epochMs })
  updatedAt: number;

  @Column({ name: 'last_active_at', type: 'bigint', nullable: true, transformer: epochMs })
  lastActiveAt: number | null;
}
