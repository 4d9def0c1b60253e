import { inject, injectable } from 'tsyringe';
import { checkImportedRecord, CLOCK, epochMs, nonEmptyText, type RecordQuery } from '@genesis/mind-core';
import type { AppendResult, Clock, NewRecord, Page, RecordStore, StoredRecord } from '@genesis/mind-core';
import type { SqlExecutor } from '../sql-database';
import { SQL_EXECUTOR } from '../tokens';
import { ANY_UNIQUE_KEY, insertRows, SOURCE_KEY } from './insert-rows';
import { countRows, keysetPage } from './keyset';
import { json, newId, num, rowCodec, strOrNull, text, toJson } from './values';

const { columns: COLUMNS, read: toRecord } = rowCodec<StoredRecord>({
  id: text,
  mindId: text,
  namespace: text,
  kind: text,
  data: json<unknown>(null),
  createdAt: num,
  sourceKey: strOrNull,
});

/** mind_records: append-only per-Mind records (dreams, thoughts, plugin histories). */
@injectable()
export class RecordRepository implements RecordStore {
  constructor(
    @inject(SQL_EXECUTOR) private readonly db: SqlExecutor,
    @inject(CLOCK) private readonly clock: Clock,
  ) {}

  async appendMany(records: readonly NewRecord[]): Promise<AppendResult> {
    // Validate everything before writing anything.
    const rows = records.map((r) => [
      newId(),
      nonEmptyText(r.mindId, 'mindId', 64),
      nonEmptyText(r.namespace, 'namespace', 100),
      nonEmptyText(r.kind, 'kind', 100),
      toJson(r.data ?? null, 'data'),
      r.createdAt === undefined ? this.clock.now() : epochMs(r.createdAt, 'createdAt'),
      r.sourceKey ?? null,
    ]);
    return insertRows(this.db, 'mind_records', COLUMNS, rows, SOURCE_KEY);
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
      page: query,
      map: toRecord,
      position: (r) => ({ key: r.createdAt, id: r.id }),
    });
  }

  async listAll(query: { mindId: string; limit: number; cursor?: string | null }): Promise<Page<StoredRecord>> {
    return keysetPage({
      db: this.db,
      columns: COLUMNS,
      table: 'mind_records',
      where: ['mind_id = ?'],
      params: [nonEmptyText(query.mindId, 'mindId')],
      key: 'created_at',
      page: query,
      map: toRecord,
      position: (r) => ({ key: r.createdAt, id: r.id }),
    });
  }

  async importMany(records: readonly StoredRecord[]): Promise<AppendResult> {
    const rows = records.map((record, i) => {
      const r = checkImportedRecord(record, `records.${i}`);
      return [r.id, r.mindId, r.namespace, r.kind, toJson(r.data, 'data'), r.createdAt, r.sourceKey];
    });
    return insertRows(this.db, 'mind_records', COLUMNS, rows, ANY_UNIQUE_KEY);
  }

  async count(filter: { mindId: string; namespace?: string }): Promise<number> {
    const where = ['mind_id = ?'];
    const params: unknown[] = [nonEmptyText(filter.mindId, 'mindId')];
    if (filter.namespace !== undefined) {
      where.push('namespace = ?');
      params.push(filter.namespace);
    }
    return countRows(this.db, 'mind_records', { where, params });
  }
}
