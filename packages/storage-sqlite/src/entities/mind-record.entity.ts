import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { epochMs } from './columns';

/** Append-only per-Mind records kept out of the JSON file: dreams, thoughts, plugin histories. */
@Entity({ name: 'mind_records' })
@Index('idx_records_mind_ns_created', ['mindId', 'namespace', 'createdAt', 'id'])
@Index('uq_records_mind_source_key', ['mindId', 'sourceKey'], { unique: true })
export class MindRecordEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ name: 'mind_id', type: 'varchar', length: 64 })
  mindId: string;

  @Column({ type: 'varchar', length: 100 })
  namespace: string;

  @Column({ type: 'varchar', length: 100 })
  kind: string;

  @Column({ type: 'text', nullable: true })
  data: string | null;

  @Column({ name: 'created_at', type: 'bigint', transformer: epochMs })
  createdAt: number;

  @Column({ name: 'source_key', type: 'varchar', length: 200, nullable: true })
  sourceKey: string | null;
}
