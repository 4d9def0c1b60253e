import { GenesisError, type GenesisErrorOptions } from '@genesis/mind-core';

export type StorageErrorCode = 'DATABASE_BUSY' | 'DATABASE_UNAVAILABLE' | 'MIGRATION_FAILED' | 'QUERY_FAILED';

/** A failure of the SQL tier (the database, not the input): a GenesisError with a storage code. */
export class StorageError extends GenesisError {
  declare readonly code: StorageErrorCode;

  constructor(code: StorageErrorCode, message: string, options?: GenesisErrorOptions) {
    super(code, message, options);
    this.name = 'StorageError';
  }
}

/** The SQLite or Postgres error code behind a (possibly TypeORM-wrapped) driver error. */
export function driverCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const e = error as { code?: unknown; driverError?: { code?: unknown } };
  const code = e.driverError?.code ?? e.code;
  return typeof code === 'string' ? code : undefined;
}
