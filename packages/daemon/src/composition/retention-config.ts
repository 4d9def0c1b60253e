import { z } from 'zod';
import { CronSchedule, DEFAULT_RETENTION_POLICY, GenesisError, mergeRetentionPolicy } from '@genesis/mind-core';
import { retentionPolicyInputSchema, type RetentionPolicy, type RetentionPolicyInput } from '@genesis/mind-core';

/**
 * `retention` and `schedules` of the configuration. The policy's shape and its validation are
 * mind-core's (`retentionPolicyInputSchema`: a negative or non-numeric age, an unknown store, a
 * batch size out of range are refused naming the key); here they are resolved once with the rest
 * (defaults < config file < options), and the daemon's maintenance schedules get their defaults.
 *
 * ```json
 * { "retention": { "messages": { "maxAgeDays": 365, "maxPerMind": 100000, "archive": true },
 *                  "concerns": { "closedMaxAgeDays": 90 }, "tasks": { "finishedMaxAgeDays": 30 },
 *                  "concernFires": { "maxAgeDays": 90 }, "scheduleFires": { "maxAgeDays": 30 },
 *                  "batchSize": 250 },
 *   "schedules": { "retention": { "cron": "30 3 * * *" }, "compact": { "enabled": false } } }
 * ```
 */

/** The resolved policy: every key present (null ages keep forever). */
export const retentionConfigSchema = z.custom<RetentionPolicy>();

/** `retention` in genesis.config.json and in the options: any part of the policy. */
export const retentionFileSchema = retentionPolicyInputSchema;

/** The built-in maintenance tasks a daemon schedules for every Mind, by their key under `schedules`. */
export const MAINTENANCE_TASKS = {
  retention: 'retention.apply',
  compact: 'mind.compact',
  reindex: 'memory.reindex',
} as const;
export type MaintenanceKey = keyof typeof MAINTENANCE_TASKS;

export interface MaintenanceSchedule {
  /** The task type each slot enqueues, once for every Mind of the home. */
  type: string;
  /** A cron expression (5 fields, or 6 with seconds first). */
  cron: string;
  /** The IANA time zone the expression is read in. */
  timezone: string;
  enabled: boolean;
}

/** retention.apply daily at 03:30, mind.compact daily at 04:00, memory.reindex on Sundays at 05:00 (UTC). */
export const DEFAULT_MAINTENANCE_SCHEDULES: Readonly<Record<MaintenanceKey, Readonly<MaintenanceSchedule>>> =
  Object.freeze({
    retention: Object.freeze({ type: MAINTENANCE_TASKS.retention, cron: '30 3 * * *', timezone: 'UTC', enabled: true }),
    compact: Object.freeze({ type: MAINTENANCE_TASKS.compact, cron: '0 4 * * *', timezone: 'UTC', enabled: true }),
    reindex: Object.freeze({ type: MAINTENANCE_TASKS.reindex, cron: '0 5 * * 0', timezone: 'UTC', enabled: true }),
  });

const scheduleEntry = z
  .strictObject({
    cron: z.string({ error: 'must be a cron expression like "30 3 * * *"' }),
    timezone: z.string({ error: 'must be an IANA time zone like Europe/Oslo or UTC' }),
    enabled: z.boolean({ error: 'must be true or false' }),
  })
  .partial();

/** `schedules` in genesis.config.json: per maintenance task, any of cron, timezone, enabled. */
export const maintenanceSchedulesFileSchema = z.strictObject({
  retention: scheduleEntry.optional(),
  compact: scheduleEntry.optional(),
  reindex: scheduleEntry.optional(),
});
export type MaintenanceSchedulesInput = z.infer<typeof maintenanceSchedulesFileSchema>;

/** The resolved schedules: each checked (its cron parses in its time zone), the error naming the key. */
export const maintenanceSchedulesSchema = z
  .custom<Record<MaintenanceKey, MaintenanceSchedule>>()
  .superRefine((value, ctx) => {
    for (const [key, entry] of Object.entries(value)) {
      try {
        new CronSchedule(entry.cron, entry.timezone);
      } catch (error) {
        const field = (error as GenesisError).field ?? 'cron';
        ctx.addIssue({ code: 'custom', path: [key, field], message: (error as Error).message });
      }
    }
  });

/** `retention` before validation: the defaults < the config file < the options. */
export function resolveRetentionConfig(
  fromFile: RetentionPolicyInput | undefined,
  overrides: RetentionPolicyInput | undefined,
): RetentionPolicy {
  if (overrides !== undefined) {
    const parsed = retentionPolicyInputSchema.safeParse(overrides);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const field = ['retention', ...issue.path.map(String)].join('.');
      throw new GenesisError(
        'INVALID_CONFIG',
        `Configuration field "${field}" from the options is invalid: ${issue.message}`,
        {
          field,
        },
      );
    }
  }
  return mergeRetentionPolicy(DEFAULT_RETENTION_POLICY, fromFile, overrides);
}

/** `schedules` before validation: the defaults < the config file < the options. */
export function resolveMaintenanceSchedules(
  fromFile: MaintenanceSchedulesInput | undefined,
  overrides: MaintenanceSchedulesInput | undefined,
): Record<MaintenanceKey, MaintenanceSchedule> {
  const out = {} as Record<MaintenanceKey, MaintenanceSchedule>;
  for (const key of Object.keys(DEFAULT_MAINTENANCE_SCHEDULES) as MaintenanceKey[]) {
    out[key] = { ...DEFAULT_MAINTENANCE_SCHEDULES[key], ...defined(fromFile?.[key]), ...defined(overrides?.[key]) };
  }
  return out;
}

const defined = <T extends object>(o: T | undefined): Partial<T> =>
  Object.fromEntries(Object.entries(o ?? {}).filter(([, v]) => v !== undefined)) as Partial<T>;
