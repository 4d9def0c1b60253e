import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * How many `stored` memories of a Mind have one (type, user, environment): kept by triggers on
 * memory_catalog, so a count with any filter sums a few of these rows instead of counting memories.
 * A memory without a user or an environment is counted under '' (NULL cannot be part of the key).
 */
@Entity({ name: 'memory_catalog_counts' })
export class MemoryCatalogCountEntity {
  @PrimaryColumn({ name: 'mind_id', type: 'varchar', length: 64 })
  mindId: string;

  @PrimaryColumn({ name: 'memory_type', type: 'varchar', length: 64 })
  memoryType: string;

  @PrimaryColumn({ name: 'user_email', type: 'varchar', length: 320 })
  userEmail: string;

  @PrimaryColumn({ name: 'environment_id', type: 'varchar', length: 256 })
  environmentId: string;

  @Column({ type: 'integer', default: 0 })
  n: number;
}
