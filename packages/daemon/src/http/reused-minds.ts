import type { onSendHookHandler } from 'fastify';
import type { Mind } from '@genesis/mind-core';
import type { Genesis } from '../composition/open-genesis';
import type { HttpApp } from './context';

/**
 * How long the routes reuse a loaded Mind. `genesis.loadMind` reads and validates the Mind's JSON
 * file and touches its registry row (a SQL write): ≈ 0.9 ms, several times the cost of a message
 * INSERT or a page SELECT, on every request. A Mind deleted through this server is dropped at once
 * (the hook below); one deleted by another process is seen within this time.
 */
const MIND_REUSE_MS = 1000;
const MIND_CACHE_MAX = 10_000;

/** A Mind loader for the routes of `app`: `genesis.loadMind`, reused for a second per GMID. */
export function reusedMinds(app: HttpApp, genesis: Genesis): (gmid: string) => Promise<Mind> {
  const cached = new Map<string, { at: number; mind: Promise<Mind> }>();
  // Before the answer to a DELETE leaves, so that the client's next request cannot see the old Mind.
  const forget: onSendHookHandler = (request, _reply, payload, done) => {
    cached.delete((request.params as { gmid?: string }).gmid ?? '');
    done(null, payload);
  };
  // On that route only (the routes are registered after this): an onSend hook of the whole server
  // would make every answer of every route go through Fastify's onSend hook chain.
  app.addHook('onRoute', (route) => {
    const deletes = Array.isArray(route.method) ? route.method.includes('DELETE') : route.method === 'DELETE';
    if (!deletes || route.url !== '/v1/minds/:gmid') return;
    const existing = route.onSend === undefined ? [] : Array.isArray(route.onSend) ? route.onSend : [route.onSend];
    route.onSend = [...existing, forget];
  });
  return (gmid) => {
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
}
