import { GenesisError } from '@genesis/mind-core';
import type { RoutePlugin } from '../context';
import { requireMind } from '../auth';
import { gmidIdParams, gmidParams } from '../schemas/common';
import { concernView, emptyBody, listConcernsQuery, newConcernBody } from '../schemas/concerns.schemas';
import { resolveBody, snoozeBody } from '../schemas/concerns.schemas';

const notFound = (gmid: string, id: string) =>
  new GenesisError('CONCERN_NOT_FOUND', `No concern ${JSON.stringify(id)} in Mind ${gmid}`, { field: 'id' });

/** `POST/GET …/concerns`, `GET …/concerns/{id}`, `POST …/concerns/{id}/resolve|dismiss|snooze`. */
export const concernsRoutes: RoutePlugin = async (app, { genesis }) => {
  app.post(
    '/v1/minds/:gmid/concerns',
    {
      schema: {
        tags: ['concerns'],
        summary: 'Creates a concern (without followUpAt the follow-up policy picks the first check)',
        params: gmidParams,
        body: newConcernBody,
      },
    },
    async (request, reply) => {
      const mind = await genesis.loadMind(requireMind(request, request.params.gmid));
      return reply.code(201).send(concernView(await mind.concerns.create(request.body)));
    },
  );

  app.get(
    '/v1/minds/:gmid/concerns',
    {
      schema: {
        tags: ['concerns'],
        summary: 'Concerns, soonest follow-up first (keyset pages)',
        params: gmidParams,
        querystring: listConcernsQuery,
      },
    },
    async (request) => {
      const mind = await genesis.loadMind(requireMind(request, request.params.gmid));
      const { status, user, dueBefore, dueAfter, limit, cursor } = request.query;
      const page = await mind.concerns.list({
        limit,
        ...(status !== undefined ? { status } : {}),
        ...(user !== undefined ? { userEmail: user } : {}),
        ...(dueBefore !== undefined ? { dueBefore } : {}),
        ...(dueAfter !== undefined ? { dueAfter } : {}),
        ...(cursor !== undefined ? { cursor } : {}),
      });
      return { items: page.items.map(concernView), nextCursor: page.nextCursor };
    },
  );

  app.get(
    '/v1/minds/:gmid/concerns/:id',
    { schema: { tags: ['concerns'], summary: 'One concern', params: gmidIdParams } },
    async (request) => {
      const gmid = requireMind(request, request.params.gmid);
      const mind = await genesis.loadMind(gmid);
      const concern = await mind.concerns.get(request.params.id);
      if (!concern) throw notFound(gmid, request.params.id);
      return concernView(concern);
    },
  );

  // The managers answer CONCERN_NOT_FOUND for an id of another Mind (their lookups are per Mind).
  app.post(
    '/v1/minds/:gmid/concerns/:id/resolve',
    {
      schema: {
        tags: ['concerns'],
        summary: 'Resolves a concern (final)',
        params: gmidIdParams,
        body: resolveBody.nullish(),
      },
    },
    async (request) => {
      const mind = await genesis.loadMind(requireMind(request, request.params.gmid));
      return concernView(await mind.concerns.resolve(request.params.id, request.body?.note));
    },
  );

  app.post(
    '/v1/minds/:gmid/concerns/:id/dismiss',
    {
      schema: {
        tags: ['concerns'],
        summary: 'Dismisses a concern (final)',
        params: gmidIdParams,
        body: emptyBody.nullish(),
      },
    },
    async (request) => {
      const mind = await genesis.loadMind(requireMind(request, request.params.gmid));
      return concernView(await mind.concerns.dismiss(request.params.id));
    },
  );

  app.post(
    '/v1/minds/:gmid/concerns/:id/snooze',
    {
      schema: {
        tags: ['concerns'],
        summary: 'Snoozes a concern until a time in the future',
        params: gmidIdParams,
        body: snoozeBody,
      },
    },
    async (request) => {
      const mind = await genesis.loadMind(requireMind(request, request.params.gmid));
      return concernView(await mind.concerns.snooze(request.params.id, request.body.until));
    },
  );
};
