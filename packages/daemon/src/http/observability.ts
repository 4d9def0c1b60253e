import type { Logger } from '@genesis/mind-core';
import type { Genesis } from '../composition/open-genesis';
import type { GenesisDaemon } from '../runtime/genesis-daemon';
import type { RoutePlugin } from './context';
import { connectMindEvents, MindEventLog, type MindEventLogOptions } from './events';
import { GenesisMetrics } from './metrics';
import { createEventsRoutes, type EventsRouteOptions } from './routes/events.routes';
import { healthRoutes } from './routes/health.routes';
import { metricsRoutes } from './routes/metrics.routes';
import { statusPageRoutes } from './status-page';

export interface ObservabilityOptions {
  genesis: Genesis;
  daemon: GenesisDaemon | null;
  logger: Logger;
  /** The event log's bounds (default: 10 min, 1000 events per Mind). */
  events?: MindEventLogOptions;
  /** The SSE stream's heartbeat and retry. */
  stream?: EventsRouteOptions;
  /** prom-client's process metrics too. Default true. */
  processMetrics?: boolean;
}

export interface Observability {
  events: MindEventLog;
  metrics: GenesisMetrics;
  /** `GET /v1/minds/{gmid}/events`, `GET /metrics`, `GET /healthz`, `GET /readyz`, `GET /` and `GET /v1/status`. */
  plugins: RoutePlugin[];
  /** Stops listening to the process's events (call after the server closed). */
  close(): void;
}

/** How often events past their retention are dropped for Minds nobody reads. */
const PRUNE_EVERY_MS = 60_000;

/**
 * The event log (fed by `genesis.onEvent`), the metrics, and the routes that serve them and the
 * status page — what `createHttpServer` needs for `context.events`, `context.metrics` and
 * `extraPlugins`.
 */
export function createObservability(options: ObservabilityOptions): Observability {
  const events = new MindEventLog(options.events);
  const unsubscribe = connectMindEvents(events, options.genesis);
  const metrics = new GenesisMetrics({
    genesis: options.genesis,
    daemon: options.daemon,
    logger: options.logger,
    ...(options.processMetrics !== undefined ? { processMetrics: options.processMetrics } : {}),
  });
  const prune = setInterval(() => events.pruneAll(), PRUNE_EVERY_MS);
  prune.unref();
  return {
    events,
    metrics,
    plugins: [createEventsRoutes(options.stream), metricsRoutes, healthRoutes, statusPageRoutes],
    close() {
      clearInterval(prune);
      unsubscribe();
      metrics.close();
    },
  };
}
