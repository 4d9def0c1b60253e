import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { epochMs } from './columns';

/**
 * One memory of a Mind in the SQL catalogue: the fields that are sorted, counted and changed on
 * every search (content and embedding live in the vector store). Keyed by (mind_id, id): a memory
 * id is unique within its Mind. The indexes other than the primary key are partial: listing and
 * counting read `stored` rows only, repair reads the others.
 */
@Entity({ name: 'memory_catalog' })
// Recent: a Mind's stored memories by (created_at, id), read backwards for newest first.
@Index('idx_memory_catalog_recent', ['mindId', 'createdAt', 'id'], { where: `"state" = 'stored'` })
// Important: by importance, then newest, then id.
@Index('idx_memory_catalog_important', ['mindId', 'importance', 'createdAt', 'id'], { where: `"state" = 'stored'` })
// Count (and recent) by type, by user, by environment.
@Index('idx_memory_catalog_type', ['mindId', 'memoryType', 'createdAt', 'id'], { where: `"state" = 'stored'` })
@Index('idx_memory_catalog_user', ['mindId', 'userEmail', 'createdAt', 'id'], { where: `"state" = 'stored'` })
@Index('idx_memory_catalog_environment', ['mindId', 'environmentId', 'createdAt', 'id'], {
  where: `"state" = 'stored'`,
})
// Repair: a Mind's pending and deleting memories, oldest first.
@Index('idx_memory_catalog_unsettled', ['mindId', 'createdAt', 'id'], { where: `"state" <> 'stored'` })
export class MemoryCatalogEntity {
  @PrimaryColumn({ name: 'mind_id', type: 'varchar', length: 64 })
  mindId: string;

  @PrimaryColumn({ type: 'varchar', length: 256 })
  id: string;

  @Column({ name: 'memory_type', type: 'varchar', length: 64 })
  memoryType: string;

  @Column({ type: 'double precision' })
  importance: number;

  @Column({ name: 'user_email', type: 'varchar', length: 320, nullable: true })
  userEmail: string | null;

  @Column({ name: 'relationship_context', type: 'varchar', length: 64 })
  relationshipContext: string;

  @Column({ name: 'environment_id', type: 'varchar', length: 256, nullable: true })
  environmentId: string | null;

  /** The memory's own time (its timestamp), epoch ms. */
  @Column({ name: 'created_at', type: 'bigint', transformer: epochMs })
  createdAt: number;

  @Column({ name: 'last_accessed_at', type: 'bigint', nullable: true, transformer: epochMs })
  lastAccessedAt: number | null;

  @Column({ name: 'access_count', type: 'integer', default: 0 })
  accessCount: number;

  /** pending | stored | deleting. */
  @Column({ type: 'varchar', length: 16 })
  state: string;

  /** How often the row was replaced: readers caching a memory's text check it against this. */
  @Column({ type: 'integer', default: 0 })
  revision: number;
}
