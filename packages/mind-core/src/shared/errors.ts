/**
 * Every code an error of Genesis can carry. Stable: users and the HTTP API match on them.
 * The storage and memory packages extend {@link GenesisError} with their own subsets.
 */
export type GenesisErrorCode =
  // input and domain (mind-core)
  | 'INVALID_INPUT'
  | 'INVALID_GMID'
  | 'INVALID_CURSOR'
  | 'INVALID_MIND_FILE'
  | 'MIND_NOT_FOUND'
  | 'MIND_LOCKED'
  | 'MIND_FILE_TOO_LARGE'
  | 'MIND_FILE_WRITE_FAILED'
  | 'SAVE_CONFLICT'
  | 'CONCERN_NOT_FOUND'
  | 'MEMORY_NOT_FOUND'
  | 'RELATIONSHIP_NOT_FOUND'
  | 'ENVIRONMENT_NOT_FOUND'
  | 'INVALID_TRANSITION'
  | 'INVALID_CONFIG'
  // tasks and the daemon
  | 'TASK_NOT_FOUND'
  | 'TASK_TIMEOUT'
  | 'TASK_HANDLER_MISSING'
  | 'MIND_HELD'
  | 'LEASE_LOST'
  | 'DAEMON_STOPPING'
  // SQL tier
  | 'DATABASE_BUSY'
  | 'DATABASE_UNAVAILABLE'
  | 'MIGRATION_FAILED'
  | 'QUERY_FAILED'
  // memory tier
  | 'CHROMA_UNAVAILABLE'
  | 'CHROMA_BINDINGS'
  | 'CHROMA_START_TIMEOUT'
  | 'EMBEDDING_MISMATCH'
  | 'EMBEDDING_UNAVAILABLE'
  | 'MEMORY_QUERY_FAILED'
  // migrating an earlier Genesis home
  | 'BACKUP_FAILED'
  | 'MIGRATE_BUSY'
  | 'MIGRATE_INCOMPLETE'
  | 'LEGACY_STORE_UNREADABLE'
  // moving a Mind between homes (genesis mind export / import)
  | 'INVALID_EXPORT_FILE'
  // the daemon's HTTP API
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'API_TOKEN_NOT_FOUND'
  | 'PAYLOAD_TOO_LARGE'
  | 'RATE_LIMITED'
  | 'ROUTE_NOT_FOUND'
  // anything not foreseen
  | 'INTERNAL_ERROR';

export interface GenesisErrorOptions {
  /** The input field that was wrong (`userEmail`, `identity.gmid`, `--limit`…). */
  field?: string;
  cause?: unknown;
}

export interface GenesisErrorJson {
  name: string;
  code: GenesisErrorCode;
  message: string;
  field?: string;
  cause?: string;
}

/**
 * The one error base of Genesis: a stable `code`, a message for people (what was wrong and what to
 * do), the `field` at fault when there is one, and the `cause`.
 */
export class GenesisError extends Error {
  override name = 'GenesisError';
  readonly code: GenesisErrorCode;
  readonly field: string | undefined;

  constructor(code: GenesisErrorCode, message: string, options: GenesisErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.field = options.field;
  }

  toJSON(): GenesisErrorJson {
    const cause = this.cause instanceof Error ? this.cause.message : undefined;
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      ...(this.field !== undefined ? { field: this.field } : {}),
      ...(cause !== undefined ? { cause } : {}),
    };
  }
}

export function isGenesisError(error: unknown): error is GenesisError {
  return error instanceof GenesisError;
}

/**
 * Maps anything thrown to a GenesisError: itself when it is one, else INTERNAL_ERROR with the
 * original as `cause`. Every boundary (CLI, HTTP) goes through this one function.
 */
export function toGenesisError(error: unknown): GenesisError {
  if (error instanceof GenesisError) return error;
  if (error instanceof Error) return new GenesisError('INTERNAL_ERROR', error.message, { cause: error });
  return new GenesisError('INTERNAL_ERROR', `Unexpected failure: ${String(error)}`, { cause: error });
}

/** Bad input: names the field and what it must be. */
export function invalidInput(field: string, message: string, cause?: unknown): GenesisError {
  return new GenesisError('INVALID_INPUT', `${field} ${message}`, { field, ...(cause !== undefined ? { cause } : {}) });
}
