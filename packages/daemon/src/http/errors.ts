import { GenesisError, type GenesisErrorCode } from '@genesis/mind-core';

/**
 * The one error shape of the HTTP API: `{ error: { code, message, field? } }`, with the stable
 * codes of `GenesisError`. Every error of every route goes through {@link toHttpError}: input
 * errors keep their message (it names the field and what to do); server errors (5xx) never carry
 * a stack, a driver's message or a file's contents — only their code and where to look.
 */
export interface HttpErrorBody {
  error: { code: string; message: string; field?: string };
}

/** The HTTP status of each code (anything not listed: 500). */
const STATUS: Partial<Record<GenesisErrorCode, number>> = {
  INVALID_INPUT: 400,
  INVALID_GMID: 400,
  INVALID_CURSOR: 400,
  INVALID_CONFIG: 400,
  INVALID_EXPORT_FILE: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  MIND_NOT_FOUND: 404,
  CONCERN_NOT_FOUND: 404,
  MEMORY_NOT_FOUND: 404,
  RELATIONSHIP_NOT_FOUND: 404,
  ENVIRONMENT_NOT_FOUND: 404,
  TASK_NOT_FOUND: 404,
  API_TOKEN_NOT_FOUND: 404,
  ROUTE_NOT_FOUND: 404,
  INVALID_TRANSITION: 409,
  SAVE_CONFLICT: 409,
  MIND_LOCKED: 409,
  MIND_HELD: 409,
  EMBEDDING_MISMATCH: 409,
  PAYLOAD_TOO_LARGE: 413,
  MIND_FILE_TOO_LARGE: 422,
  RATE_LIMITED: 429,
  DATABASE_BUSY: 503,
  DATABASE_UNAVAILABLE: 503,
  CHROMA_UNAVAILABLE: 503,
  CHROMA_START_TIMEOUT: 503,
  EMBEDDING_UNAVAILABLE: 503,
  DAEMON_STOPPING: 503,
};

export function statusOf(code: string): number {
  return STATUS[code as GenesisErrorCode] ?? 500;
}

/** What a server-side failure says to the client: no details (they are in the daemon's log). */
const SERVER_MESSAGES: Record<number, string> = {
  500: "The daemon failed to answer this request. Nothing about the failure is shown here: see the daemon's log.",
  503: "A storage tier of the daemon is busy or unreachable right now: retry later, and see the daemon's log if it persists.",
};

/** One validation issue of the zod type provider, as Fastify reports it (`error.validation`). */
interface ValidationIssue {
  keyword?: string;
  instancePath?: string;
  message?: string;
  params?: Record<string, unknown>;
}

interface FastifyLikeError {
  code?: string;
  statusCode?: number;
  validation?: ValidationIssue[];
  validationContext?: string;
  message?: string;
}

/** `/a/0/b` → `a.0.b`, prefixed by where it came from when that is not the body (`query.limit`). */
function fieldOf(path: string | undefined, context: string | undefined): string | undefined {
  const inner = (path ?? '')
    .split('/')
    .filter((p) => p !== '')
    .join('.');
  const where = context === 'querystring' ? 'query' : context === 'params' ? 'path' : undefined;
  if (!inner) return where;
  return where ? `${where}.${inner}` : inner;
}

/** A 400 naming the first bad field (and every unknown one). */
function validationError(error: FastifyLikeError): GenesisError {
  const issues = error.validation ?? [];
  const unknown = issues.find((i) => i.keyword === 'unrecognized_keys');
  if (unknown) {
    const keys = Array.isArray(unknown.params?.keys) ? (unknown.params.keys as string[]) : [];
    const base = fieldOf(unknown.instancePath, error.validationContext);
    const named = keys.map((k) => (base ? `${base}.${k}` : k));
    return new GenesisError(
      'INVALID_INPUT',
      `unknown field${named.length === 1 ? '' : 's'} ${named.map((k) => JSON.stringify(k)).join(', ')}: remove ${named.length === 1 ? 'it' : 'them'} (see GET /openapi.json for the fields this route takes)`,
      { field: named[0] ?? base ?? 'body' },
    );
  }
  const first = issues[0];
  const field = fieldOf(first?.instancePath, error.validationContext) ?? error.validationContext ?? 'body';
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more problem${issues.length > 2 ? 's' : ''})` : '';
  return new GenesisError('INVALID_INPUT', `${field}: ${first?.message ?? 'is invalid'}${more}`, { field });
}

/**
 * What a client may read of an error's message: a Mind that does not exist and a Mind the token
 * does not reach read the same (`No Mind <gmid>`), and the daemon's home never appears.
 */
function clientMessage(error: GenesisError, home: string | undefined): string {
  if (error.code === 'MIND_NOT_FOUND') {
    const gmid = /\b(GMD-\d{4}-[0-9A-F]{4}-[0-9A-F]{4}|GMID-[A-Za-z0-9]{8})\b/.exec(error.message)?.[1];
    return gmid ? `No Mind ${gmid}` : 'No such Mind';
  }
  return home ? error.message.split(home).join('<home>') : error.message;
}

/** Maps anything a route or Fastify threw to the API's status and error body (`home` is never shown). */
export function toHttpError(error: unknown, home?: string): { status: number; body: HttpErrorBody; internal: boolean } {
  const genesis = asGenesisError(error);
  const status = statusOf(genesis.code);
  const internal = status >= 500;
  const message = internal ? (SERVER_MESSAGES[status] ?? SERVER_MESSAGES[500]!) : clientMessage(genesis, home);
  return {
    status,
    internal,
    body: {
      error: {
        code: status === 500 ? 'INTERNAL_ERROR' : genesis.code,
        message,
        ...(genesis.field !== undefined && !internal ? { field: genesis.field } : {}),
      },
    },
  };
}

function asGenesisError(error: unknown): GenesisError {
  if (error instanceof GenesisError) return error;
  const e = (typeof error === 'object' && error !== null ? error : {}) as FastifyLikeError;
  if (Array.isArray(e.validation)) return validationError(e);
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new GenesisError(
        'PAYLOAD_TOO_LARGE',
        'The request body is larger than this daemon accepts: send less at once (e.g. split a batch)',
        { field: 'body' },
      );
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new GenesisError('INVALID_INPUT', 'Send the body as JSON (Content-Type: application/json)', {
        field: 'body',
      });
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new GenesisError('INVALID_INPUT', 'The body is empty: send a JSON object (or no Content-Type)', {
        field: 'body',
      });
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new GenesisError('INVALID_INPUT', 'The Content-Length does not match the body', { field: 'body' });
    default:
      break;
  }
  if (e.statusCode === 413) return asGenesisError({ code: 'FST_ERR_CTP_BODY_TOO_LARGE' });
  // Fastify's JSON parser: the body is not JSON (its message quotes no content, only the position).
  if (e.statusCode === 400 && error instanceof SyntaxError)
    return new GenesisError('INVALID_INPUT', 'The body is not valid JSON', { field: 'body' });
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500)
    return new GenesisError('INVALID_INPUT', 'The request is not valid for this route', { field: 'body' });
  return new GenesisError('INTERNAL_ERROR', 'internal error', { cause: error });
}
