import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { epochMs } from './columns';

/** A token of the daemon's HTTP API: only its SHA-256 is kept; it reaches one Mind, or every Mind (admin) when mind_id is null. */
@Entity({ name: 'api_tokens' })
@Index('idx_api_tokens_hash', ['tokenHash'], { unique: true })
@Index('idx_api_tokens_mind', ['mindId'])
export class ApiTokenEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ name: 'mind_id', type: 'varchar', length: 64, nullable: true })
  mindId: string | null;

  @Column({ type: 'varchar', length: 100 })
  name: string;

  @Column({ name: 'token_hash', type: 'varchar', length: 64 })
  tokenHash: string;

  @Column({ name: 'created_at', type: 'bigint', transformer: epochMs })
  createdAt: number;

  @Column({ name: 'last_used_at', type: 'bigint', nullable: true, transformer: epochMs })
  lastUsedAt: number | null;

  @Column({ name: 'revoked_at', type: 'bigint', nullable: true, transformer: epochMs })
  revokedAt: number | null;
}
