import type { ListMessagesInput } from '@genesis/mind-core';
import type { RoutePlugin } from '../context';
import { requireMind } from '../auth';
import { gmidParams } from '../schemas/common';
import { contextQuery, listMessagesQuery, messageView, postMessagesBody } from '../schemas/messages.schemas';

/** `POST/GET /v1/minds/{gmid}/messages`, `GET /v1/minds/{gmid}/context`. */
export const messagesRoutes: RoutePlugin = async (app, { loadMind }) => {
  app.post(
    '/v1/minds/:gmid/messages',
    {
      schema: {
        tags: ['conversation'],
        summary: 'Adds one message, or { messages: [...] } in one transaction (all or nothing)',
        params: gmidParams,
        body: postMessagesBody,
      },
    },
    async (request, reply) => {
      const mind = await loadMind(requireMind(request, request.params.gmid));
      const body = request.body;
      if ('messages' in body) {
        // The SDK's addMessages returns how many were added, not the rows.
        const added = await mind.conversation.addMessages(body.messages);
        return reply.code(201).send({ added });
      }
      return reply.code(201).send(messageView(await mind.conversation.addMessage(body)));
    },
  );

  app.get(
    '/v1/minds/:gmid/messages',
    {
      schema: {
        tags: ['conversation'],
        summary: 'Messages, newest first (keyset pages)',
        params: gmidParams,
        querystring: listMessagesQuery,
      },
    },
    async (request) => {
      const mind = await loadMind(requireMind(request, request.params.gmid));
      const { since, until, user, role, limit, cursor } = request.query;
      // Assigned rather than spread from `cond ? { x } : {}`: this is the API's hot route.
      const query: ListMessagesInput = { limit };
      if (since !== undefined) query.since = since;
      if (until !== undefined) query.until = until;
      if (user !== undefined) query.userEmail = user;
      if (role !== undefined) query.role = role;
      if (cursor !== undefined) query.cursor = cursor;
      const page = await mind.conversation.listMessages(query);
      return { items: page.items.map(messageView), nextCursor: page.nextCursor };
    },
  );

  app.get(
    '/v1/minds/:gmid/context',
    {
      schema: {
        tags: ['conversation'],
        summary: 'LLM-ready context: the newest messages as [{ role, content }], oldest first',
        params: gmidParams,
        querystring: contextQuery,
      },
    },
    async (request) => {
      const mind = await loadMind(requireMind(request, request.params.gmid));
      const { maxMessages, maxChars } = request.query;
      const items = await mind.conversation.getConversationContext({
        maxMessages,
        ...(maxChars !== undefined ? { maxChars } : {}),
      });
      return { items };
    },
  );
};
