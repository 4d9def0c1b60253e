import { inject, injectable } from 'tsyringe';
import { CLOCK, epochMs, invalidInput, MESSAGE_ROLES, nonEmptyText, oneOf } from '@genesis/mind-core';
import { toPage } from '@genesis/mind-core';
import { checkImportedMessage } from '@genesis/mind-core';
import type { AppendResult, Clock, MessageFilter, MessageQuery, MessageStore, NewMessage } from '@genesis/mind-core';
import type { Page, StoredMessage } from '@genesis/mind-core';

import type { SqlExecutor } from '../sql-database';
import { SQL_EXECUTOR } from '../tokens';
import { ANY_UNIQUE_KEY, insertRows, SOURCE_KEY } from './insert-rows';
import { countRows, keysetPage, keysetSelect, type KeysetSelect, type WhereTerms } from './keyset';
import { asIs, bool, json, newId, num, rowCodec, strOrNull, text, toJson } from './values';
import type { Row } from './values';

/** conversation_messages rows as StoredMessage (also read by retention). */
export const MESSAGE_CODEC = rowCodec<StoredMessage>({
  id: text,
  mindId: text,
  role: asIs,
  content: text,
  userEmail: strOrNull,
  environmentId: strOrNull,
  metadata: json<Record<string, unknown>>({}),
  createdAt: num,
  archived: bool,
  sourceKey: strOrNull,
});
const { columns: COLUMNS, read: toMessage } = MESSAGE_CODEC;
const DELETE_CHUNK = 5000;

/**
 * SQLite: a page's text columns packed into one JSON array per row, the numbers beside it. The
 * sqlite3 driver builds each row's object on the main thread, a property at a time (≈ 0.2 µs a
 * column); one `JSON.parse` of the array is much cheaper, and a page of `GET …/messages` takes
 * ≈ 20 µs less CPU (of ≈ 200 µs for the whole request). The values are the same as the plain
 * columns': these columns have TEXT affinity, so they hold text or NULL, and the CAST turns a BLOB
 * that another program wrote into its text as `String(buffer)` would (json_array refuses BLOBs).
 * The numbers are read as they are (JSON would round a REAL to 15 digits).
 */
const PACKED_FIELDS = [
  'id',
  'mind_id',
  'role',
  'content',
  'user_email',
  'environment_id',
  'metadata',
  'source_key',
] as const;
const PACKED_COLUMNS = `json_array(${PACKED_FIELDS.map((c) => `CAST(${c} AS TEXT)`).join(', ')}) AS packed, created_at, archived`;

/** A packed row back as the plain row, then read by the codec. */
function unpackMessage(packed: Row): StoredMessage {
  const values = JSON.parse(String(packed.packed)) as unknown[];
  const row: Row = { created_at: packed.created_at, archived: packed.archived };
  PACKED_FIELDS.forEach((column, i) => (row[column] = values[i]));
  return toMessage(row);
}

/**
 * SQLite, the whole page in one row: each message the JSON array of its columns (the text ones
 * cast as above, then the time and the archived flag), the page their JSON array. The driver then
 * builds one row of one string instead of a row object per message (each property set through
 * N-API), and one `JSON.parse` gives every message's values.
 *
 * Only where a JSON number is exactly the driver's value: `plain` is 1 when every time and archived
 * flag of the page is an INTEGER (as this code writes them). Otherwise (a REAL time JSON would round
 * to 15 digits, a BLOB or text another program wrote) the page is read again per row (`list`).
 * The messages are concatenated in the subquery's order (SQLite runs it as a co-routine, rows in
 * ORDER BY order); `list` checks that order and reads per row should it ever differ. Pages of at
 * most ONE_ROW_PAGE_MAX messages only: the page is one string, which must stay far below V8's
 * limit (≈ 512 MB) even for messages of megabytes.
 */
const PAGE_FIELDS = [...PACKED_FIELDS, 'created_at', 'archived'] as const;
const PAGE_ELEMENT = `json_array(${PAGE_FIELDS.map((c, i) =>
  i < PACKED_FIELDS.length ? `CAST(${c} AS TEXT)` : `CASE WHEN typeof(${c}) = 'integer' THEN ${c} END`,
).join(', ')})`;
const ONE_ROW_PAGE_MAX = 50;

/** conversation_messages, read newest-first with keyset pages on (created_at, id). */
@injectable()
export class MessageRepository implements MessageStore {
  constructor(
    @inject(SQL_EXECUTOR) private readonly db: SqlExecutor,
    @inject(CLOCK) private readonly clock: Clock,
  ) {}

  async append(message: NewMessage): Promise<StoredMessage> {
    const values = this.values(message);
    const { inserted } = await insertRows(this.db, 'conversation_messages', COLUMNS, [values], SOURCE_KEY);
    if (inserted === 0 && message.sourceKey != null) {
      const [row] = await this.db.all<Row>(
        `SELECT ${COLUMNS} FROM conversation_messages WHERE mind_id = ? AND source_key = ?`,
        [message.mindId, message.sourceKey],
      );
      return toMessage(row!);
    }
    return toMessage(Object.fromEntries(COLUMNS.split(', ').map((c, i) => [c, values[i]])));
  }

  async appendMany(messages: readonly NewMessage[]): Promise<AppendResult> {
    // Validate everything before writing anything.
    const rows = messages.map((m) => this.values(m));
    return insertRows(this.db, 'conversation_messages', COLUMNS, rows, SOURCE_KEY);
  }

  async get(mindId: string, id: string): Promise<StoredMessage | null> {
    const [row] = await this.db.all<Row>(`SELECT ${COLUMNS} FROM conversation_messages WHERE id = ? AND mind_id = ?`, [
      id,
      mindId,
    ]);
    return row ? toMessage(row) : null;
  }

  async list(query: MessageQuery): Promise<Page<StoredMessage>> {
    const packed = this.db.dialect === 'sqlite';
    const select = {
      table: 'conversation_messages',
      ...this.where(query),
      key: 'created_at',
      direction: (query.order ?? 'desc') === 'desc' ? ('DESC' as const) : ('ASC' as const),
      page: query,
    };
    if (packed && query.limit <= ONE_ROW_PAGE_MAX) {
      const page = await this.pageInOneRow(select);
      if (page !== null) return page;
    }
    return keysetPage({
      db: this.db,
      columns: packed ? PACKED_COLUMNS : COLUMNS,
      ...select,
      map: packed ? unpackMessage : toMessage,
      position: (m) => ({ key: m.createdAt, id: m.id }),
    });
  }

  /**
   * `list` on SQLite as one row (`PAGE_ELEMENT`): `keysetPage`'s SELECT as a subquery, its messages
   * joined into one text. Null when the page must be read per row instead (see `PAGE_ELEMENT`).
   */
  private async pageInOneRow(select: Omit<KeysetSelect, 'columns'>): Promise<Page<StoredMessage> | null> {
    const descending = select.direction === 'DESC';
    const page = keysetSelect({ ...select, columns: `${PAGE_ELEMENT} AS message, created_at, archived` });
    const [row] = await this.db.all<Row>(
      `SELECT '[' || group_concat(message, ',') || ']' AS page, ` +
        `min(typeof(created_at) = 'integer' AND typeof(archived) = 'integer') AS plain FROM (${page.sql})`,
      page.params,
    );
    if (row === undefined || row.page === null || row.page === undefined) return { items: [], nextCursor: null };
    if (row.plain !== 1) return null;
    const items = (JSON.parse(String(row.page)) as unknown[][]).map((values) => {
      const message: Row = {};
      for (let i = 0; i < PAGE_FIELDS.length; i++) message[PAGE_FIELDS[i]!] = values[i];
      return toMessage(message);
    });
    for (let i = 1; i < items.length; i++) {
      const a = items[i - 1]!;
      const b = items[i]!;
      const before = a.createdAt < b.createdAt || (a.createdAt === b.createdAt && a.id < b.id);
      if (descending === before || a.id === b.id) return null;
    }
    return toPage(items, page.limit, (m) => ({ key: m.createdAt, id: m.id }));
  }

  async count(filter: MessageFilter): Promise<number> {
    return countRows(this.db, 'conversation_messages', this.where(filter));
  }

  async archiveBefore(mindId: string, before: number): Promise<number> {
    epochMs(before, 'before');
    return this.db.write((tx) =>
      tx.run('UPDATE conversation_messages SET archived = ? WHERE mind_id = ? AND archived = ? AND created_at < ?', [
        true,
        mindId,
        false,
        before,
      ]),
    );
  }

  async deleteBefore(mindId: string, before: number, options: { all?: boolean } = {}): Promise<number> {
    epochMs(before, 'before');
    const archivedOnly = options.all ? '' : ' AND archived = ?';
    const params = options.all ? [mindId, before] : [mindId, before, true];
    let total = 0;
    // Small batches, each its own transaction, so a big purge never holds the write lock for long.
    for (;;) {
      const deleted = await this.db.write((tx) =>
        tx.run(
          `DELETE FROM conversation_messages WHERE id IN (SELECT id FROM conversation_messages WHERE mind_id = ? AND created_at < ?${archivedOnly} LIMIT ${DELETE_CHUNK})`,
          params,
        ),
      );
      total += deleted;
      if (deleted < DELETE_CHUNK) return total;
    }
  }

  async importMany(messages: readonly StoredMessage[]): Promise<AppendResult> {
    // Validate everything before writing anything.
    const rows = messages.map((m, i) => {
      const r = checkImportedMessage(m, `messages.${i}`);
      return [
        r.id,
        r.mindId,
        r.role,
        r.content,
        r.userEmail,
        r.environmentId,
        toJson(r.metadata, 'metadata'),
        r.createdAt,
        r.archived,
        r.sourceKey,
      ];
    });
    return insertRows(this.db, 'conversation_messages', COLUMNS, rows, ANY_UNIQUE_KEY);
  }

  private where(filter: MessageFilter): WhereTerms {
    nonEmptyText(filter.mindId, 'mindId');
    const where = ['mind_id = ?'];
    const params: unknown[] = [filter.mindId];
    if (!filter.includeArchived) {
      where.push('archived = ?');
      params.push(false);
    }
    if (filter.since !== undefined) {
      where.push('created_at >= ?');
      params.push(epochMs(filter.since, 'since'));
    }
    if (filter.until !== undefined) {
      where.push('created_at < ?');
      params.push(epochMs(filter.until, 'until'));
    }
    if (filter.userEmail !== undefined) {
      where.push('user_email = ?');
      params.push(filter.userEmail);
    }
    if (filter.role !== undefined) {
      where.push('role = ?');
      params.push(oneOf(filter.role, MESSAGE_ROLES, 'role'));
    }
    return { where, params };
  }

  private values(m: NewMessage): unknown[] {
    nonEmptyText(m.mindId, 'mindId', 64);
    oneOf(m.role, MESSAGE_ROLES, 'role');
    if (typeof m.content !== 'string') throw invalidInput('content', 'must be a string');
    const createdAt = m.createdAt === undefined ? this.clock.now() : epochMs(m.createdAt, 'createdAt');
    return [
      newId(),
      m.mindId,
      m.role,
      m.content,
      m.userEmail ?? null,
      m.environmentId ?? null,
      m.metadata === undefined ? null : toJson(m.metadata, 'metadata'),
      createdAt,
      false,
      m.sourceKey == null ? null : nonEmptyText(m.sourceKey, 'sourceKey', 200),
    ];
  }
}
