export type StorageErrorCode =
  | 'DATABASE_BUSY'
  | 'DATABASE_UNAVAILABLE'
  | 'MIGRATION_FAILED'
  | 'INVALID_CURSOR'
  | 'INVALID_INPUT'
  | 'QUERY_FAILED';

/** The one error type of @genesis/storage-sqlite: a stable `code`, a message for people, the cause. */
export class StorageError extends Error {
  override readonly name = 'StorageError';
  readonly code: StorageErrorCode;

  constructor(code: StorageErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }

  toJSON(): { name: string; code: StorageErrorCode; message: string; cause?: string } {
    const cause = this.cause instanceof Error ? this.cause.message : undefined;
    return { name: this.name, code: this.code, message: this.message, ...(cause ? { cause } : {}) };
  }
}

export function invalidInput(message: string): StorageError {
  return new StorageError('INVALID_INPUT', message);
}

/** The SQLite or Postgres error code behind a (possibly TypeORM-wrapped) driver error. */
export function driverCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const e = error as { code?: unknown; driverError?: { code?: unknown } };
  const code = e.driverError?.code ?? e.code;
  return typeof code === 'string' ? code : undefined;
}
