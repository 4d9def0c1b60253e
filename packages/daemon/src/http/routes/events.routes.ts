import type { ServerResponse } from 'node:http';
import { z } from 'zod';
import { GenesisError } from '@genesis/mind-core';
import { requireMind } from '../auth';
import type { MindEvent, RoutePlugin } from '../context';
import { isMindEventId } from '../events';
import { gmidParams } from '../schemas/common';

export interface EventsRouteOptions {
  /** A comment line (`: ping`) this often keeps proxies from closing an idle stream. Default 15 s. */
  heartbeatMs?: number;
  /** The reconnection delay the stream asks its clients for (`retry:`). Default 2 s. */
  retryMs?: number;
  /** A client this far behind (bytes not yet sent) is disconnected; it resumes with Last-Event-ID. Default 1 MiB. */
  maxBufferBytes?: number;
}

export const EVENTS_ROUTE_DEFAULTS = { heartbeatMs: 15_000, retryMs: 2_000, maxBufferBytes: 1 << 20 } as const;

/** Events read from the log per page while a resuming client catches up. */
const REPLAY_PAGE = 500;

/** One SSE frame: `id`, `event` (the type) and `data` (the event as JSON, on one line). */
export function sseFrame(event: MindEvent): string {
  const data = JSON.stringify({
    id: event.id,
    mindId: event.mindId,
    type: event.type,
    at: new Date(event.at).toISOString(),
    data: event.data,
  });
  return `id: ${event.id}\nevent: ${event.type}\ndata: ${data}\n\n`;
}

/**
 * `GET /v1/minds/{gmid}/events`: Server-Sent Events of one Mind — `message.added`,
 * `messages.added`, `memory.added`, `task.finished`, `follow-up.fired` — each with an `id:`. A
 * client that reconnects with `Last-Event-ID` first gets the events after that id still in the log
 * (kept for a bounded time), then the live ones, none twice and none lost between the two. Without
 * `Last-Event-ID` it gets the live events only. A `: ping` comment comes every `heartbeatMs`. The
 * token goes in the `Authorization` header as everywhere (browsers read the stream with `fetch`).
 */
export function createEventsRoutes(options: EventsRouteOptions = {}): RoutePlugin {
  const heartbeatMs = options.heartbeatMs ?? EVENTS_ROUTE_DEFAULTS.heartbeatMs;
  const retryMs = options.retryMs ?? EVENTS_ROUTE_DEFAULTS.retryMs;
  const maxBufferBytes = options.maxBufferBytes ?? EVENTS_ROUTE_DEFAULTS.maxBufferBytes;

  return async (app, { genesis, events, logger }) => {
    const open = new Set<ServerResponse>();
    // Streams never end by themselves: end them when the server closes, so that close() does not wait.
    app.addHook('preClose', async () => {
      for (const res of open) res.end();
    });

    app.get(
      '/v1/minds/:gmid/events',
      {
        schema: {
          tags: ['events'],
          summary: 'Server-Sent Events of a Mind (text/event-stream); resume with Last-Event-ID',
          produces: ['text/event-stream'],
          params: gmidParams,
          headers: z.object({
            'last-event-id': z
              .string()
              .max(64)
              .optional()
              .describe('The id of the last event received: the events after it still kept are sent first'),
          }),
        },
      },
      async (request, reply) => {
        const gmid = requireMind(request, request.params.gmid);
        const lastEventId = request.headers['last-event-id']?.trim() || null;
        if (lastEventId !== null && !isMindEventId(lastEventId))
          throw new GenesisError('INVALID_INPUT', 'Last-Event-ID must be the id of an event this stream sent', {
            field: 'Last-Event-ID',
          });
        await genesis.loadMind(gmid); // 404 MIND_NOT_FOUND before the stream starts

        reply.hijack();
        const res = reply.raw;
        let closed = false;
        let last = lastEventId === null ? -1 : Number(lastEventId);
        let backlog: MindEvent[] | null = [];
        /** What ending the stream undoes: the subscription, the heartbeat. */
        const undo: Array<() => void> = [];
        const cleanup = () => {
          if (closed) return;
          closed = true;
          for (const step of undo) step();
          open.delete(res);
        };
        const write = (text: string) => {
          if (closed || res.destroyed) return;
          res.write(text);
          if (res.writableLength > maxBufferBytes) {
            logger.warn({ mindId: gmid, buffered: res.writableLength }, 'events client too slow: disconnected');
            cleanup();
            res.destroy();
          }
        };
        const send = (event: MindEvent) => {
          const id = Number(event.id);
          if (id <= last) return; // already sent (replayed, then heard live)
          last = id;
          write(sseFrame(event));
        };
        // The response closes when the client goes away (or the server ends the stream).
        res.on('close', cleanup);
        if (res.destroyed || !res.socket || res.socket.destroyed) return cleanup(); // gone while the Mind was looked up
        open.add(res);
        // Listen first: events published while the log is read wait in the backlog.
        undo.push(events.subscribe(gmid, (event) => (backlog ? backlog.push(event) : send(event))));
        const heartbeat = setInterval(() => write(': ping\n\n'), heartbeatMs);
        heartbeat.unref();
        undo.push(() => clearInterval(heartbeat));

        res.writeHead(200, {
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-store',
          connection: 'keep-alive',
          'x-accel-buffering': 'no',
          'x-content-type-options': 'nosniff',
        });
        write(`retry: ${retryMs}\n: connected to ${gmid}\n\n`);
        try {
          let after = lastEventId;
          while (after !== null && !closed) {
            const page = await events.since(gmid, after, REPLAY_PAGE);
            for (const event of page) send(event);
            after = page.length === REPLAY_PAGE ? page[page.length - 1]!.id : null;
          }
        } catch (error) {
          logger.error({ err: error, mindId: gmid }, 'events: reading the log failed; closing the stream');
          res.destroy();
        } finally {
          const waiting = backlog;
          backlog = null;
          for (const event of waiting) send(event);
        }
      },
    );
  };
}

/** The events route with its defaults. */
export const eventsRoutes: RoutePlugin = createEventsRoutes();
