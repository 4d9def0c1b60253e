import { Column, Entity, PrimaryColumn } from 'typeorm';
import { epochMs } from './columns';

/**
 * A new memory's vector on its way to the vector store (the write-behind queue): committed in the
 * same transaction as the memory's memory_catalog row, removed once the vector store has it. A few
 * rows at a time in normal running; what a crash leaves is written by the next repair.
 */
@Entity({ name: 'memory_outbox' })
export class MemoryOutboxEntity {
  @PrimaryColumn({ name: 'mind_id', type: 'varchar', length: 64 })
  mindId: string;

  @PrimaryColumn({ type: 'varchar', length: 256 })
  id: string;

  /** JSON: { document, metadata, embedding } with the embedding as base64 of little-endian float32s. */
  @Column({ type: 'text' })
  payload: string;

  /** When it was queued, epoch ms: the queue is read oldest first. */
  @Column({ name: 'queued_at', type: 'bigint', transformer: epochMs })
  queuedAt: number;
}
