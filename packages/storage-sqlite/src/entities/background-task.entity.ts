import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { epochMs, TimestampedEntity } from './columns';

@Entity({ name: 'background_tasks' })
// Tasks in one status by run time (listing by status, retention).
@Index('idx_tasks_status_run', ['status', 'runAt', 'id'])
// Claiming due pending tasks in claim order. The migration builds it as (status, priority DESC,
// run_at, id): TypeORM cannot declare a column's direction, and compares index columns only.
@Index('idx_tasks_claim', ['status', 'priority', 'runAt', 'id'])
// Claiming (or burying) running tasks whose lease expired.
@Index('idx_tasks_status_lease', ['status', 'leaseExpiresAt'])
// Listing the tasks of one mind: all, in one status, of one type in one status.
@Index('idx_tasks_mind_run', ['mindId', 'runAt', 'id'])
@Index('idx_tasks_mind_status_run', ['mindId', 'status', 'runAt', 'id'])
// Claiming one Mind's pending tasks in claim order (per-Mind limits): built by the migration as
// (mind_id, priority DESC, run_at, id) WHERE status = 'pending'.
@Index('idx_tasks_mind_pending', ['mindId', 'priority', 'runAt', 'id'], { where: `"status" = 'pending'` })
@Index('idx_tasks_mind_type_status_run', ['mindId', 'type', 'status', 'runAt', 'id'])
@Index('uq_tasks_mind_idempotency_key', ['mindId', 'idempotencyKey'], { unique: true })
export class BackgroundTaskEntity extends TimestampedEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ name: 'mind_id', type: 'varchar', length: 64 })
  mindId: string;

  @Column({ type: 'varchar', length: 100 })
  type: string;

  @Column({ type: 'text', nullable: true })
  payload: string | null;

  @Column({ type: 'varchar', length: 16 })
  status: string;

  @Column({ type: 'integer', default: 0 })
  priority: number;

  @Column({ name: 'run_at', type: 'bigint', transformer: epochMs })
  runAt: number;

  @Column({ type: 'integer', default: 0 })
  attempts: number;

  @Column({ name: 'max_attempts', type: 'integer' })
  maxAttempts: number;

  @Column({ name: 'lease_owner', type: 'varchar', length: 200, nullable: true })
  leaseOwner: string | null;

  /** A fresh random token per claim; every write of the running attempt must present it. */
  @Column({ name: 'lease_token', type: 'varchar', length: 36, nullable: true })
  leaseToken: string | null;

  @Column({ name: 'lease_expires_at', type: 'bigint', nullable: true, transformer: epochMs })
  leaseExpiresAt: number | null;

  /** Past this run time an attempt is aborted; null: no limit. */
  @Column({ name: 'timeout_ms', type: 'bigint', nullable: true, transformer: epochMs })
  timeoutMs: number | null;

  /** The last progress the handler reported (JSON). */
  @Column({ type: 'text', nullable: true })
  progress: string | null;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError: string | null;

  @Column({ type: 'text', nullable: true })
  result: string | null;

  @Column({ name: 'idempotency_key', type: 'varchar', length: 200, nullable: true })
  idempotencyKey: string | null;

  @Column({ name: 'finished_at', type: 'bigint', nullable: true, transformer: epochMs })
  finishedAt: number | null;
}
