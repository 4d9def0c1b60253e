import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { epochMs } from './columns';

/**
 * The id of a memory merged into a near-duplicate of it, naming the memory it was merged into: the id
 * an add returned keeps finding that memory.
 */
@Entity({ name: 'memory_aliases' })
@Index('idx_memory_aliases_target', ['mindId', 'targetId'])
export class MemoryAliasEntity {
  @PrimaryColumn({ name: 'mind_id', type: 'varchar', length: 64 })
  mindId: string;

  @PrimaryColumn({ type: 'varchar', length: 256 })
  id: string;

  @Column({ name: 'target_id', type: 'varchar', length: 256 })
  targetId: string;

  @Column({ name: 'created_at', type: 'bigint', transformer: epochMs })
  createdAt: number;
}
