import { MESSAGE_ROLES } from '../ports/message-store';
import type { AppendResult, MessageFilter, MessageQuery, MessageStore, NewMessage } from '../ports/message-store';
import type { StoredMessage } from '../ports/message-store';
import type { EpochMs, Page } from '../ports/page';
import { invalidInput } from '../shared/errors';
import { epochMs, nonEmptyText, oneOf } from '../shared/validation';
import { checkImportedMessage } from '../transfer/imported-rows';
import { copy, keysetPage, metadataCopy, newId, InMemoryStore } from './in-memory-state';
import { appendAbsent } from './append-absent';

/** The MessageStore port in memory, behaving like the SQL one: newest first, keyset pages on (createdAt, id). */
export class InMemoryMessageStore extends InMemoryStore implements MessageStore {
  /** Every stored row in insertion order (copies), for assertions. */
  get rows(): StoredMessage[] {
    return this.state.messages.map(copy);
  }

  async append(message: NewMessage): Promise<StoredMessage> {
    const row = this.toRow(message);
    const existing = this.bySourceKey(row.mindId, row.sourceKey);
    if (existing) return copy(existing);
    this.state.messages.push(row);
    return copy(row);
  }

  async appendMany(messages: readonly NewMessage[]): Promise<AppendResult> {
    // Validate everything before writing anything.
    const rows = messages.map((m) => this.toRow(m));
    let inserted = 0;
    for (const row of rows) {
      if (this.bySourceKey(row.mindId, row.sourceKey)) continue;
      this.state.messages.push(row);
      inserted++;
    }
    return { inserted, skipped: messages.length - inserted };
  }

  async get(mindId: string, id: string): Promise<StoredMessage | null> {
    const row = this.state.messages.find((m) => m.id === id && m.mindId === mindId);
    return row ? copy(row) : null;
  }

  async list(query: MessageQuery): Promise<Page<StoredMessage>> {
    return keysetPage(this.matching(query), {
      limit: query.limit,
      cursor: query.cursor,
      direction: (query.order ?? 'desc') === 'desc' ? 'desc' : 'asc',
      position: (m) => ({ key: m.createdAt, id: m.id }),
    });
  }

  async count(filter: MessageFilter): Promise<number> {
    return this.matching(filter).length;
  }

  async archiveBefore(mindId: string, before: EpochMs): Promise<number> {
    epochMs(before, 'before');
    let changed = 0;
    for (const m of this.state.messages) {
      if (m.mindId === mindId && !m.archived && m.createdAt < before) {
        m.archived = true;
        changed++;
      }
    }
    return changed;
  }

  async deleteBefore(mindId: string, before: EpochMs, options: { all?: boolean } = {}): Promise<number> {
    epochMs(before, 'before');
    const doomed = (m: StoredMessage) =>
      m.mindId === mindId && m.createdAt < before && (options.all === true || m.archived);
    const kept = this.state.messages.filter((m) => !doomed(m));
    const deleted = this.state.messages.length - kept.length;
    this.state.messages = kept;
    return deleted;
  }

  async importMany(messages: readonly StoredMessage[]): Promise<AppendResult> {
    const rows = messages.map((m, i) => checkImportedMessage(m, `messages.${i}`));
    return appendAbsent(
      this.state.messages,
      rows,
      (row) => this.state.messages.some((m) => m.id === row.id) || !!this.bySourceKey(row.mindId, row.sourceKey),
    );
  }

  private bySourceKey(mindId: string, sourceKey: string | null): StoredMessage | undefined {
    if (sourceKey === null) return undefined;
    return this.state.messages.find((m) => m.mindId === mindId && m.sourceKey === sourceKey);
  }

  private matching(filter: MessageFilter): StoredMessage[] {
    const mindId = nonEmptyText(filter.mindId, 'mindId');
    const since = filter.since === undefined ? undefined : epochMs(filter.since, 'since');
    const until = filter.until === undefined ? undefined : epochMs(filter.until, 'until');
    const role = filter.role === undefined ? undefined : oneOf(filter.role, MESSAGE_ROLES, 'role');
    return this.state.messages.filter(
      (m) =>
        m.mindId === mindId &&
        (filter.includeArchived === true || !m.archived) &&
        (since === undefined || m.createdAt >= since) &&
        (until === undefined || m.createdAt < until) &&
        (filter.userEmail === undefined || m.userEmail === filter.userEmail) &&
        (role === undefined || m.role === role),
    );
  }

  private toRow(m: NewMessage): StoredMessage {
    const mindId = nonEmptyText(m.mindId, 'mindId', 64);
    const role = oneOf(m.role, MESSAGE_ROLES, 'role');
    if (typeof m.content !== 'string') throw invalidInput('content', 'must be a string');
    return {
      id: newId(),
      mindId,
      role,
      content: m.content,
      userEmail: m.userEmail ?? null,
      environmentId: m.environmentId ?? null,
      metadata: metadataCopy(m.metadata),
      createdAt: m.createdAt === undefined ? this.clock.now() : epochMs(m.createdAt, 'createdAt'),
      archived: false,
      sourceKey: m.sourceKey == null ? null : nonEmptyText(m.sourceKey, 'sourceKey', 200),
    };
  }
}
