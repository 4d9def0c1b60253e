import { GenesisError } from '@genesis/mind-core';
import type { RoutePlugin } from '../context';
import { requireMind } from '../auth';
import { gmidIdParams, gmidParams, pageArray } from '../schemas/common';
import { emptyBody } from '../schemas/concerns.schemas';
import { enqueueBody, listSchedulesQuery, listTasksQuery, scheduleView, taskView } from '../schemas/tasks.schemas';

const notFound = (gmid: string, id: string) =>
  new GenesisError('TASK_NOT_FOUND', `No task ${JSON.stringify(id)} in Mind ${gmid}`, { field: 'id' });

/** `POST/GET …/tasks`, `GET …/tasks/{id}`, `POST …/tasks/{id}/cancel|retry`, `GET …/schedules`. */
export const tasksRoutes: RoutePlugin = async (app, { genesis }) => {
  app.post(
    '/v1/minds/:gmid/tasks',
    {
      schema: {
        tags: ['tasks'],
        summary:
          'Enqueues a task: 201 with { task, created: true }, or 200 with the task of an idempotency key used before',
        params: gmidParams,
        body: enqueueBody,
      },
    },
    async (request, reply) => {
      const mind = await genesis.loadMind(requireMind(request, request.params.gmid));
      const { task, created } = await mind.tasks.enqueue(request.body);
      return reply.code(created ? 201 : 200).send({ task: taskView(task), created });
    },
  );

  app.get(
    '/v1/minds/:gmid/tasks',
    {
      schema: {
        tags: ['tasks'],
        summary: 'Tasks by run time, oldest first (keyset pages)',
        params: gmidParams,
        querystring: listTasksQuery,
      },
    },
    async (request) => {
      const mind = await genesis.loadMind(requireMind(request, request.params.gmid));
      const { status, type, limit, cursor } = request.query;
      const page = await mind.tasks.list({
        limit,
        ...(status !== undefined ? { status } : {}),
        ...(type !== undefined ? { type } : {}),
        ...(cursor !== undefined ? { cursor } : {}),
      });
      return { items: page.items.map(taskView), nextCursor: page.nextCursor };
    },
  );

  app.get(
    '/v1/minds/:gmid/tasks/:id',
    { schema: { tags: ['tasks'], summary: 'One task', params: gmidIdParams } },
    async (request) => {
      const gmid = requireMind(request, request.params.gmid);
      const mind = await genesis.loadMind(gmid);
      const task = await mind.tasks.get(request.params.id);
      if (!task) throw notFound(gmid, request.params.id);
      return taskView(task);
    },
  );

  app.post(
    '/v1/minds/:gmid/tasks/:id/cancel',
    {
      schema: {
        tags: ['tasks'],
        summary: 'Cancels a pending or running task',
        params: gmidIdParams,
        body: emptyBody.nullish(),
      },
    },
    async (request) => {
      const mind = await genesis.loadMind(requireMind(request, request.params.gmid));
      return taskView(await mind.tasks.cancel(request.params.id));
    },
  );

  app.post(
    '/v1/minds/:gmid/tasks/:id/retry',
    {
      schema: {
        tags: ['tasks'],
        summary: 'Puts a dead or failed task back to pending, with fresh attempts',
        params: gmidIdParams,
        body: emptyBody.nullish(),
      },
    },
    async (request) => {
      const mind = await genesis.loadMind(requireMind(request, request.params.gmid));
      return taskView(await mind.tasks.retry(request.params.id));
    },
  );

  app.get(
    '/v1/minds/:gmid/schedules',
    {
      schema: {
        tags: ['tasks'],
        summary: "The Mind's schedules, soonest first",
        params: gmidParams,
        querystring: listSchedulesQuery,
      },
    },
    async (request) => {
      const mind = await genesis.loadMind(requireMind(request, request.params.gmid));
      const { limit, cursor } = request.query;
      // The SDK lists a Mind's schedules whole (mind.schedules.list()): the page is cut here.
      const page = pageArray(await mind.schedules.list(), limit, cursor, (s) => ({ key: s.nextRunAt, id: s.id }));
      return { items: page.items.map(scheduleView), nextCursor: page.nextCursor };
    },
  );
};
