import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';
import { GenesisError } from '@genesis/mind-core';
import { resolveDatabaseUrl, resolveHome } from './home';
import { followUpsConfigSchema, followUpsFileSchema, resolveFollowUpsConfig } from './follow-up-config';
import type { FollowUpsConfigInput } from './follow-up-config';
import { maintenanceSchedulesFileSchema, maintenanceSchedulesSchema, retentionConfigSchema } from './retention-config';
import { resolveMaintenanceSchedules, resolveRetentionConfig, retentionFileSchema } from './retention-config';
import type { MaintenanceSchedulesInput } from './retention-config';
import type { RetentionPolicyInput } from '@genesis/mind-core';

/**
 * The configuration of a Genesis home: one zod schema, resolved once at the entry point from
 * defaults < the config file < the environment < explicit options, then passed down as plain
 * options. No other package reads `process.env`.
 */
const chromaSchema = z.strictObject({
  /** A running Chroma server; unset → a local server started in `<home>/data/chroma` on first use. */
  url: z.url().optional(),
  token: z.string().min(1).optional(),
  startupTimeoutMs: z.number().int().positive().optional(),
});
const embeddingsSchema = z.strictObject({
  /** use (default: an offline sentence encoder from npm, mixed with glove), glove (offline word vectors from npm), hash, transformers or openai. */
  provider: z.enum(['glove', 'use', 'hash', 'transformers', 'openai']),
  dimension: z.number().int().positive().optional(),
  url: z.url().optional(),
  model: z.string().min(1).optional(),
  apiKey: z.string().min(1).optional(),
  /** transformers: the local model folder (default `<home>/models`). */
  modelDir: z.string().min(1),
  allowDownload: z.boolean(),
  /** glove, use: where the word-vector cache is built on first use (default `<home>/cache`). */
  cacheDir: z.string().min(1),
});
const memorySchema = z.strictObject({
  dedupThreshold: z.number().min(0).max(1).nullable().optional(),
  relevanceWeight: z.number().min(0).max(1).optional(),
});
const logSchema = z.strictObject({
  level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
});

export const genesisConfigSchema = z.strictObject({
  /** The Genesis home (`--home`, GENESIS_HOME, else ~/.genesis). */
  home: z.string().min(1),
  /** `postgres://…` for PostgreSQL, else a SQLite file (default `<home>/genesis.db`). */
  databaseUrl: z.string().min(1),
  chroma: chromaSchema,
  embeddings: embeddingsSchema,
  memory: memorySchema,
  /** Largest message content accepted, in bytes. */
  maxMessageBytes: z.number().int().positive(),
  log: logSchema,
  followUps: followUpsConfigSchema,
  /** Retention policy defaults (a Mind may override them): see retention-config.ts. */
  retention: retentionConfigSchema,
  /** When the daemon runs retention.apply, mind.compact and memory.reindex for every Mind. */
  schedules: maintenanceSchedulesSchema,
});

/** `<home>/genesis.config.json`: any part of the configuration but the home itself. */
const configFileSchema = z.strictObject({
  databaseUrl: z.string().min(1).optional(),
  chroma: chromaSchema.partial().optional(),
  embeddings: embeddingsSchema.partial().optional(),
  memory: memorySchema.optional(),
  maxMessageBytes: z.number().int().positive().optional(),
  log: logSchema.partial().optional(),
  followUps: followUpsFileSchema.optional(),
  retention: retentionFileSchema.optional(),
  schedules: maintenanceSchedulesFileSchema.optional(),
});

export type GenesisConfig = z.infer<typeof genesisConfigSchema>;

/** What may be given explicitly: any part of the configuration. */
export interface GenesisConfigInput {
  home?: string;
  databaseUrl?: string;
  chroma?: Partial<GenesisConfig['chroma']>;
  embeddings?: Partial<GenesisConfig['embeddings']>;
  memory?: GenesisConfig['memory'];
  maxMessageBytes?: number;
  log?: Partial<GenesisConfig['log']>;
  followUps?: FollowUpsConfigInput;
  retention?: RetentionPolicyInput;
  schedules?: MaintenanceSchedulesInput;
}

export interface ResolveConfigOptions {
  /** Explicit settings (CLI flags, SDK options): they win over everything else. */
  overrides?: GenesisConfigInput;
  /** The program's own defaults, below the config file (the CLI logs at `warn` unless told otherwise). */
  defaults?: Pick<GenesisConfigInput, 'log' | 'maxMessageBytes'>;
  /** The environment to read GENESIS_* from. Default: `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** A config file; default GENESIS_CONFIG, else `<home>/genesis.config.json` when it exists. */
  configFile?: string;
}

/** The GENESIS_* variables, as a partial configuration. */
function fromEnvironment(env: NodeJS.ProcessEnv): GenesisConfigInput {
  const set = (name: string): string | undefined => {
    const value = env[name];
    return value !== undefined && value.trim() !== '' ? value.trim() : undefined;
  };
  const number = (name: string): number | undefined => {
    const value = set(name);
    if (value === undefined) return undefined;
    const n = Number(value);
    if (!Number.isFinite(n))
      throw new GenesisError('INVALID_CONFIG', `${name} must be a number, got ${JSON.stringify(value)}`, {
        field: name,
      });
    return n;
  };
  const prune = <T extends object>(o: T): T =>
    Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
  const provider = set('GENESIS_EMBEDDINGS');
  return prune({
    databaseUrl: set('GENESIS_DATABASE_URL'),
    chroma: prune({ url: set('GENESIS_CHROMA_URL'), token: set('GENESIS_CHROMA_TOKEN') }),
    embeddings: prune({
      provider: provider as GenesisConfig['embeddings']['provider'] | undefined,
      dimension: number('GENESIS_EMBEDDINGS_DIMENSION'),
      url: set('GENESIS_EMBEDDINGS_URL'),
      model: set('GENESIS_EMBEDDINGS_MODEL'),
      apiKey: set('GENESIS_EMBEDDINGS_KEY') ?? set('OPENAI_API_KEY'),
      modelDir: set('GENESIS_TRANSFORMERS_MODEL_DIR'),
      cacheDir: set('GENESIS_EMBEDDINGS_CACHE_DIR'),
      allowDownload:
        set('GENESIS_TRANSFORMERS_ALLOW_DOWNLOAD') === undefined
          ? undefined
          : set('GENESIS_TRANSFORMERS_ALLOW_DOWNLOAD') === '1',
    }),
    maxMessageBytes: number('GENESIS_MAX_MESSAGE_BYTES'),
    log: prune({ level: set('GENESIS_LOG_LEVEL') as GenesisConfig['log']['level'] | undefined }),
  });
}

function readConfigFile(file: string): GenesisConfigInput {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch (cause) {
    throw new GenesisError(
      'INVALID_CONFIG',
      `Config file ${file} cannot be read as JSON (${(cause as NodeJS.ErrnoException).code ?? 'syntax error'}).`,
      { cause },
    );
  }
  const parsed = configFileSchema.safeParse(value);
  if (!parsed.success) throw configError(parsed.error, `config file ${file}`);
  return parsed.data as GenesisConfigInput;
}

function configError(error: z.ZodError, source: string): GenesisError {
  const issue = error.issues[0]!;
  const field = issue.path.join('.') || '(root)';
  return new GenesisError(
    'INVALID_CONFIG',
    `Configuration field "${field}" from ${source} is invalid: ${issue.message}`,
    { field },
  );
}

const merge = <T extends object>(...parts: Array<Partial<T> | undefined>): T =>
  Object.assign({}, ...parts.filter(Boolean)) as T;

/**
 * Resolves the configuration once: defaults < config file < environment < overrides. Invalid
 * settings fail with INVALID_CONFIG naming the field and where it came from.
 */
export function resolveConfig(options: ResolveConfigOptions = {}): GenesisConfig {
  const env = options.env ?? process.env;
  const overrides = options.overrides ?? {};
  const defaults = options.defaults ?? {};
  const fromEnv = fromEnvironment(env);
  const home = resolveHome(overrides.home, env);
  const fileName = options.configFile ?? env.GENESIS_CONFIG ?? join(home, 'genesis.config.json');
  const file = isAbsolute(fileName) ? fileName : resolve(fileName);
  const fromFile = existsSync(file)
    ? readConfigFile(file)
    : options.configFile !== undefined
      ? readConfigFile(file)
      : {};
  const config = {
    home,
    databaseUrl:
      overrides.databaseUrl ?? fromEnv.databaseUrl ?? fromFile.databaseUrl ?? resolveDatabaseUrl(home, undefined, {}),
    chroma: merge(fromFile.chroma, fromEnv.chroma, overrides.chroma),
    embeddings: merge(
      { provider: 'use', modelDir: join(home, 'models'), allowDownload: false, cacheDir: join(home, 'cache') },
      fromFile.embeddings,
      fromEnv.embeddings,
      overrides.embeddings,
    ),
    memory: merge(fromFile.memory, overrides.memory),
    maxMessageBytes:
      overrides.maxMessageBytes ??
      fromEnv.maxMessageBytes ??
      fromFile.maxMessageBytes ??
      defaults.maxMessageBytes ??
      1024 * 1024,
    log: merge({ level: 'info' }, defaults.log, fromFile.log, fromEnv.log, overrides.log),
    followUps: resolveFollowUpsConfig(fromFile.followUps, env, overrides.followUps),
    retention: resolveRetentionConfig(fromFile.retention, overrides.retention),
    schedules: resolveMaintenanceSchedules(fromFile.schedules, overrides.schedules),
  };
  const parsed = genesisConfigSchema.safeParse(config);
  if (!parsed.success) throw configError(parsed.error, 'the environment, the config file or the options');
  return parsed.data;
}
