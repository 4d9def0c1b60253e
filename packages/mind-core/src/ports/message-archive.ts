import type { StoredMessage } from './message-store';

/** A batch written to the archive, not yet committed (its rows are being deleted). */
export interface ArchiveBatch {
  /** Its name in the Mind's archive (a file name for the file archive). */
  name: string;
  messages: number;
  /** Size once written (compressed, for the file archive). */
  bytes: number;
}

/** A batch that was written but never committed: a run stopped between archiving and deleting. */
export interface PendingArchive {
  name: string;
  /** The ids of the messages in it: delete them, then commit it. */
  ids: string[];
}

/** A committed batch of the archive. */
export interface ArchiveEntry {
  name: string;
  /** Where it is (a file path), for messages and tools. */
  location: string;
  bytes: number;
}

/**
 * Where retention puts messages before it deletes them. Two-phase, so each message is in the
 * archive exactly once even if a run dies between archiving and deleting:
 * 1. `write` stores the batch durably as pending;
 * 2. the caller deletes its rows;
 * 3. `commit` marks it done.
 * A later run (under `withLock`) first finishes every `pending` batch: deletes its ids again (those
 * already gone count nothing) and commits it. Nothing is ever archived twice, because a message is
 * read for archiving only while no pending batch holds it.
 */
export interface MessageArchive {
  /** Where archives live (the folder for the file archive), for messages. */
  readonly location: string;
  /** Runs `fn` holding the Mind's archive lock (across processes): one archiving run per Mind at a time. */
  withLock<T>(mindId: string, fn: () => Promise<T>): Promise<T>;
  /** The batches written and never committed. Call under the lock. */
  pending(mindId: string): Promise<PendingArchive[]>;
  /** Writes messages (oldest first) as one pending batch, durably. Call under the lock. */
  write(mindId: string, messages: readonly StoredMessage[]): Promise<ArchiveBatch>;
  /** Marks a pending batch done. Call under the lock. */
  commit(mindId: string, name: string): Promise<void>;
  /** The committed batches of a Mind, oldest first. */
  list(mindId: string): Promise<ArchiveEntry[]>;
  /** The messages of a committed (or pending) batch, in archive order. */
  read(mindId: string, name: string): Promise<StoredMessage[]>;
}
