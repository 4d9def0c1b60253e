import type { AppendResult } from '../ports/message-store';
import type { Page } from '../ports/page';
import type { NewRecord, RecordStore, StoredRecord, RecordQuery } from '../ports/record-store';
import { epochMs, nonEmptyText } from '../shared/validation';
import { checkImportedRecord } from '../transfer/imported-rows';
import { jsonCopy, keysetPage, newId, InMemoryStore } from './in-memory-state';
import { appendAbsent } from './append-absent';

/** The RecordStore port in memory, behaving like the SQL one: oldest first, idempotent by (mindId, sourceKey). */
export class InMemoryRecordStore extends InMemoryStore implements RecordStore {
  async appendMany(records: readonly NewRecord[]): Promise<AppendResult> {
    // Validate everything before writing anything.
    const rows: StoredRecord[] = records.map((r) => ({
      id: newId(),
      mindId: nonEmptyText(r.mindId, 'mindId', 64),
      namespace: nonEmptyText(r.namespace, 'namespace', 100),
      kind: nonEmptyText(r.kind, 'kind', 100),
      data: jsonCopy(r.data ?? null, 'data'),
      createdAt: r.createdAt === undefined ? this.clock.now() : epochMs(r.createdAt, 'createdAt'),
      sourceKey: r.sourceKey == null ? null : nonEmptyText(r.sourceKey, 'sourceKey', 200),
    }));
    let inserted = 0;
    for (const row of rows) {
      if (
        row.sourceKey !== null &&
        this.state.records.some((r) => r.mindId === row.mindId && r.sourceKey === row.sourceKey)
      )
        continue;
      this.state.records.push(row);
      inserted++;
    }
    return { inserted, skipped: records.length - inserted };
  }

  async list(query: RecordQuery): Promise<Page<StoredRecord>> {
    const mindId = nonEmptyText(query.mindId, 'mindId');
    const namespace = nonEmptyText(query.namespace, 'namespace');
    return keysetPage(
      this.state.records.filter(
        (r) => r.mindId === mindId && r.namespace === namespace && (query.kind === undefined || r.kind === query.kind),
      ),
      { limit: query.limit, cursor: query.cursor, direction: 'asc', position: (r) => ({ key: r.createdAt, id: r.id }) },
    );
  }

  async listAll(query: { mindId: string; limit: number; cursor?: string | null }): Promise<Page<StoredRecord>> {
    const mindId = nonEmptyText(query.mindId, 'mindId');
    return keysetPage(
      this.state.records.filter((r) => r.mindId === mindId),
      { limit: query.limit, cursor: query.cursor, direction: 'asc', position: (r) => ({ key: r.createdAt, id: r.id }) },
    );
  }

  async importMany(records: readonly StoredRecord[]): Promise<AppendResult> {
    const rows = records.map((r, i) => checkImportedRecord(r, `records.${i}`));
    return appendAbsent(this.state.records, rows, (row) =>
      this.state.records.some(
        (r) => r.id === row.id || (row.sourceKey !== null && r.mindId === row.mindId && r.sourceKey === row.sourceKey),
      ),
    );
  }

  async count(filter: { mindId: string; namespace?: string }): Promise<number> {
    const mindId = nonEmptyText(filter.mindId, 'mindId');
    return this.state.records.filter(
      (r) => r.mindId === mindId && (filter.namespace === undefined || r.namespace === filter.namespace),
    ).length;
  }
}
