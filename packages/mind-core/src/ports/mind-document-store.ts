/** A Mind document file as read: its bytes, parsed JSON, and when it last changed. */
export interface DocumentFile {
  /** Where it lives (a file path for the file store), for messages. */
  path: string;
  raw: Buffer;
  value: unknown;
  modifiedAt: number;
}

/**
 * The JSON tier behind a port: one small document per Mind, written atomically under a lock,
 * byte-identical backups of old-format files, and secrets kept apart (owner-only).
 */
export interface MindDocumentStore {
  /** The folder (or namespace) documents live in, for messages. */
  readonly location: string;
  /** Where the document of `gmid` lives (validates the GMID). */
  pathFor(gmid: string): string;
  exists(gmid: string): Promise<boolean>;
  /** The document of a Mind, or null when it has none. Not JSON → INVALID_MIND_FILE naming it. */
  read(gmid: string): Promise<DocumentFile | null>;
  /** Any file given by path (an old-format Mind file to import, a backup). Missing → MIND_NOT_FOUND. */
  readFile(path: string): Promise<DocumentFile>;
  /** Replaces the document atomically: readers see the old or the new text, never a mix. */
  write(gmid: string, text: string): Promise<void>;
  /** Runs `fn` holding the Mind's lock, across processes. A lock whose owner died is taken at once. */
  withLock<T>(gmid: string, fn: () => Promise<T>): Promise<T>;
  /** Keeps a byte-identical, owner-only copy of an old file; returns where. */
  backup(gmid: string, raw: Buffer): Promise<string>;
  /** Whether the file at `path` holds exactly `raw` (compared in chunks, never parsed); false when missing. */
  holdsBytes(path: string, raw: Buffer): Promise<boolean>;
  readSecrets(gmid: string): Promise<Record<string, unknown>>;
  /** Merges `secrets` into the Mind's secrets (owner-only); nothing happens for an empty object. */
  writeSecrets(gmid: string, secrets: Record<string, unknown>): Promise<void>;
  /** Size in bytes of the document, 0 when there is none. */
  size(gmid: string): Promise<number>;
  /** Deletes the document and its secrets (backups stay). */
  remove(gmid: string): Promise<{ fileRemoved: boolean }>;
}
