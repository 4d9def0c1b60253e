import { z } from 'zod';
import { checkFollowUpPolicy, GenesisError, parseTimezone } from '@genesis/mind-core';
import type { FollowUpPolicyConfig, FollowUpPolicyOverrides } from '@genesis/mind-core';

/**
 * `followUps` of the configuration: which notifiers a fired follow-up runs, the policy overrides
 * and the Mind's time zone. Plugged into config.ts; resolved with the rest (file < environment <
 * options). GENESIS_WEBHOOK_SECRET supplies the webhook secret (so it need not be in the file).
 */

const timezoneSchema = z.string().superRefine((value, ctx) => {
  try {
    parseTimezone(value);
  } catch {
    ctx.addIssue({
      code: 'custom',
      message: `unknown time zone ${JSON.stringify(value)} (an IANA name like Europe/Oslo)`,
    });
  }
});

const webhookSchema = z.strictObject({
  /** Where each follow-up is POSTed as JSON (http or https only). */
  url: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }),
  /** The HMAC-SHA256 key of the `x-genesis-signature` header. */
  secret: z.string().min(1),
  /** A request that takes longer fails the attempt (retried with backoff). Default 10 s. */
  timeoutMs: z.number().int().positive().max(300_000),
});

/** Checked by the one policy validator of mind-core; its error names the key under `followUps.policy`. */
const policySchema = z.record(z.string(), z.unknown()).superRefine((value, ctx) => {
  try {
    checkFollowUpPolicy(value, '');
  } catch (error) {
    if (!(error instanceof GenesisError)) throw error;
    const field = error.field ?? '';
    ctx.addIssue({
      code: 'custom',
      message: error.message.startsWith(`${field} `) ? error.message.slice(field.length + 1) : error.message,
      path: field ? field.split('.') : [],
    });
  }
});

export const followUpsConfigSchema = z.strictObject({
  /** Whether daemons fire follow-ups at all. Default true. */
  enabled: z.boolean(),
  /** The Mind's time zone for the policy (quiet hours…) when the user's is unknown. Default UTC. */
  timezone: timezoneSchema.optional(),
  /** Attempts of a follow-up task (a failing webhook is retried this often, then the task is dead). Default 5. */
  maxAttempts: z.number().int().min(1).max(100),
  notifiers: z.strictObject({
    /** Append the follow-up to the Mind's conversation (role assistant). Default true. */
    conversation: z.boolean(),
    /** A structured log line per follow-up. Default false. */
    log: z.boolean(),
    webhook: webhookSchema.optional(),
  }),
  /** Overrides of the follow-up policy (see FollowUpPolicyConfig); {} keeps the defaults. */
  policy: policySchema,
});

/** The part of `genesis.config.json` (and of the options): every key optional. */
export const followUpsFileSchema = z.strictObject({
  enabled: z.boolean().optional(),
  timezone: z.string().optional(),
  maxAttempts: z.number().optional(),
  notifiers: z
    .strictObject({
      conversation: z.boolean().optional(),
      log: z.boolean().optional(),
      webhook: z.strictObject({ url: z.string(), secret: z.string(), timeoutMs: z.number() }).partial().optional(),
    })
    .optional(),
  policy: z.record(z.string(), z.unknown()).optional(),
});

export type FollowUpsConfig = z.infer<typeof followUpsConfigSchema>;

/** What may be given in the config file or the options. */
export interface FollowUpsConfigInput {
  enabled?: boolean;
  timezone?: string;
  maxAttempts?: number;
  notifiers?: {
    conversation?: boolean;
    log?: boolean;
    webhook?: { url?: string; secret?: string; timeoutMs?: number };
  };
  policy?: FollowUpPolicyOverrides;
}

export const FOLLOW_UP_DEFAULTS = { enabled: true, maxAttempts: 5, webhookTimeoutMs: 10_000 } as const;

const defined = <T extends object>(o: T | undefined): Partial<T> =>
  Object.fromEntries(Object.entries(o ?? {}).filter(([, v]) => v !== undefined)) as Partial<T>;

/**
 * `followUps` before validation: defaults < file < GENESIS_WEBHOOK_SECRET < options. The result is
 * checked by {@link followUpsConfigSchema} with the rest of the configuration.
 */
export function resolveFollowUpsConfig(
  fromFile: FollowUpsConfigInput | undefined,
  env: NodeJS.ProcessEnv,
  overrides: FollowUpsConfigInput | undefined,
): unknown {
  const file = fromFile ?? {};
  const given = overrides ?? {};
  const secret = env.GENESIS_WEBHOOK_SECRET?.trim() || undefined;
  const hook = { ...defined(file.notifiers?.webhook), ...defined(given.notifiers?.webhook) };
  const webhook =
    Object.keys(hook).length === 0
      ? undefined
      : {
          timeoutMs: FOLLOW_UP_DEFAULTS.webhookTimeoutMs,
          ...defined(file.notifiers?.webhook),
          ...(secret ? { secret } : {}),
          ...defined(given.notifiers?.webhook),
        };
  const policy = mergePolicy(file.policy, given.policy);
  const timezone = given.timezone ?? file.timezone;
  return {
    enabled: given.enabled ?? file.enabled ?? FOLLOW_UP_DEFAULTS.enabled,
    ...(timezone !== undefined ? { timezone } : {}),
    maxAttempts: given.maxAttempts ?? file.maxAttempts ?? FOLLOW_UP_DEFAULTS.maxAttempts,
    notifiers: {
      conversation: given.notifiers?.conversation ?? file.notifiers?.conversation ?? true,
      log: given.notifiers?.log ?? file.notifiers?.log ?? false,
      ...(webhook ? { webhook } : {}),
    },
    policy,
  };
}

/** Overrides merged key by key (rateLimit and backoffBaseMs one level deeper). */
function mergePolicy(...parts: Array<FollowUpPolicyOverrides | undefined>): Record<string, unknown> {
  const merged: Record<string, unknown> = {};
  for (const part of parts) {
    if (!part || typeof part !== 'object') continue;
    for (const [key, value] of Object.entries(part)) {
      const before = merged[key];
      merged[key] =
        (key === 'rateLimit' || key === 'backoffBaseMs') && isObject(before) && isObject(value)
          ? { ...before, ...value }
          : value;
    }
  }
  return merged;
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** What the daemon runs with: the resolved `followUps` and the policy in effect. */
export interface FollowUpSettings {
  enabled: boolean;
  timezone: string | null;
  maxAttempts: number;
  notifiers: FollowUpsConfig['notifiers'];
  policy: FollowUpPolicyConfig;
}

/** The settings of a validated `followUps` (a config made without one gets the defaults). */
export function followUpSettings(config: FollowUpsConfig | undefined): FollowUpSettings {
  return {
    enabled: config?.enabled ?? FOLLOW_UP_DEFAULTS.enabled,
    timezone: config?.timezone ?? null,
    maxAttempts: config?.maxAttempts ?? FOLLOW_UP_DEFAULTS.maxAttempts,
    notifiers: config?.notifiers ?? { conversation: true, log: false },
    policy: checkFollowUpPolicy(config?.policy ?? {}, 'followUps.policy.'),
  };
}
