import { GenesisError } from '@genesis/mind-core';
import type { RoutePlugin } from '../context';
import { requireMind } from '../auth';
import { gmidIdParams, gmidParams } from '../schemas/common';
import { hitView, memoryView, patchMemoryBody, postMemoriesBody, searchBody } from '../schemas/memories.schemas';

const notFound = (gmid: string, id: string) =>
  new GenesisError('MEMORY_NOT_FOUND', `No memory ${JSON.stringify(id)} in Mind ${gmid}`, { field: 'id' });

/** `POST …/memories` (one or a batch), `POST …/memories/search`, `GET/PATCH/DELETE …/memories/{id}`. */
export const memoriesRoutes: RoutePlugin = async (app, { genesis }) => {
  app.post(
    '/v1/minds/:gmid/memories',
    {
      schema: {
        tags: ['memory'],
        summary: 'Adds one memory, or { memories: [...], dedup? } embedded in one batch',
        params: gmidParams,
        body: postMemoriesBody,
      },
    },
    async (request, reply) => {
      const mind = await genesis.loadMind(requireMind(request, request.params.gmid));
      const body = request.body;
      if ('memories' in body) {
        const added = await mind.memory.addMemories(body.memories, {
          ...(body.dedup !== undefined ? { dedup: body.dedup } : {}),
        });
        return reply.code(201).send({ items: added.map(memoryView) });
      }
      const memory = await mind.memory.addMemory(body);
      return reply.code(201).send(memoryView(memory));
    },
  );

  app.post(
    '/v1/minds/:gmid/memories/search',
    {
      schema: {
        tags: ['memory'],
        summary: 'Searches memories by meaning: best first, with similarity and score',
        params: gmidParams,
        body: searchBody,
      },
    },
    async (request) => {
      const mind = await genesis.loadMind(requireMind(request, request.params.gmid));
      const hits = await mind.memory.searchMemories(request.body);
      return { items: hits.map(hitView), nextCursor: null };
    },
  );

  app.get(
    '/v1/minds/:gmid/memories/:id',
    { schema: { tags: ['memory'], summary: 'One memory', params: gmidIdParams } },
    async (request) => {
      const gmid = requireMind(request, request.params.gmid);
      const mind = await genesis.loadMind(gmid);
      const memory = await mind.memory.getMemory(request.params.id);
      if (!memory) throw notFound(gmid, request.params.id);
      return memoryView(memory);
    },
  );

  app.patch(
    '/v1/minds/:gmid/memories/:id',
    {
      schema: {
        tags: ['memory'],
        summary: 'Changes a memory (a new content is embedded again)',
        params: gmidIdParams,
        body: patchMemoryBody,
      },
    },
    async (request) => {
      const mind = await genesis.loadMind(requireMind(request, request.params.gmid));
      return memoryView(await mind.memory.updateMemory(request.params.id, request.body));
    },
  );

  app.delete(
    '/v1/minds/:gmid/memories/:id',
    { schema: { tags: ['memory'], summary: 'Deletes a memory', params: gmidIdParams } },
    async (request, reply) => {
      const gmid = requireMind(request, request.params.gmid);
      const mind = await genesis.loadMind(gmid);
      if (!(await mind.memory.deleteMemory(request.params.id))) throw notFound(gmid, request.params.id);
      return reply.code(204).send();
    },
  );
};
