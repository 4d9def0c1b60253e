import type {
  FastifyInstance,
  FastifyBaseLogger,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Logger, Mind } from '@genesis/mind-core';
import type { Genesis } from '../composition/open-genesis';
import type { GenesisDaemon } from '../runtime/genesis-daemon';

/**
 * The contract between the HTTP server (`server.ts`, auth, the resource routes) and the pieces
 * plugged into it (events, metrics, health, the status page). Each piece is a `RoutePlugin`
 * registered by `createHttpServer`; each gets the same `HttpContext`.
 */

/** The Fastify instance every route plugin receives: zod schemas give validation, types and OpenAPI. */
export type HttpApp = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  ZodTypeProvider
>;

/** One thing that happened to a Mind, as the events stream and its log carry it. */
export interface MindEvent {
  /** Increasing per home; the SSE `id:` (a client resumes with `Last-Event-ID`). */
  id: string;
  mindId: string;
  /** `message.added`, `follow-up.fired`, `task.finished`, `memory.added`. */
  type: string;
  data: Record<string, unknown>;
  at: number;
}

/** The Minds' event log: published by the daemon's process, kept for a bounded time, streamed over SSE. */
export interface MindEvents {
  publish(mindId: string, type: string, data: Record<string, unknown>): Promise<MindEvent>;
  /** Events of the Mind after `afterId` (oldest first), at most `limit`. */
  since(mindId: string, afterId: string | null, limit: number): Promise<MindEvent[]>;
  /** Hears each new event of the Mind; returns the unsubscribe. */
  subscribe(mindId: string, listener: (event: MindEvent) => void): () => void;
}

/** The Prometheus metrics the routes and the runtime feed (its own prom-client registry). */
export interface HttpMetrics {
  /** Counts one HTTP request (route pattern, method, status) and observes its latency. */
  observeRequest(route: string, method: string, status: number, seconds: number): void;
  /** The exposition text and its content type. */
  render(): Promise<{ contentType: string; body: string }>;
}

export interface HttpContext {
  genesis: Genesis;
  /** The runtime of this process, when the server runs inside `genesis daemon start`. */
  daemon: GenesisDaemon | null;
  events: MindEvents;
  metrics: HttpMetrics;
  logger: Logger;
}

/**
 * What each route plugin gets: the context, and a Mind loader that reuses a loaded Mind for a second
 * (`reused-minds.ts`; the messages routes, the hot path, use it — the others call `genesis.loadMind`).
 */
export interface RouteContext extends HttpContext {
  loadMind(gmid: string): Promise<Mind>;
}

export type RoutePlugin = (app: HttpApp, context: RouteContext) => Promise<void>;
