export type MemoryTierErrorCode = 'CHROMA_UNAVAILABLE' | 'CHROMA_BINDINGS' | 'CHROMA_START_TIMEOUT' | 'EMBEDDING_MISMATCH' | 'EMBEDDING_UNAVAILABLE' | 'MEMORY_QUERY_FAILED';

/** The one error type of @genesis/storage-chroma: a stable `code`, a message for people, the cause. */
export class MemoryTierError extends Error {
  override readonly name = 'MemoryTierError';
  readonly code: MemoryTierErrorCode;

  constructor(code: MemoryTierErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }

  toJSON(): { name: string; code: MemoryTierErrorCode; message: string } {
    return { name: this.name, code: this.code, message: this.message };
  }
}
