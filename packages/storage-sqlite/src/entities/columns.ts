import { Column, PrimaryColumn } from 'typeorm';
import type { ValueTransformer } from 'typeorm';

/**
 * Epoch-millisecond timestamps are stored as BIGINT on both SQLite and PostgreSQL so that keyset
 * comparisons are plain integer comparisons. node-postgres returns BIGINT as a string: this turns it
 * back into a number (safe up to year 287396).
 */
export const epochMs: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: string | number | null) => (value === null ? null : Number(value)),
};

/** When a row was created and last changed (epoch ms). */
export abstract class TimestampedEntity {
  @Column({ name: 'created_at', type: 'bigint', transformer: epochMs })
  createdAt: number;

  @Column({ name: 'updated_at', type: 'bigint', transformer: epochMs })
  updatedAt: number;
}

/**
 * The columns shared by per-Mind rows that carry settings (concerns, environments, relationships):
 * a UUID id, the owning mind and JSON metadata, besides the timestamps.
 */
export abstract class MindOwnedEntity extends TimestampedEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ name: 'mind_id', type: 'varchar', length: 64 })
  mindId: string;

  @Column({ type: 'text', nullable: true })
  metadata: string | null;
}
