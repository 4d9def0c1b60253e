import type { Clock } from '../ports/clock';
import {
  MESSAGE_ROLES,
  type MessageFilter,
  type MessageRole,
  type MessageStore,
  type StoredMessage,
} from '../ports/message-store';
import type { NewMessage } from '../ports/message-store';
import type { Page } from '../ports/page';
import type { TransactionStores, UnitOfWork } from '../ports/unit-of-work';
import { GenesisError, invalidInput } from '../shared/errors';
import { jsonObject, nonEmptyText, oneOf, parseEmail, parseLimit, toEpochMs } from '../shared/validation';
import type { TimeInput } from '../shared/validation';

export const DEFAULT_MAX_MESSAGE_BYTES = 1024 * 1024;

export interface AddMessageInput {
  role: MessageRole;
  content: string;
  userEmail?: string;
  environmentId?: string;
  metadata?: Record<string, unknown>;
}

export interface ListMessagesInput {
  since?: TimeInput;
  until?: TimeInput;
  userEmail?: string;
  role?: MessageRole;
  limit: number;
  cursor?: string | null;
}

export interface MessageCountFilter {
  since?: TimeInput;
  until?: TimeInput;
  userEmail?: string;
  role?: MessageRole;
}

/** A message as validated for the store: who said it, where and when are always set. */
type ValidMessage = NewMessage & { userEmail: string | null; environmentId: string | null; createdAt: number };

/**
 * A Mind's conversations, stored in SQL (never in its JSON file). With a unit of work, a message
 * from a user (role `user` with a userEmail) also records an interaction with that user, and a
 * message with an environmentId marks that environment active (when it exists), both in the
 * transaction of the message; other messages are one plain insert.
 */
export class ConversationManager {
  constructor(
    private readonly mindId: string,
    private readonly store: MessageStore,
    private readonly clock: Clock,
    private readonly maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES,
    private readonly unitOfWork?: UnitOfWork,
  ) {}

  /** Validates everything before writing: bad input writes nothing. */
  async addMessage(input: AddMessageInput): Promise<StoredMessage> {
    const row = this.toNew(input);
    if (!this.unitOfWork || !touchesPeople(row)) return this.store.append(row);
    return this.unitOfWork.run(async (stores) => {
      // The message first: on SQLite the single INSERTs of concurrent callers then merge into one
      // (see the SQL tier's group commit); the same transaction either way.
      const stored = await stores.messages.append(row);
      await this.recordPeople(stores, [row]);
      return stored;
    });
  }

  /** Adds many messages in one transaction, in order (all or nothing). */
  async addMessages(inputs: readonly AddMessageInput[]): Promise<number> {
    if (!Array.isArray(inputs)) throw invalidInput('messages', 'must be an array of messages');
    const rows = inputs.map((input, i) => {
      try {
        return this.toNew(input);
      } catch (error) {
        if (!(error instanceof GenesisError) || error.field === undefined) throw error;
        throw invalidInput(`messages.${i}.${error.field}`, error.message.slice(error.field.length + 1));
      }
    });
    if (!this.unitOfWork || !rows.some(touchesPeople)) return (await this.store.appendMany(rows)).inserted;
    return this.unitOfWork.run(async (stores) => {
      await this.recordPeople(stores, rows);
      return (await stores.messages.appendMany(rows)).inserted;
    });
  }

  /**
   * Inside the messages' unit of work: one interaction per user with the number of their messages
   * and the time of their latest, and each environment named marked active at its latest message.
   */
  private async recordPeople(stores: TransactionStores, rows: readonly ValidMessage[]): Promise<void> {
    const users = new Map<string, { count: number; at: number }>();
    const environments = new Map<string, number>();
    for (const row of rows) {
      if (row.role === 'user' && row.userEmail !== null) {
        const seen = users.get(row.userEmail);
        users.set(row.userEmail, {
          count: (seen?.count ?? 0) + 1,
          at: Math.max(seen?.at ?? 0, row.createdAt),
        });
      }
      if (row.environmentId !== null)
        environments.set(row.environmentId, Math.max(environments.get(row.environmentId) ?? 0, row.createdAt));
    }
    for (const [email, { count, at }] of users)
      await stores.relationships.recordInteraction(this.mindId, email, at, count);
    // An environmentId that names no environment of this Mind is kept on the message and changes nothing.
    for (const [id, at] of environments) await stores.environments.markActive(this.mindId, id, at);
  }

  private toNew(input: AddMessageInput): ValidMessage {
    if (typeof input !== 'object' || input === null)
      throw invalidInput('message', 'must be an object with role and content');
    const role = oneOf(input.role, MESSAGE_ROLES, 'role');
    const content = nonEmptyText(input.content, 'content');
    const bytes = Buffer.byteLength(content, 'utf8');
    if (bytes > this.maxMessageBytes) {
      throw invalidInput(
        'content',
        `is ${bytes} bytes, over the limit of ${this.maxMessageBytes} bytes (maxMessageBytes)`,
      );
    }
    return {
      mindId: this.mindId,
      role,
      content,
      userEmail: input.userEmail === undefined ? null : parseEmail(input.userEmail),
      environmentId: input.environmentId === undefined ? null : nonEmptyText(input.environmentId, 'environmentId', 64),
      metadata: input.metadata === undefined ? {} : jsonObject(input.metadata, 'metadata'),
      createdAt: this.clock.now(),
    };
  }

  /** The newest `limit` messages, oldest first (chronological). */
  async getRecentMessages(options: { limit: number }): Promise<StoredMessage[]> {
    const page = await this.store.list({ mindId: this.mindId, limit: parseLimit(options.limit) });
    return page.items.reverse();
  }

  /**
   * LLM-ready context: the newest messages (at most `maxMessages`, and at most `maxChars` characters
   * of content in all), in chronological order.
   */
  async getConversationContext(options: {
    maxMessages: number;
    maxChars?: number;
  }): Promise<Array<{ role: MessageRole; content: string }>> {
    const recent = await this.getRecentMessages({ limit: parseLimit(options.maxMessages, 'maxMessages') });
    if (options.maxChars === undefined) return recent.map(({ role, content }) => ({ role, content }));
    parseLimit(options.maxChars, 'maxChars', Number.MAX_SAFE_INTEGER);
    const picked: Array<{ role: MessageRole; content: string }> = [];
    let used = 0;
    for (let i = recent.length - 1; i >= 0; i--) {
      const m = recent[i]!;
      if (used + m.content.length > options.maxChars) break;
      used += m.content.length;
      picked.unshift({ role: m.role, content: m.content });
    }
    return picked;
  }

  /** Newest first, keyset-paginated: pass `nextCursor` back as `cursor` for the next page. */
  async listMessages(options: ListMessagesInput): Promise<Page<StoredMessage>> {
    return this.store.list({
      ...this.filter(options),
      limit: parseLimit(options.limit),
      cursor: options.cursor ?? null,
    });
  }

  async countMessages(filter: MessageCountFilter = {}): Promise<number> {
    return this.store.count(this.filter(filter));
  }

  private filter(f: MessageCountFilter): MessageFilter {
    if (f.role !== undefined) oneOf(f.role, MESSAGE_ROLES, 'role');
    const since = f.since === undefined ? undefined : toEpochMs(f.since, 'since');
    const until = f.until === undefined ? undefined : toEpochMs(f.until, 'until');
    if (since !== undefined && until !== undefined && since > until)
      throw invalidInput('since', 'must not be after until');
    // Assigned one by one rather than spread from `cond ? { x } : {}`: every conversation read
    // (`GET …/messages`, the hot route of the HTTP API) builds one.
    const filter: MessageFilter = { mindId: this.mindId };
    if (since !== undefined) filter.since = since;
    if (until !== undefined) filter.until = until;
    if (f.userEmail !== undefined) filter.userEmail = parseEmail(f.userEmail);
    if (f.role !== undefined) filter.role = f.role;
    return filter;
  }
}

/** Whether a message records an interaction (from a user) or marks an environment active. */
const touchesPeople = (row: ValidMessage): boolean =>
  (row.role === 'user' && row.userEmail !== null) || row.environmentId !== null;
