import { parseGmid, RETENTION_STORE, RetentionService, toEpochMs, toGenesisError } from '@genesis/mind-core';
import { RetentionRepository } from '@genesis/storage-sqlite';
import type { Mind, RetentionPolicy, RetentionReport, TimeInput } from '@genesis/mind-core';
import type { DependencyContainer } from 'tsyringe';

export interface RetentionRunOptions {
  /** One Mind; absent: every Mind of the home, then the home's own rows. */
  gmid?: string;
  /** Count what would go, and write nothing (no archive, no delete). */
  dryRun?: boolean;
  /** The time ages are counted back from. Default: now. */
  now?: TimeInput;
  /** Stops between batches. */
  signal?: AbortSignal;
  /**
   * PostgreSQL: the WAL the message deletes may write, bytes per second on average (null: as fast
   * as the server takes them), for the duration of this call. Default 4 MiB/s; the budget is the
   * process's, shared by the runs going on at the same time (see RetentionRepository.walBytesPerSecond).
   */
  walBytesPerSecond?: number | null;
}

/** A Mind that could not be processed (its file unreadable, say): the others still are. */
export interface RetentionFailure {
  mindId: string;
  error: { code: string; message: string };
}

export interface RetentionRun {
  dryRun: boolean;
  now: number;
  /** Per Mind, what went (or would go) from each store. */
  minds: Array<RetentionReport | RetentionFailure>;
  /** The home's own rows (the daemon's schedule fires); null when one Mind was asked for. */
  home: RetentionReport | null;
  tookMs: number;
}

/** `genesis.retention`: the policies of this home, applied on demand (the daemon applies them daily). */
export interface GenesisRetention {
  /** The home's defaults (`retention` of the configuration). */
  readonly defaults: RetentionPolicy;
  /** The policy in force for a Mind: the defaults with the Mind's own override (`mind.retention`). */
  policy(gmid: string): Promise<RetentionPolicy>;
  apply(options?: RetentionRunOptions): Promise<RetentionRun>;
}

export function isRetentionFailure(entry: RetentionReport | RetentionFailure): entry is RetentionFailure {
  return 'error' in entry;
}

export function createGenesisRetention(deps: {
  container: DependencyContainer;
  defaults: RetentionPolicy;
  loadMind: (gmid: string) => Promise<Mind>;
  listMinds: () => Promise<Array<{ gmid: string }>>;
  now: () => number;
}): GenesisRetention {
  const service = () => deps.container.resolve(RetentionService);
  return {
    defaults: deps.defaults,
    async policy(gmid) {
      return (await deps.loadMind(parseGmid(gmid))).retention.effective(deps.defaults);
    },
    async apply(options = {}) {
      const { walBytesPerSecond, ...rest } = options;
      const store = deps.container.resolve<unknown>(RETENTION_STORE);
      if (walBytesPerSecond === undefined || !(store instanceof RetentionRepository)) return run(rest);
      const before = store.walBytesPerSecond;
      store.walBytesPerSecond = walBytesPerSecond;
      try {
        return await run(rest);
      } finally {
        store.walBytesPerSecond = before;
      }
    },
  };

  async function run(options: RetentionRunOptions): Promise<RetentionRun> {
    const started = Date.now();
    const now = options.now === undefined ? deps.now() : toEpochMs(options.now, 'now');
    const dryRun = options.dryRun === true;
    const common = { dryRun, now, ...(options.signal ? { signal: options.signal } : {}) };
    const minds: RetentionRun['minds'] = [];
    if (options.gmid !== undefined) {
      const mind = await deps.loadMind(parseGmid(options.gmid));
      minds.push(await service().apply(mind.gmid, mind.retention.effective(deps.defaults), common));
      return { dryRun, now, minds, home: null, tookMs: Date.now() - started };
    }
    for (const { gmid } of await deps.listMinds()) {
      try {
        const mind = await deps.loadMind(gmid);
        minds.push(await service().apply(gmid, mind.retention.effective(deps.defaults), common));
      } catch (error) {
        if (options.signal?.aborted) throw error;
        const failure = toGenesisError(error);
        if (failure.code === 'INTERNAL_ERROR') throw error;
        minds.push({ mindId: gmid, error: { code: failure.code, message: failure.message } });
      }
    }
    const home = await service().applyHome(deps.defaults, common);
    return { dryRun, now, minds, home, tookMs: Date.now() - started };
  }
}
