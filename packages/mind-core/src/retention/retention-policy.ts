import { z } from 'zod';
import { GenesisError } from '../shared/errors';

/**
 * Retention policies: how long each SQL store keeps its rows. A policy is plain data; the daemon's
 * configuration holds the defaults (`retention` in genesis.config.json) and a Mind may override any
 * part of it (`mind.retention.set(...)`, kept in the Mind file). Memories are not a retention store:
 * retention never touches them.
 */

/** The stores a policy can bound, by their key in the policy. */
export const RETENTION_STORES = ['messages', 'concerns', 'tasks', 'concernFires', 'scheduleFires'] as const;
export type RetentionStoreName = (typeof RETENTION_STORES)[number];

/** A number of days (fractions allowed); null keeps rows forever. */
export type Days = number | null;

export interface RetentionPolicy {
  /** Conversation messages: removed past `maxAgeDays` or beyond the newest `maxPerMind`; archived first when `archive`. */
  messages: { maxAgeDays: Days; maxPerMind: number | null; archive: boolean };
  /** Resolved, dismissed and expired concerns, by their last change. Active and snoozed ones are never removed. */
  concerns: { closedMaxAgeDays: Days };
  /** Succeeded, dead and cancelled tasks, by when they finished. Pending, running and failed ones are never removed. */
  tasks: { finishedMaxAgeDays: Days };
  /** The records of concern checks that fired, by when they fired. */
  concernFires: { maxAgeDays: Days };
  /** The records of schedule slots that fired, by the slot time. */
  scheduleFires: { maxAgeDays: Days };
  /** Rows per delete transaction (small, so other writers never wait long). */
  batchSize: number;
}

/** A part of a policy: what a Mind overrides, or what a config file sets. */
export interface RetentionPolicyInput {
  messages?: Partial<RetentionPolicy['messages']>;
  concerns?: Partial<RetentionPolicy['concerns']>;
  tasks?: Partial<RetentionPolicy['tasks']>;
  concernFires?: Partial<RetentionPolicy['concernFires']>;
  scheduleFires?: Partial<RetentionPolicy['scheduleFires']>;
  batchSize?: number;
}

export const DEFAULT_RETENTION_POLICY: RetentionPolicy = Object.freeze({
  messages: Object.freeze({ maxAgeDays: 365, maxPerMind: 100_000, archive: true }),
  concerns: Object.freeze({ closedMaxAgeDays: 90 }),
  tasks: Object.freeze({ finishedMaxAgeDays: 30 }),
  concernFires: Object.freeze({ maxAgeDays: 90 }),
  scheduleFires: Object.freeze({ maxAgeDays: 30 }),
  // 250: as fast as 500 over 1,000,000 messages on SQLite, and a concurrent writer waits half as long.
  batchSize: 250,
}) as RetentionPolicy;

/** The largest batch: keeps one delete transaction in the low milliseconds. */
export const MAX_RETENTION_BATCH = 5000;
export const DAY_MS = 86_400_000;

const days = z
  .number({ error: 'must be a number of days (0 or more), or null to keep forever' })
  .min(0, 'must be 0 or more days (null keeps forever)')
  .nullable()
  .optional();

/**
 * An object of `shape` whose other keys are refused, each naming its own key (a misspelt store or
 * setting would otherwise keep nothing): the issue's path ends at the unknown key.
 */
const known = <T extends z.ZodRawShape>(shape: T, where: string) =>
  z.looseObject(shape).superRefine((value, ctx) => {
    for (const key of Object.keys(value))
      if (!Object.hasOwn(shape, key))
        ctx.addIssue({ code: 'custom', path: [key], message: `is not a retention setting: ${where}` });
  });

const section = known;

/** A partial policy (a Mind's override, the `retention` section of a config file). */
export const retentionPolicyInputSchema = known(
  {
    messages: section(
      {
        maxAgeDays: days,
        maxPerMind: z
          .number({ error: 'must be a whole number of messages (1 or more), or null for no limit' })
          .int('must be a whole number of messages')
          .min(1, 'must be 1 or more (null: no limit)')
          .nullable()
          .optional(),
        archive: z.boolean({ error: 'must be true or false' }).optional(),
      },
      'messages takes maxAgeDays, maxPerMind, archive',
    ).optional(),
    concerns: section({ closedMaxAgeDays: days }, 'concerns takes closedMaxAgeDays').optional(),
    tasks: section({ finishedMaxAgeDays: days }, 'tasks takes finishedMaxAgeDays').optional(),
    concernFires: section({ maxAgeDays: days }, 'concernFires takes maxAgeDays').optional(),
    scheduleFires: section({ maxAgeDays: days }, 'scheduleFires takes maxAgeDays').optional(),
    batchSize: z
      .number({ error: `must be a whole number from 1 to ${MAX_RETENTION_BATCH}` })
      .int(`must be a whole number from 1 to ${MAX_RETENTION_BATCH}`)
      .min(1, `must be from 1 to ${MAX_RETENTION_BATCH}`)
      .max(MAX_RETENTION_BATCH, `must be from 1 to ${MAX_RETENTION_BATCH}`)
      .optional(),
  },
  `the stores are ${RETENTION_STORES.join(', ')} (and batchSize)`,
);

/** The first problem of a parse, as `{ field, message }` (field dotted from `prefix`). */
function firstIssue(error: z.ZodError, prefix: string): { field: string; message: string } {
  const issue = error.issues[0]!;
  const field = [prefix, ...issue.path.map(String)].filter(Boolean).join('.');
  return { field, message: issue.message };
}

/**
 * Validates a partial policy. Refused with INVALID_INPUT (or `code`) naming the key: a negative or
 * non-numeric age, a store that does not exist, a batch size out of range.
 */
export function parseRetentionPolicyInput(
  value: unknown,
  options: { field?: string; code?: 'INVALID_INPUT' | 'INVALID_CONFIG'; source?: string } = {},
): RetentionPolicyInput {
  const prefix = options.field ?? 'retention';
  const parsed = retentionPolicyInputSchema.safeParse(value ?? {});
  if (parsed.success) return parsed.data as RetentionPolicyInput;
  const { field, message } = firstIssue(parsed.error, prefix);
  throw new GenesisError(
    options.code ?? 'INVALID_INPUT',
    `${field}${options.source ? ` (${options.source})` : ''} ${message}`,
    { field },
  );
}

/** `base` with every setting of the `overrides` applied in order (later wins), section by section. */
export function mergeRetentionPolicy(
  base: RetentionPolicy,
  ...overrides: Array<RetentionPolicyInput | null | undefined>
): RetentionPolicy {
  const out: RetentionPolicy = structuredClone({
    messages: { ...base.messages },
    concerns: { ...base.concerns },
    tasks: { ...base.tasks },
    concernFires: { ...base.concernFires },
    scheduleFires: { ...base.scheduleFires },
    batchSize: base.batchSize,
  });
  for (const o of overrides) {
    if (!o) continue;
    if (o.messages) Object.assign(out.messages, defined(o.messages));
    if (o.concerns) Object.assign(out.concerns, defined(o.concerns));
    if (o.tasks) Object.assign(out.tasks, defined(o.tasks));
    if (o.concernFires) Object.assign(out.concernFires, defined(o.concernFires));
    if (o.scheduleFires) Object.assign(out.scheduleFires, defined(o.scheduleFires));
    if (o.batchSize !== undefined) out.batchSize = o.batchSize;
  }
  return out;
}

const defined = <T extends object>(o: T): Partial<T> =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;

/** The cut-off time of an age in days at `now`: rows strictly older go; null when kept forever. */
export function cutoff(now: number, age: Days): number | null {
  return age === null ? null : now - Math.round(age * DAY_MS);
}
