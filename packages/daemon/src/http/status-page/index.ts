import { z } from 'zod';
import { TASK_STATUSES } from '@genesis/mind-core';
import type { StoredConcern } from '@genesis/mind-core';
import { canSeeMind, principalOf } from '../auth';
import type { RoutePlugin } from '../context';
import { STATUS_PAGE_HTML } from './page-html';
import { STATUS_PAGE_JS } from './page-script';
import { STATUS_PAGE_CSS } from './page-style';

/** Minds listed by `GET /v1/status` at most, and of those the ones whose due concerns are read. */
const MAX_MINDS = 200;
const DUE_MINDS = 20;
const DUE_PER_MIND = 5;

/** The page loads only its own script and style and talks only to this daemon. */
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; " +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const statusView = z.object({
  daemon: z
    .object({
      ownerId: z.string(),
      startedAt: z.string(),
      held: z.array(z.string()),
      running: z.number().int(),
    })
    .nullable()
    .describe('The daemon of this process (null: the server runs without one)'),
  tasks: z
    .record(z.enum(TASK_STATUSES), z.number().int())
    .nullable()
    .describe('Tasks of the home by status (null for a Mind-scoped token)'),
  minds: z.array(z.object({ gmid: z.string(), name: z.string(), held: z.boolean() })),
  dueConcerns: z.array(
    z.object({
      mindId: z.string(),
      id: z.string(),
      description: z.string(),
      urgency: z.string(),
      userEmail: z.string().nullable(),
      nextCheckAt: z.string(),
    }),
  ),
});

/**
 * The status page: `GET /` (HTML), `/status-page/app.js`, `/status-page/style.css` (and an empty
 * `/favicon.ico`) — static, no
 * token (the page asks for it and keeps it in sessionStorage) — and `GET /v1/status`, the
 * overview it shows: the daemon's held Minds, queue counts by status, the Minds and their due
 * concerns (a Mind-scoped token sees its own Mind only, and no queue).
 */
export const statusPageRoutes: RoutePlugin = async (app, { genesis, daemon }) => {
  const asset = (path: string, type: string, body: string) =>
    app.get(path, { config: { public: true }, schema: { hide: true } }, async (_request, reply) =>
      reply
        .header('content-security-policy', CSP)
        .header('x-content-type-options', 'nosniff')
        .header('referrer-policy', 'no-referrer')
        .header('cache-control', 'no-cache')
        .type(type)
        .send(body),
    );
  asset('/', 'text/html; charset=utf-8', STATUS_PAGE_HTML);
  asset('/status-page/app.js', 'text/javascript; charset=utf-8', STATUS_PAGE_JS);
  asset('/status-page/style.css', 'text/css; charset=utf-8', STATUS_PAGE_CSS);
  // Browsers ask for it on their own: an empty answer rather than a 401 in the console.
  app.get('/favicon.ico', { config: { public: true }, schema: { hide: true } }, async (_request, reply) =>
    reply.code(204).header('cache-control', 'max-age=86400').send(),
  );

  app.get(
    '/v1/status',
    {
      schema: {
        tags: ['status'],
        summary: "The status page's overview: held Minds, queue counts, Minds and their due concerns",
        response: { 200: statusView },
      },
    },
    async (request) => {
      const admin = principalOf(request).kind === 'admin';
      const [state, registered] = await Promise.all([
        daemon ? daemon.status() : admin ? genesis.runtimeStatus() : null,
        genesis.listMinds(),
      ]);
      const held = new Set(daemon && state && 'held' in state ? state.held : []);
      const minds = registered
        .filter((m) => canSeeMind(request, m.gmid))
        .sort((a, b) => Number(held.has(b.gmid)) - Number(held.has(a.gmid)) || a.name.localeCompare(b.name))
        .slice(0, MAX_MINDS);
      const now = Date.now();
      const due: Array<StoredConcern> = [];
      for (const m of minds.slice(0, DUE_MINDS)) {
        const mind = await genesis.loadMind(m.gmid).catch(() => null); // an unreadable file: no concerns shown
        if (!mind) continue;
        const page = await mind.concerns.list({ status: 'active', dueBefore: now, limit: DUE_PER_MIND });
        due.push(...page.items);
      }
      return {
        daemon:
          daemon && state && 'held' in state
            ? {
                ownerId: state.ownerId,
                startedAt: state.startedAt,
                held: admin ? state.held : state.held.filter((g) => canSeeMind(request, g)),
                running: state.running,
              }
            : null,
        tasks: admin && state ? state.tasks : null,
        minds: minds.map((m) => ({ gmid: m.gmid, name: m.name, held: held.has(m.gmid) })),
        dueConcerns: due
          .sort((a, b) => a.nextCheckAt - b.nextCheckAt)
          .map((c) => ({
            mindId: c.mindId,
            id: c.id,
            description: c.description,
            urgency: c.urgency,
            userEmail: c.userEmail,
            nextCheckAt: new Date(c.nextCheckAt).toISOString(),
          })),
      };
    },
  );
};
