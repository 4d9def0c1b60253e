import { GenesisError, type GenesisErrorOptions } from '@genesis/mind-core';

export type MemoryTierErrorCode =
  | 'CHROMA_UNAVAILABLE'
  | 'CHROMA_BINDINGS'
  | 'CHROMA_START_TIMEOUT'
  | 'EMBEDDING_MISMATCH'
  | 'EMBEDDING_UNAVAILABLE'
  | 'MEMORY_QUERY_FAILED'
  | 'LEGACY_STORE_UNREADABLE';

/** A failure of the memory tier (Chroma or an embedding provider): a GenesisError with a memory code. */
export class MemoryTierError extends GenesisError {
  declare readonly code: MemoryTierErrorCode;

  constructor(code: MemoryTierErrorCode, message: string, options?: GenesisErrorOptions) {
    super(code, message, options);
    this.name = 'MemoryTierError';
  }
}
