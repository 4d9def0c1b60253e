import type { RoutePlugin } from '../context';

/** `GET /metrics`: Prometheus text; the token is needed unless the server runs with `metricsPublic`. */
export const metricsRoutes: RoutePlugin = async (app, { metrics }) => {
  app.get(
    '/metrics',
    {
      config: { metrics: true },
      schema: {
        tags: ['metrics'],
        summary: 'Prometheus metrics (text exposition format); token needed unless metricsPublic',
        produces: ['text/plain'],
      },
    },
    async (_request, reply) => {
      const { contentType, body } = await metrics.render();
      return reply.header('cache-control', 'no-store').type(contentType).send(body);
    },
  );
};
