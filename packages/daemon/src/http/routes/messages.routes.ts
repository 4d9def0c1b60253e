import type { Mind } from '@genesis/mind-core';
import type { RoutePlugin } from '../context';
import { requireMind } from '../auth';
import { gmidParams } from '../schemas/common';
import { contextQuery, listMessagesQuery, messageView, postMessagesBody } from '../schemas/messages.schemas';

/**
 * How long these routes reuse a loaded Mind. `genesis.loadMind` reads and validates the Mind's JSON
 * file and touches its registry row (a SQL write): ≈ 0.9 ms, several times the cost of the message
 * INSERT or the page SELECT itself, on every request. A Mind deleted through this server is dropped
 * at once (the hook below); one deleted by another process is seen within this time.
 */
const MIND_REUSE_MS = 1000;
const MIND_CACHE_MAX = 10_000;

/** `POST/GET /v1/minds/{gmid}/messages`, `GET /v1/minds/{gmid}/context`. */
export const messagesRoutes: RoutePlugin = async (app, { genesis }) => {
  const cached = new Map<string, { at: number; mind: Promise<Mind> }>();
  const loadMind = (gmid: string): Promise<Mind> => {
    const now = Date.now();
    const hit = cached.get(gmid);
    if (hit && now - hit.at < MIND_REUSE_MS) return hit.mind;
    if (cached.size >= MIND_CACHE_MAX) cached.clear();
    const entry = { at: now, mind: genesis.loadMind(gmid) };
    cached.set(gmid, entry);
    // A failed load (no such Mind) is not kept: a Mind created next is found at once.
    entry.mind.catch(() => {
      if (cached.get(gmid) === entry) cached.delete(gmid);
    });
    return entry.mind;
  };
  // Before the answer to a DELETE leaves, so that the client's next request cannot see the old Mind.
  app.addHook('onSend', async (request, _reply, payload) => {
    if (request.method === 'DELETE' && request.routeOptions.url === '/v1/minds/:gmid')
      cached.delete((request.params as { gmid?: string }).gmid ?? '');
    return payload;
  });

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
      const page = await mind.conversation.listMessages({
        limit,
        ...(since !== undefined ? { since } : {}),
        ...(until !== undefined ? { until } : {}),
        ...(user !== undefined ? { userEmail: user } : {}),
        ...(role !== undefined ? { role } : {}),
        ...(cursor !== undefined ? { cursor } : {}),
      });
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
