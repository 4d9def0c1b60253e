import { Column, Entity, Index } from 'typeorm';
import { epochMs, MindOwnedEntity } from './columns';

/** Where a mind lives and talks (a CLI, a chat channel, a web app, a game world). */
@Entity({ name: 'environments' })
@Index('uq_environments_mind_name', ['mindId', 'name'], { unique: true })
@Index('idx_environments_mind_active', ['mindId', 'lastActiveAt'])
export class EnvironmentEntity extends MindOwnedEntity {
  @Column({ type: 'varchar', length: 200 })
  name: string;

  @Column({ type: 'varchar', length: 16 })
  kind: string;

  @Column({ type: 'text', nullable: true })
  description: string | null;

  @Column({ name: 'is_primary', type: 'boolean', default: false })
  isPrimary: boolean;

  @Column({ name: 'last_active_at', type: 'bigint', nullable: true, transformer: epochMs })
  lastActiveAt: number | null;

  @Column({ name: 'visit_count', type: 'integer', default: 0 })
  visitCount: number;
}
