import type { RoutePlugin } from '../context';
import { canSeeMind, requireAdmin, requireMind } from '../auth';
import { gmidParams, pageArray } from '../schemas/common';
import { listMindsQuery, mindView, newMindBody, registeredMindView, statsView } from '../schemas/minds.schemas';

/** `GET/POST /v1/minds`, `GET/DELETE /v1/minds/{gmid}`, `GET /v1/minds/{gmid}/stats`. */
export const mindsRoutes: RoutePlugin = async (app, { genesis }) => {
  app.get(
    '/v1/minds',
    { schema: { tags: ['minds'], summary: 'The Minds this token reaches, oldest first', querystring: listMindsQuery } },
    async (request) => {
      const { status, limit, cursor } = request.query;
      // The SDK lists every Mind at once (no paged listMinds yet): the page is cut here.
      const visible = (await genesis.listMinds()).filter(
        (m) => canSeeMind(request, m.gmid) && (status === undefined || m.status === status),
      );
      const page = pageArray(visible, limit, cursor, (m) => ({ key: m.createdAt, id: m.gmid }));
      return { items: page.items.map(registeredMindView), nextCursor: page.nextCursor };
    },
  );

  app.post(
    '/v1/minds',
    { schema: { tags: ['minds'], summary: 'Creates a Mind (admin token)', body: newMindBody } },
    async (request, reply) => {
      requireAdmin(request);
      const mind = await genesis.createMind(request.body);
      return reply.code(201).send(mindView(mind));
    },
  );

  app.get(
    '/v1/minds/:gmid',
    { schema: { tags: ['minds'], summary: "A Mind's document", params: gmidParams } },
    async (request) => mindView(await genesis.loadMind(requireMind(request, request.params.gmid))),
  );

  app.delete(
    '/v1/minds/:gmid',
    {
      schema: {
        tags: ['minds'],
        summary: 'Deletes a Mind: its memories, rows, file and secrets (admin token)',
        params: gmidParams,
      },
    },
    async (request) => {
      const gmid = requireMind(request, request.params.gmid);
      requireAdmin(request);
      return genesis.deleteMind(gmid);
    },
  );

  app.get(
    '/v1/minds/:gmid/stats',
    { schema: { tags: ['minds'], summary: "A Mind's counts and file size", params: gmidParams } },
    async (request) => statsView(await genesis.stats(requireMind(request, request.params.gmid))),
  );
};
