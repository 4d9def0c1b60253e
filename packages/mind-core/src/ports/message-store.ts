import type { EpochMs, Page } from './page';

export const MESSAGE_ROLES = ['user', 'assistant', 'system', 'tool'] as const;
export type MessageRole = (typeof MESSAGE_ROLES)[number];

export interface StoredMessage {
  id: string;
  mindId: string;
  role: MessageRole;
  content: string;
  userEmail: string | null;
  environmentId: string | null;
  metadata: Record<string, unknown>;
  createdAt: EpochMs;
  archived: boolean;
  /** Idempotency key of an import (unique per mind); null for live messages. */
  sourceKey: string | null;
}

export interface NewMessage {
  mindId: string;
  role: MessageRole;
  content: string;
  userEmail?: string | null;
  environmentId?: string | null;
  metadata?: Record<string, unknown>;
  /** Defaults to the store's clock. */
  createdAt?: EpochMs;
  sourceKey?: string | null;
}

export interface MessageFilter {
  mindId: string;
  /** Inclusive lower bound on createdAt. */
  since?: EpochMs;
  /** Exclusive upper bound on createdAt. */
  until?: EpochMs;
  userEmail?: string;
  role?: MessageRole;
  /** Archived messages are hidden unless this is true. */
  includeArchived?: boolean;
}

export interface MessageQuery extends MessageFilter {
  limit: number;
  cursor?: string | null;
  /** `desc` (default) pages newest-first; `asc` oldest-first. */
  order?: 'asc' | 'desc';
}

export interface AppendResult {
  inserted: number;
  /** Rows skipped because a message with the same sourceKey already exists for that mind. */
  skipped: number;
}

export interface MessageStore {
  append(message: NewMessage): Promise<StoredMessage>;
  /** Inserts in one transaction, in array order; idempotent for messages that carry a sourceKey. */
  appendMany(messages: readonly NewMessage[]): Promise<AppendResult>;
  get(mindId: string, id: string): Promise<StoredMessage | null>;
  list(query: MessageQuery): Promise<Page<StoredMessage>>;
  count(filter: MessageFilter): Promise<number>;
  /** Retention: marks messages older than `before` as archived; returns how many changed. */
  archiveBefore(mindId: string, before: EpochMs): Promise<number>;
  /** Retention: deletes messages older than `before` (only archived ones unless `all`). */
  deleteBefore(mindId: string, before: EpochMs, options?: { all?: boolean }): Promise<number>;
  /**
   * Imports whole rows (a Mind moved from another home), ids, times, archived flags and source keys
   * kept, in one transaction: a row whose id (or mind and source key) is there already is skipped,
   * so importing twice stores each message once. Validated before anything is written.
   */
  importMany(messages: readonly StoredMessage[]): Promise<AppendResult>;
}
