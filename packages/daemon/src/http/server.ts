import Fastify, { LogController, type FastifyBaseLogger } from 'fastify';
import fastifySwagger from '@fastify/swagger';
import fastifyRateLimit from '@fastify/rate-limit';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { GenesisError, type LogFn, type Logger } from '@genesis/mind-core';
import type { HttpApp, HttpContext, RoutePlugin } from './context';
import { installAuth, isLoopbackHost, rateLimitKey, resolveAdminToken, type AdminToken } from './auth';
import type { Genesis } from '../composition/open-genesis';
import type { GenesisDaemon } from '../runtime/genesis-daemon';
import { createObservability } from './observability';
import { toHttpError } from './errors';
import { reusedMinds } from './reused-minds';
import { mindsRoutes } from './routes/minds.routes';
import { messagesRoutes } from './routes/messages.routes';
import { memoriesRoutes } from './routes/memories.routes';
import { concernsRoutes } from './routes/concerns.routes';
import { tasksRoutes } from './routes/tasks.routes';

export interface HttpServerOptions {
  /** Default 127.0.0.1. A non-loopback host needs `adminTokenExplicit`. */
  host?: string;
  /** 0 picks a free port (read it from `address()` of the result). Default 7777. */
  port?: number;
  /** Largest request body in bytes (413 beyond). Default 1 MB. */
  bodyLimit?: number;
  /** Requests per token (per address without one) per window; false turns the limit off. Default 6,000 per minute. */
  rateLimit?: { max: number; timeWindowMs: number } | false;
  /** The admin token (reaches every Mind). */
  adminToken: string;
  /** Whether the admin token was configured explicitly (GENESIS_API_TOKEN): only then may `host` be non-loopback. */
  adminTokenExplicit?: boolean;
  /** `GET /metrics` without a token. */
  metricsPublic?: boolean;
  /** More route plugins (events, metrics, health, status page): registered after the resource routes. */
  extraPlugins?: RoutePlugin[];
}

export const HTTP_DEFAULTS = {
  host: '127.0.0.1',
  port: 7777,
  bodyLimit: 1024 * 1024,
  rateLimit: { max: 6000, timeWindowMs: 60_000 },
} as const;

/** The resource routes under /v1. */
export const RESOURCE_ROUTES: readonly RoutePlugin[] = [
  mindsRoutes,
  messagesRoutes,
  memoriesRoutes,
  concernsRoutes,
  tasksRoutes,
];

/**
 * The daemon's logger as Fastify's (pino's shape; `fatal` and `trace` mapped onto error and debug).
 * A child is only made when it first logs: Fastify asks for one per request (bound to its id) and
 * requests are not logged (failures are, on the server's logger), so on the hot path a child is
 * just this small object, not a pino child and its bound methods.
 */
class FastifyLogger {
  readonly level = 'info';
  private made: Logger | undefined;

  constructor(
    log: Logger | undefined,
    private readonly parent?: FastifyLogger,
    private readonly bindings?: Record<string, unknown>,
  ) {
    this.made = log;
  }

  private get log(): Logger {
    return (this.made ??= this.parent!.log.child(this.bindings!));
  }

  fatal(...args: Parameters<LogFn>): void {
    this.log.error(...args);
  }
  error(...args: Parameters<LogFn>): void {
    this.log.error(...args);
  }
  warn(...args: Parameters<LogFn>): void {
    this.log.warn(...args);
  }
  info(...args: Parameters<LogFn>): void {
    this.log.info(...args);
  }
  debug(...args: Parameters<LogFn>): void {
    this.log.debug(...args);
  }
  trace(...args: Parameters<LogFn>): void {
    this.log.debug(...args);
  }
  silent(): void {
    // pino's method of the level that writes nothing
  }
  child(bindings: Record<string, unknown>): FastifyLogger {
    return new FastifyLogger(undefined, this, bindings);
  }
}

/**
 * The daemon's HTTP API, started: Fastify 5 with zod schemas (validation, types, `GET
 * /openapi.json`), bearer tokens on every route but the public ones, a body limit, a per-token
 * rate limit and one error shape (`{ error: { code, message, field? } }`). Close it with `close()`.
 */
export async function createHttpServer(context: HttpContext, options: HttpServerOptions): Promise<HttpApp> {
  const host = options.host ?? HTTP_DEFAULTS.host;
  const port = options.port ?? HTTP_DEFAULTS.port;
  if (!isLoopbackHost(host) && !options.adminTokenExplicit) {
    throw new GenesisError(
      'INVALID_CONFIG',
      `Refusing to serve the HTTP API on ${host}, which other machines can reach, with a generated admin token: ` +
        'set GENESIS_API_TOKEN to a secret of your own first, or bind 127.0.0.1',
      { field: '--http' },
    );
  }
  if (typeof options.adminToken !== 'string' || options.adminToken.length < 16)
    throw new GenesisError('INVALID_CONFIG', 'The admin token must be at least 16 characters', {
      field: 'adminToken',
    });
  const log = context.logger.child({ component: 'http' });
  const app = Fastify({
    loggerInstance: new FastifyLogger(log) as unknown as FastifyBaseLogger,
    // One log line per request would flood the daemon's log: failures are logged by the error handler.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: options.bodyLimit ?? HTTP_DEFAULTS.bodyLimit,
    // Streams (SSE) must not hold a stop: close() ends open connections.
    forceCloseConnections: true,
    return503OnClosing: true,
  }).withTypeProvider<ZodTypeProvider>();
  // JSON as Fastify parses it (prototype poisoning refused), except that an empty body is no body:
  // `curl -H 'Content-Type: application/json' -X POST …/dismiss` is fine.
  const json = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') return done(null, undefined);
    return json(request, text, done);
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  app.setErrorHandler((error, request, reply) => {
    const { status, body, internal } = toHttpError(error, context.genesis.home);
    if (internal) log.error({ err: error, method: request.method, url: request.routeOptions.url }, 'request failed');
    if (status === 429 && !reply.hasHeader('retry-after')) reply.header('retry-after', '1');
    return reply.code(status).type('application/json; charset=utf-8').send(body);
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({
      error: {
        code: 'ROUTE_NOT_FOUND',
        message: `No route ${request.method} ${request.url.split('?')[0]}: see GET /openapi.json`,
      },
    }),
  );

  installAuth(app, context, { adminToken: options.adminToken, metricsPublic: options.metricsPublic ?? false });
  // Every answer (refusals too) counts in the HTTP metrics, by route pattern, never by raw URL.
  // (A callback hook: an async one would cost a promise per request for nothing to wait on.)
  app.addHook('onResponse', (request, reply, done) => {
    context.metrics.observeRequest(
      request.routeOptions.url ?? 'unmatched',
      request.method,
      reply.statusCode,
      reply.elapsedTime / 1000,
    );
    done();
  });

  const rateLimit = options.rateLimit ?? HTTP_DEFAULTS.rateLimit;
  if (rateLimit !== false) {
    await app.register(fastifyRateLimit, {
      max: rateLimit.max,
      timeWindow: rateLimit.timeWindowMs,
      keyGenerator: rateLimitKey,
      errorResponseBuilder: (_request, limit) =>
        Object.assign(
          new GenesisError(
            'RATE_LIMITED',
            `Too many requests with this token: at most ${limit.max} per ${limit.after}; retry after ${limit.after}`,
          ),
          { statusCode: 429 },
        ),
    });
  }

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Genesis daemon API',
        version: '1.0.0',
        description:
          'The HTTP API of a running Genesis daemon: Minds, conversation, memories, concerns, tasks. ' +
          'Every route but GET /healthz needs Authorization: Bearer <token>.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });

  const plugins = [...RESOURCE_ROUTES, ...(options.extraPlugins ?? [])];
  const routeContext = { ...context, loadMind: reusedMinds(app as unknown as HttpApp, context.genesis) };
  await app.register(async (scope) => {
    for (const plugin of plugins) await plugin(scope as unknown as HttpApp, routeContext);
  });

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  try {
    await app.listen({ host, port });
  } catch (error) {
    await app.close(); // e.g. EADDRINUSE: nothing of this server stays open
    throw error;
  }
  return app as unknown as HttpApp;
}

/** What `serveDaemonHttp` needs besides the server's options. */
export interface DaemonHttpOptions extends Omit<
  HttpServerOptions,
  'adminToken' | 'adminTokenExplicit' | 'extraPlugins'
> {
  genesis: Genesis;
  daemon: GenesisDaemon | null;
  logger: Logger;
  /** Where GENESIS_API_TOKEN is read from (the process's environment, passed in). */
  env?: NodeJS.ProcessEnv;
  /** How long the events stream keeps events for resuming clients. */
  eventsRetentionMs?: number;
}

/** A running HTTP API of a daemon, with what it composed. */
export interface DaemonHttp {
  app: HttpApp;
  /** `http://host:port` it listens on. */
  url: string;
  adminToken: AdminToken;
  /** Stops the server, the events log feed and the metrics. */
  close(): Promise<void>;
}

/**
 * The daemon's HTTP API as `genesis daemon start --http` runs it: the admin token resolved
 * (GENESIS_API_TOKEN, else `<home>/secrets/api-token`, generated on first start), the events log
 * fed by the process's events, the metrics, and every route plugin (resources, events, metrics,
 * health, the status page). The log says where the token is, never the token.
 */
export async function serveDaemonHttp(options: DaemonHttpOptions): Promise<DaemonHttp> {
  const { genesis, daemon, logger, env, eventsRetentionMs, ...server } = options;
  const adminToken = resolveAdminToken(genesis.home, env ?? {});
  const observability = createObservability({
    genesis,
    daemon,
    logger,
    ...(eventsRetentionMs !== undefined ? { events: { retentionMs: eventsRetentionMs } } : {}),
  });
  let app: HttpApp;
  try {
    app = await createHttpServer(
      { genesis, daemon, events: observability.events, metrics: observability.metrics, logger },
      {
        ...server,
        adminToken: adminToken.token,
        adminTokenExplicit: adminToken.explicit,
        extraPlugins: observability.plugins,
      },
    );
  } catch (error) {
    observability.close();
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : (server.port ?? HTTP_DEFAULTS.port);
  const host = server.host ?? HTTP_DEFAULTS.host;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  logger.info(
    {
      url,
      adminToken: adminToken.file
        ? { file: adminToken.file, generated: adminToken.generated }
        : { from: 'GENESIS_API_TOKEN' },
    },
    adminToken.file
      ? `HTTP API on ${url}; the admin token is in ${adminToken.file}`
      : `HTTP API on ${url}; the admin token is GENESIS_API_TOKEN`,
  );
  return {
    app,
    url,
    adminToken,
    async close() {
      await app.close();
      observability.close();
    },
  };
}
