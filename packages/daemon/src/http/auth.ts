import { timingSafeEqual } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyRequest } from 'fastify';
import { GenesisError, parseGmid } from '@genesis/mind-core';
import { newApiToken } from '../composition/api-tokens';
import type { HttpApp, HttpContext } from './context';

/**
 * Authentication of the HTTP API. For route plugins (events, metrics, health, status page):
 *
 * - Every route needs `Authorization: Bearer <token>` — the admin token, or a token made by
 *   `genesis token create` — checked in an `onRequest` hook before the body is read. Opt out per
 *   route with its `config`:
 *     `config: { public: true }`   no token at all (`GET /healthz`, the status page's static files);
 *     `config: { metrics: true }`  no token when the server runs with `metricsPublic` (`GET /metrics`).
 *   Other routes answer 401 `UNAUTHORIZED` without a valid token.
 * - After the hook, `request.principal` says who asks (`principalOf(request)` reads it):
 *     `{ kind: 'admin', tokenId }` reaches every Mind (`tokenId` null: the daemon's admin token);
 *     `{ kind: 'mind', mindId, tokenId }` reaches that one Mind only.
 * - `requireMind(request, gmid)`: call it first in every handler under `/v1/minds/{gmid}`, before any
 *   lookup. It validates the GMID (400 `INVALID_GMID`) and returns it; a token of another Mind gets
 *   404 `MIND_NOT_FOUND`, the same answer as a Mind that does not exist (nothing tells it exists).
 * - `requireAdmin(request)`: 403 `FORBIDDEN` for a Mind-scoped token (creating or deleting Minds).
 * - `canSeeMind(request, gmid)`: for lists that span Minds (a scoped token sees its own only).
 * - `?token=` is not accepted: browsers' EventSource cannot send headers, so the status page reads
 *   its SSE stream with `fetch` and the header instead.
 */

export type Principal = { kind: 'admin'; tokenId: string | null } | { kind: 'mind'; mindId: string; tokenId: string };

/** Route options that relax authentication (see above). */
export interface RouteAuthConfig {
  public?: boolean;
  metrics?: boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Who asks: set by the auth hook (null only on public routes). */
    principal: Principal | null;
  }
  interface FastifyContextConfig {
    /** No token needed (`GET /healthz`). */
    public?: boolean;
    /** No token needed when the server runs with `metricsPublic` (`GET /metrics`). */
    metrics?: boolean;
  }
}

export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw unauthorized();
  return request.principal;
}

/** The GMID of the path, validated; a token of another Mind gets the answer of a Mind that does not exist. */
export function requireMind(request: FastifyRequest, gmid: unknown): string {
  const id = parseGmid(gmid, 'gmid');
  const who = principalOf(request);
  if (who.kind === 'mind' && who.mindId !== id) throw mindNotFound(id);
  return id;
}

export function requireAdmin(request: FastifyRequest): void {
  if (principalOf(request).kind !== 'admin')
    throw new GenesisError('FORBIDDEN', 'This needs the admin token: a token of one Mind cannot do it', {
      field: 'authorization',
    });
}

export function canSeeMind(request: FastifyRequest, gmid: string): boolean {
  const who = request.principal;
  return who !== null && (who.kind === 'admin' || who.mindId === gmid);
}

export function mindNotFound(gmid: string): GenesisError {
  return new GenesisError('MIND_NOT_FOUND', `No Mind ${gmid}`, { field: 'gmid' });
}

function unauthorized(detail = 'send Authorization: Bearer <token>'): GenesisError {
  return new GenesisError('UNAUTHORIZED', `A valid API token is needed: ${detail}`, { field: 'authorization' });
}

const BEARER = /^Bearer +([\x21-\x7e]{1,512}) *$/i;
/** The longest token BEARER takes. */
const MAX_TOKEN = 512;
const PRINTABLE = /^[\x21-\x7e]+$/;

/**
 * Whether a token presented is the admin token, in constant time: whatever the token, the same
 * number of bytes are compared — its length, then its characters padded with zeros to 512 — so
 * the time taken tells neither how much of it matched nor how long the admin token is. No hash
 * per request (comparing SHA-256 digests hides the same for ≈ 3 µs of every request's CPU,
 * against ≈ 0.3 µs here). Tokens are printable ASCII (one byte a character); an
 * admin token that BEARER could never take (longer than 512, or with spaces) matches nothing, as
 * before.
 */
export function adminTokenMatcher(expected: string): (token: string) => boolean {
  const takes = (token: string) => token.length <= MAX_TOKEN && PRINTABLE.test(token);
  if (!takes(expected)) return () => false;
  const block = (token: string, into: Buffer) => {
    into.fill(0);
    into.writeUInt16BE(token.length, 0);
    into.write(token, 2, 'latin1');
    return into;
  };
  const wanted = block(expected, Buffer.alloc(2 + MAX_TOKEN));
  const presented = Buffer.alloc(2 + MAX_TOKEN);
  return (token) => takes(token) && timingSafeEqual(block(token, presented), wanted);
}

/**
 * Adds the auth hook to `app` (before any route is registered): the admin token compared in
 * constant time, else a stored token looked up by its hash (`genesis.apiTokens.verify`).
 */
export function installAuth(
  app: HttpApp,
  context: HttpContext,
  options: { adminToken: string; metricsPublic: boolean },
): void {
  const isAdminToken = adminTokenMatcher(options.adminToken);
  /** Who presents `token`: the admin token, else a stored live token (looked up by its hash). */
  const principalFor = async (token: string): Promise<Principal> => {
    const found = await context.genesis.apiTokens.verify(token);
    if (!found) throw unauthorized('this token is unknown or revoked');
    return found.mindId === null
      ? { kind: 'admin', tokenId: found.id }
      : { kind: 'mind', mindId: found.mindId, tokenId: found.id };
  };
  app.decorateRequest('principal', null);
  // A callback hook, not an async one: the admin token (the common case) is decided without a
  // promise on every request.
  app.addHook('onRequest', (request, _reply, done) => {
    const config = request.routeOptions.config;
    if (config.public === true || (config.metrics === true && options.metricsPublic)) return done();
    const header = request.headers.authorization;
    if (header === undefined || header === '') return done(unauthorized());
    const token = BEARER.exec(header)?.[1];
    if (token === undefined) return done(unauthorized('the Authorization header must be "Bearer <token>"'));
    if (isAdminToken(token)) {
      request.principal = { kind: 'admin', tokenId: null };
      return done();
    }
    principalFor(token).then((principal) => {
      request.principal = principal;
      done();
    }, done);
  });
}

/** The key the rate limit counts a request under: its token, else its address. */
export function rateLimitKey(request: FastifyRequest): string {
  const who = request.principal;
  if (who) return `token:${who.tokenId ?? 'admin'}`;
  return `ip:${request.ip}`;
}

/** Where the admin token came from. */
export interface AdminToken {
  token: string;
  /** Given explicitly (GENESIS_API_TOKEN, or by the caller): only then may the server bind a non-loopback address. */
  explicit: boolean;
  /** The file it was read from or written to (null when it came from the environment). */
  file: string | null;
  /** True when it was generated now (first start). */
  generated: boolean;
}

/** The admin token file of a home. */
export function adminTokenFile(home: string): string {
  return join(home, 'secrets', 'api-token');
}

/**
 * The daemon's admin token: `GENESIS_API_TOKEN` from `env` when set, else the one in
 * `<home>/secrets/api-token`, else a new random one written there (mode 0600). The token itself is
 * never logged: callers log `file`.
 */
export function resolveAdminToken(home: string, env: NodeJS.ProcessEnv = {}): AdminToken {
  const fromEnv = env.GENESIS_API_TOKEN?.trim();
  if (fromEnv) {
    if (fromEnv.length < 16 || !/^[\x21-\x7e]+$/.test(fromEnv))
      throw new GenesisError(
        'INVALID_CONFIG',
        'GENESIS_API_TOKEN must be at least 16 printable characters without spaces (e.g. `openssl rand -hex 32`)',
        { field: 'GENESIS_API_TOKEN' },
      );
    return { token: fromEnv, explicit: true, file: null, generated: false };
  }
  const file = adminTokenFile(home);
  const existing = readTokenFile(file);
  if (existing !== null) return { token: existing, explicit: false, file, generated: false };
  mkdirSync(join(home, 'secrets'), { recursive: true, mode: 0o700 });
  const token = newApiToken();
  try {
    // 'wx': two daemons starting together on one home keep one token (the loser reads the winner's).
    writeFileSync(file, `${token}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const raced = readTokenFile(file);
    if (raced !== null) return { token: raced, explicit: false, file, generated: false };
    throw error;
  }
  chmodSync(file, 0o600);
  return { token, explicit: false, file, generated: true };
}

function readTokenFile(file: string): string | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  const token = text.trim();
  if (token.length < 16)
    throw new GenesisError(
      'INVALID_CONFIG',
      `${file} does not hold an API token (at least 16 characters): delete it to have a new one generated`,
      { field: 'api-token' },
    );
  return token;
}

/** Whether a host binds only to this machine. */
export function isLoopbackHost(host: string): boolean {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h) || h === '::ffff:127.0.0.1';
}
