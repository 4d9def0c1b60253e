// @genesis/daemon/http — the daemon's HTTP API (Fastify). A subpath of its own, so that programs
// using the SDK (`@genesis/daemon`) never load Fastify.
export { createHttpServer, serveDaemonHttp, HTTP_DEFAULTS, RESOURCE_ROUTES } from './server';
export type { HttpServerOptions, DaemonHttpOptions, DaemonHttp } from './server';
export {
  requireMind,
  requireAdmin,
  canSeeMind,
  principalOf,
  resolveAdminToken,
  adminTokenFile,
  isLoopbackHost,
  type AdminToken,
  type Principal,
  type RouteAuthConfig,
} from './auth';
export { toHttpError, statusOf, type HttpErrorBody } from './errors';
export type { HttpApp, HttpContext, HttpMetrics, MindEvent, MindEvents, RoutePlugin } from './context';
// The pieces `serveDaemonHttp` composes, for programs that assemble their own server.
export { createObservability, type Observability, type ObservabilityOptions } from './observability';
export { MindEventLog, connectMindEvents } from './events';
export { GenesisMetrics } from './metrics';
export { eventsRoutes } from './routes/events.routes';
export { healthRoutes } from './routes/health.routes';
export { metricsRoutes } from './routes/metrics.routes';
export { statusPageRoutes } from './status-page';
export { mindsRoutes } from './routes/minds.routes';
export { messagesRoutes } from './routes/messages.routes';
export { memoriesRoutes } from './routes/memories.routes';
export { concernsRoutes } from './routes/concerns.routes';
export { tasksRoutes } from './routes/tasks.routes';
