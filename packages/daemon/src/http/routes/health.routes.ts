import { z } from 'zod';
import type { RoutePlugin } from '../context';

const readiness = z.object({
  status: z.enum(['ready', 'unavailable']),
  sql: z.enum(['up', 'down']),
  chroma: z.enum(['up', 'down', 'not-started']).describe('not-started: the embedded Chroma starts on first use'),
});

/**
 * `GET /healthz`: the process is up (no token: a supervisor's liveness probe).
 * `GET /readyz`: the SQL tier answers and Chroma does not fail its heartbeat (token needed); 503 otherwise.
 */
export const healthRoutes: RoutePlugin = async (app, { genesis }) => {
  app.get(
    '/healthz',
    {
      config: { public: true },
      schema: {
        tags: ['health'],
        summary: 'The daemon process is up (no token needed)',
        response: { 200: z.object({ status: z.literal('ok') }) },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    {
      schema: {
        tags: ['health'],
        summary: 'The SQL tier and Chroma answer (503 when one does not)',
        response: { 200: readiness, 503: readiness },
      },
    },
    async (_request, reply) => {
      const health = await genesis.health();
      const ready = health.sql && health.chroma !== 'down';
      return reply
        .code(ready ? 200 : 503)
        .send({ status: ready ? 'ready' : 'unavailable', sql: health.sql ? 'up' : 'down', chroma: health.chroma });
    },
  );
};
