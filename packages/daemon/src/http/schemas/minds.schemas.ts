import { z } from 'zod';
import type { Mind, MindStats, RegisteredMind } from '@genesis/mind-core';
import { cursorQuery, emailSchema, iso, limitQuery } from './common';

export const newMindBody = z.strictObject({
  name: z.string().min(1).max(200),
  creator: z.string().max(200).nullable().optional(),
  creatorEmail: emailSchema.nullable().optional(),
  template: z.string().max(200).nullable().optional(),
  primaryPurpose: z.string().max(2000).nullable().optional(),
  intelligence: z.record(z.string(), z.unknown()).optional(),
  autonomy: z.record(z.string(), z.unknown()).optional(),
  plugins: z.record(z.string(), z.unknown()).optional(),
});

export const listMindsQuery = z.strictObject({
  status: z.enum(['active', 'sleeping', 'archived']).optional(),
  limit: limitQuery(100),
  cursor: cursorQuery,
});

export function registeredMindView(m: RegisteredMind) {
  return {
    gmid: m.gmid,
    name: m.name,
    status: m.status,
    createdAt: iso(m.createdAt),
    updatedAt: iso(m.updatedAt),
    lastSeenAt: iso(m.lastSeenAt),
  };
}

/** A Mind's document as the API shows it (its file's path is the daemon's business). */
export function mindView(mind: Mind) {
  const doc = mind.document;
  return {
    gmid: mind.gmid,
    name: mind.name,
    revision: mind.revision,
    identity: doc.identity,
    intelligence: doc.intelligence,
    autonomy: doc.autonomy,
    state: doc.state,
    emotionalState: doc.emotionalState,
    memory: doc.memory,
  };
}

export function statsView(s: MindStats) {
  const { jsonFile: _file, ...rest } = s;
  return rest;
}
