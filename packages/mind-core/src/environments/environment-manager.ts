import type { Clock } from '../ports/clock';
import { ENVIRONMENT_KINDS, type EnvironmentKind } from '../ports/environment-store';
import type { EnvironmentInput, EnvironmentRecord, EnvironmentStore } from '../ports/environment-store';
import type { UnitOfWork } from '../ports/unit-of-work';
import { GenesisError, invalidInput } from '../shared/errors';
import { jsonObject, nonEmptyText, oneOf } from '../shared/validation';

/** Largest environment name, in characters (the column's width). */
export const MAX_ENVIRONMENT_NAME = 200;
/** Largest description, in characters. */
export const MAX_ENVIRONMENT_DESCRIPTION = 10_000;

export interface UpsertEnvironmentInput {
  /** Unique per Mind: an upsert with a known name changes that environment (its id is kept). */
  name: string;
  kind: EnvironmentKind;
  /** Omitted keeps the current one. */
  description?: string;
  /** A Mind has at most one primary environment: true makes this one it (and the others not); omitted keeps it. */
  isPrimary?: boolean;
  /** Replaces the metadata when given. */
  metadata?: Record<string, unknown>;
}

/**
 * Where a Mind lives and talks (a CLI, a chat, a web app, a game world), in SQL. An environment is
 * addressed by its id or its name. Messages with an `environmentId` mark it active in the
 * transaction of the message; `visit` also counts the visit.
 */
export class EnvironmentManager {
  constructor(
    private readonly mindId: string,
    private readonly store: EnvironmentStore,
    private readonly unitOfWork: UnitOfWork,
    private readonly clock: Clock,
  ) {}

  /** Every environment of the Mind, most recently active first (never active last), then by name. */
  async list(): Promise<EnvironmentRecord[]> {
    return this.store.list(this.mindId);
  }

  /** The environment with this id, else with this name; null when there is none. */
  async get(idOrName: string): Promise<EnvironmentRecord | null> {
    return this.find(this.store, key(idOrName));
  }

  /** Creates the environment, or changes the one with the same name. */
  async upsert(input: UpsertEnvironmentInput): Promise<EnvironmentRecord> {
    if (typeof input !== 'object' || input === null)
      throw invalidInput('name', 'must be given: upsert({ name, kind, … })');
    const env: EnvironmentInput = {
      mindId: this.mindId,
      name: nonEmptyText(input.name, 'name', MAX_ENVIRONMENT_NAME).trim(),
      kind: oneOf(input.kind, ENVIRONMENT_KINDS, 'kind'),
    };
    if (input.description !== undefined)
      env.description = nonEmptyText(input.description, 'description', MAX_ENVIRONMENT_DESCRIPTION);
    if (input.isPrimary !== undefined && typeof input.isPrimary !== 'boolean')
      throw invalidInput('isPrimary', `must be true or false, got ${JSON.stringify(input.isPrimary)}`);
    if (input.metadata !== undefined) env.metadata = jsonObject(input.metadata, 'metadata');
    return this.unitOfWork.run(async ({ environments }) => {
      const existing = await environments.findByName(this.mindId, env.name);
      env.isPrimary = input.isPrimary ?? existing?.isPrimary ?? false;
      if (env.isPrimary) {
        for (const other of await environments.list(this.mindId)) {
          if (other.isPrimary && other.name !== env.name)
            await environments.upsert({ mindId: this.mindId, name: other.name, kind: other.kind, isPrimary: false });
        }
      }
      return environments.upsert(env);
    });
  }

  /** The Mind is there now: marks the environment active and counts the visit. ENVIRONMENT_NOT_FOUND when there is none. */
  async visit(idOrName: string): Promise<EnvironmentRecord> {
    const wanted = key(idOrName);
    return this.unitOfWork.run(async ({ environments }) => {
      const env = this.required(await this.find(environments, wanted), wanted);
      return this.required(await environments.recordVisit(this.mindId, env.id, this.clock.now()), wanted);
    });
  }

  /** Deletes the environment (messages that name it keep their environmentId); returns what it was. */
  async remove(idOrName: string): Promise<EnvironmentRecord> {
    const wanted = key(idOrName);
    return this.unitOfWork.run(async ({ environments }) => {
      const env = this.required(await this.find(environments, wanted), wanted);
      await environments.remove(this.mindId, env.id);
      return env;
    });
  }

  private async find(store: EnvironmentStore, idOrName: string): Promise<EnvironmentRecord | null> {
    return (await store.get(this.mindId, idOrName)) ?? store.findByName(this.mindId, idOrName);
  }

  private required(env: EnvironmentRecord | null, idOrName: string): EnvironmentRecord {
    if (env) return env;
    throw new GenesisError(
      'ENVIRONMENT_NOT_FOUND',
      `Mind ${this.mindId} has no environment with id or name ${JSON.stringify(idOrName)}`,
      { field: 'environment' },
    );
  }
}

const key = (idOrName: string): string => nonEmptyText(idOrName, 'environment', MAX_ENVIRONMENT_NAME).trim();
