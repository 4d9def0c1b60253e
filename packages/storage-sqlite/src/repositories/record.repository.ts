import { inject, injectable } from 'tsyringe';
import { CLOCK, epochMs, nonEmptyText, type RecordQuery } from '@genesis/mind-core';
import type { AppendResult, Clock, NewRecord, Page, RecordStore, StoredRecord } from '@genesis/mind-core';
import type { SqlExecutor } from '../sql-database';
import { SQL_EXECUTOR } from '../tokens';
import { keysetPage } from './keyset';
import { fromJson, newId, num, strOrNull, toJson } from './values';

const COLUMNS = 'id, mind_id, namespace, kind, data, created_at, source_key';
const INSERT_CHUNK = 500;

function toRecord(row: Record<string, unknown>): StoredRecord {
  return {
    id: String(row.id),
    mindId: String(row.mind_id),
    namespace: String(row.namespace),
    kind: String(row.kind),
    data: fromJson<unknown>(row.data, null),
    createdAt: num(row.created_at),
    sourceKey: strOrNull(row.source_key),
  };
}

/** mind_records: append-only per-Mind records (dreams, thoughts, plugin histories). */
@injectable()
export class RecordRepository implements RecordStore {
  constructor(
    @inject(SQL_EXECUTOR) private readonly db: SqlExecutor,
    @inject(CLOCK) private readonly clock: Clock,
  ) {}

  async appendMany(records: readonly NewRecord[]): Promise<AppendResult> {
    if (records.length === 0) return { inserted: 0, skipped: 0 };
    const rows = records.map((r) => [
      newId(),
      nonEmptyText(r.mindId, 'mindId', 64),
      nonEmptyText(r.namespace, 'namespace', 100),
      nonEmptyText(r.kind, 'kind', 100),
      toJson(r.data ?? null, 'data'),
      r.createdAt === undefined ? this.clock.now() : epochMs(r.createdAt, 'createdAt'),
      r.sourceKey ?? null,
    ]);
    const inserted = await this.db.write(async (tx) => {
      let count = 0;
      for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
        const chunk = rows.slice(i, i + INSERT_CHUNK);
        count += await tx.run(
          `INSERT INTO mind_records (${COLUMNS}) VALUES ${chunk.map(() => '(?, ?, ?, ?, ?, ?, ?)').join(', ')} ON CONFLICT (mind_id, source_key) DO NOTHING`,
          chunk.flat(),
        );
      }
      return count;
    });
    return { inserted, skipped: records.length - inserted };
  }

  async list(query: RecordQuery): Promise<Page<StoredRecord>> {
    const where = ['mind_id = ?', 'namespace = ?'];
    const params: unknown[] = [nonEmptyText(query.mindId, 'mindId'), nonEmptyText(query.namespace, 'namespace')];
    if (query.kind !== undefined) {
      where.push('kind = ?');
      params.push(query.kind);
    }
    return keysetPage({
      db: this.db,
      columns: COLUMNS,
      table: 'mind_records',
      where,
      params,
      key: 'created_at',
      direction: 'ASC',
      limit: query.limit,
      cursor: query.cursor,
      map: toRecord,
      position: (r) => ({ key: r.createdAt, id: r.id }),
    });
  }

  async count(filter: { mindId: string; namespace?: string }): Promise<number> {
    const where = ['mind_id = ?'];
    const params: unknown[] = [nonEmptyText(filter.mindId, 'mindId')];
    if (filter.namespace !== undefined) {
      where.push('namespace = ?');
      params.push(filter.namespace);
    }
    const [row] = await this.db.all<{ n: unknown }>(
      `SELECT COUNT(*) AS n FROM mind_records WHERE ${where.join(' AND ')}`,
      params,
    );
    return num(row?.n ?? 0);
  }
}
