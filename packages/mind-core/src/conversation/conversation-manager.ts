import type { Clock } from '../ports/clock';
import { MESSAGE_ROLES, type MessageRole, type MessageStore, type StoredMessage } from '../ports/message-store';
import type { Page } from '../ports/page';
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

/** A Mind's conversations, stored in SQL (never in its JSON file). */
export class ConversationManager {
  constructor(
    private readonly mindId: string,
    private readonly store: MessageStore,
    private readonly clock: Clock,
    private readonly maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES,
  ) {}

  /** Validates everything before writing: bad input writes nothing. */
  async addMessage(input: AddMessageInput): Promise<StoredMessage> {
    return this.store.append(this.toNew(input));
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
    return (await this.store.appendMany(rows)).inserted;
  }

  private toNew(input: AddMessageInput) {
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

  private filter(f: MessageCountFilter) {
    if (f.role !== undefined) oneOf(f.role, MESSAGE_ROLES, 'role');
    const since = f.since === undefined ? undefined : toEpochMs(f.since, 'since');
    const until = f.until === undefined ? undefined : toEpochMs(f.until, 'until');
    if (since !== undefined && until !== undefined && since > until)
      throw invalidInput('since', 'must not be after until');
    return {
      mindId: this.mindId,
      ...(since !== undefined ? { since } : {}),
      ...(until !== undefined ? { until } : {}),
      ...(f.userEmail !== undefined ? { userEmail: parseEmail(f.userEmail) } : {}),
      ...(f.role !== undefined ? { role: f.role } : {}),
    };
  }
}
