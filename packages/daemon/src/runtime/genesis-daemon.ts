import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { GenesisError } from '@genesis/mind-core';
import type { BackoffOptions, Clock, Logger, Mind, MindLease, MindLeaseStore, MindRegistry } from '@genesis/mind-core';
import type { ScheduleStore, TaskHandlers, TaskNotifier, TaskStatus, TaskStore, UnitOfWork } from '@genesis/mind-core';
import { CompletionBatcher } from './completion-batcher';
import { MindLeaseKeeper, mindHeldError } from './mind-lease';
import { Scheduler } from './scheduler';
import { TaskRunner } from './task-runner';
import { TaskWorker } from './task-worker';
import { FollowUpScanner, FOLLOW_UP_TASK, type ComposeFollowUp, type FollowUpDependencies } from './follow-ups';
import { createFollowUpHandler } from './handlers/follow-up.handler';
import { TaskEvents, type DaemonEventListener } from './task-events';

export interface DaemonOptions {
  /** The Minds to drive: every registered Mind not held elsewhere (also ones created later), or these. */
  minds?: 'all' | readonly string[];
  /** Handlers by task type, added to the built-in ones. */
  handlers?: TaskHandlers;
  /** Attempts running at once. Default 8. */
  concurrency?: number;
  /** Attempts running at once per Mind. Default 2. */
  perMindConcurrency?: number;
  /** Mind and task leases last this long unless renewed (every third of it). Default 30 s. */
  leaseMs?: number;
  /** How often to look for due tasks and schedules when nothing woke the daemon. Default 1 s. */
  pollMs?: number;
  /** Retry delays after a failed attempt. Default base 1 s, cap 1 h, full jitter. */
  backoff?: BackoffOptions;
  /** Writes the text of each follow-up (e.g. with your LLM). Default: a plain template naming the concern. */
  composeFollowUp?: ComposeFollowUp;
}

export interface DaemonDependencies {
  tasks: TaskStore;
  schedules: ScheduleStore;
  mindLeases: MindLeaseStore;
  registry: MindRegistry;
  unitOfWork: UnitOfWork;
  clock: Clock;
  logger: Logger;
  loadMind(gmid: string): Promise<Mind>;
  builtInHandlers: TaskHandlers;
  /** Subscribes to enqueues made in this process (to wake at once); returns the unsubscribe. */
  onTaskEnqueued?(listener: (mindId: string) => void): () => void;
  /** Enqueues made by other processes (PostgreSQL NOTIFY), to wake at once there too. */
  taskNotifier?: TaskNotifier;
  /** Concern follow-ups: the stores and settings (absent or disabled: none fire). */
  followUps?: FollowUpDependencies;
  /** Hook `onEvent`: told of `task.finished` and `follow-up.fired` once each outcome is written. */
  onEvent?: DaemonEventListener;
}

export interface DaemonStatus {
  ownerId: string;
  host: string;
  pid: number;
  startedAt: string;
  /** Minds this daemon drives. */
  held: string[];
  /** Minds it wanted and another daemon holds. */
  refused: Array<{ mindId: string; holder: MindLease }>;
  /** Attempts running now. */
  running: number;
  tasks: Record<TaskStatus, number>;
  handlers: string[];
}

/** Follow-ups are looked for every this many polls. */
export const FOLLOW_UP_POLLS = 5;

export const DAEMON_DEFAULTS = { concurrency: 8, perMindConcurrency: 2, leaseMs: 30_000, pollMs: 1_000 } as const;

/**
 * The 24/7 runtime of a home: holds Minds (one daemon per Mind), runs their durable tasks with
 * leases, heartbeats, timeouts and retries, fires their schedules, and stops gracefully.
 */
export class GenesisDaemon {
  readonly ownerId = `${hostname()}/${process.pid}/${randomBytes(4).toString('hex')}`;
  private readonly startedAt: number;
  private readonly handlers: TaskHandlers;
  private readonly keeper: MindLeaseKeeper;
  private readonly runner: TaskRunner;
  private readonly worker: TaskWorker;
  private readonly scheduler: Scheduler;
  private readonly followUps: FollowUpScanner | undefined;
  private readonly completions: CompletionBatcher;
  private readonly refused = new Map<string, MindLease>();
  private readonly minds = new Map<string, Promise<Mind>>();
  private readonly timers: NodeJS.Timeout[] = [];
  /** The timer ticks running now: stop waits for them (a lease acquired after release would stay held). */
  private readonly ticks = new Set<Promise<unknown>>();
  private readonly settings: Required<Omit<DaemonOptions, 'handlers' | 'minds' | 'backoff' | 'composeFollowUp'>> &
    Pick<DaemonOptions, 'backoff'>;
  private stopping: Promise<void> | undefined;
  private unsubscribe: (() => void) | undefined;
  private unlisten: (() => Promise<void>) | undefined;

  private constructor(
    private readonly deps: DaemonDependencies,
    private readonly options: DaemonOptions,
  ) {
    const log = deps.logger;
    this.startedAt = deps.clock.now();
    this.settings = {
      concurrency: positive(options.concurrency ?? DAEMON_DEFAULTS.concurrency, 'concurrency'),
      perMindConcurrency: positive(
        options.perMindConcurrency ?? DAEMON_DEFAULTS.perMindConcurrency,
        'perMindConcurrency',
      ),
      leaseMs: positive(options.leaseMs ?? DAEMON_DEFAULTS.leaseMs, 'leaseMs'),
      pollMs: positive(options.pollMs ?? DAEMON_DEFAULTS.pollMs, 'pollMs'),
      backoff: options.backoff,
    };
    // The handler delivers checks already fired even when scanning is off (followUps.enabled false).
    const followUps = deps.followUps;
    const taskEvents = deps.onEvent ? new TaskEvents(deps.onEvent) : undefined;
    const handlers: TaskHandlers = {
      ...deps.builtInHandlers,
      ...(followUps
        ? {
            [FOLLOW_UP_TASK]: createFollowUpHandler({
              concerns: followUps.concerns,
              messages: followUps.messages,
              clock: deps.clock,
              notifiers: followUps.settings.notifiers,
              ...(options.composeFollowUp ? { composeFollowUp: options.composeFollowUp } : {}),
            }),
          }
        : {}),
      ...options.handlers,
    };
    this.handlers = taskEvents ? taskEvents.observe(handlers) : handlers;
    this.keeper = new MindLeaseKeeper(deps.mindLeases, deps.clock, log, {
      ownerId: this.ownerId,
      leaseMs: this.settings.leaseMs,
      onLost: (mindId) => {
        this.minds.delete(mindId);
        this.runner.stopAttempts('mind-lost', mindId);
      },
    });
    this.completions = new CompletionBatcher(deps.tasks, deps.clock.now, log);
    this.runner = new TaskRunner(deps.tasks, this.completions, this.handlers, deps.clock, log, {
      leaseMs: this.settings.leaseMs,
      backoff: this.settings.backoff ?? {},
    });
    this.worker = new TaskWorker(this.runner, deps.clock, log, {
      ownerId: this.ownerId,
      leaseMs: this.settings.leaseMs,
      concurrency: this.settings.concurrency,
      perMindConcurrency: this.settings.perMindConcurrency,
      pollMs: this.settings.pollMs,
      minds: () => this.keeper.heldMinds(),
      loadMind: (gmid) => this.mind(gmid),
      ...(taskEvents ? { onOutcome: (task, outcome) => taskEvents.outcome(task, outcome) } : {}),
    });
    this.scheduler = new Scheduler(deps.schedules, deps.unitOfWork, deps.clock, log, {
      minds: () => this.keeper.heldMinds(),
      onFired: () => this.worker.wake(),
    });
    this.followUps = followUps?.settings.enabled
      ? new FollowUpScanner(
          followUps.concerns,
          followUps.messages,
          followUps.relationships ?? null,
          deps.unitOfWork,
          deps.clock,
          log,
          {
            minds: () => this.keeper.heldMinds(),
            policy: followUps.settings.policy,
            timezone: followUps.settings.timezone,
            maxAttempts: followUps.settings.maxAttempts,
            onFired: () => this.worker.wake(),
          },
        )
      : undefined;
  }

  /**
   * Starts a daemon. With explicit Minds, each must exist and be free (else MIND_NOT_FOUND /
   * MIND_HELD naming the holder, and nothing is held); with 'all' it drives every free Mind and
   * keeps looking for more.
   */
  static async start(deps: DaemonDependencies, options: DaemonOptions = {}): Promise<GenesisDaemon> {
    const daemon = new GenesisDaemon(deps, options);
    daemon.keeper.register();
    await daemon.acquireMinds(true);
    await daemon.listen();
    daemon.begin();
    deps.logger.info(
      {
        ownerId: daemon.ownerId,
        held: daemon.keeper.heldMinds(),
        handlers: Object.keys(daemon.handlers),
        ...daemon.settings,
      },
      'daemon started',
    );
    return daemon;
  }

  /** Looks for due work now (after an enqueue in this process). */
  wake(): void {
    this.worker.wake();
  }

  async status(): Promise<DaemonStatus> {
    return {
      ownerId: this.ownerId,
      host: hostname(),
      pid: process.pid,
      startedAt: new Date(this.startedAt).toISOString(),
      held: this.keeper.heldMinds(),
      refused: [...this.refused].map(([mindId, holder]) => ({ mindId, holder })),
      running: this.worker.active,
      tasks: await this.deps.tasks.counts(),
      handlers: Object.keys(this.handlers).sort(),
    };
  }

  /**
   * Stops gracefully: no new claims; running attempts get `timeoutMs` to finish; the rest are
   * aborted and given back (pending again, their attempt not counted); leases are released.
   */
  stop(options: { timeoutMs?: number } = {}): Promise<void> {
    this.stopping ??= (async () => {
      const log = this.deps.logger;
      for (const timer of this.timers) clearInterval(timer);
      await Promise.allSettled([...this.ticks]);
      await this.followUps?.settle();
      await this.worker.stopClaiming();
      this.unsubscribe?.();
      await this.unlisten?.();
      const finished = await this.worker.settle(options.timeoutMs ?? 10_000);
      if (!finished) {
        log.warn({ running: this.worker.active }, 'stop timeout reached: giving the running tasks back');
        this.runner.stopAttempts('shutdown');
        await this.worker.drained();
      }
      await this.completions.drain();
      await this.keeper.releaseAll();
      log.info({ ownerId: this.ownerId }, 'daemon stopped');
    })();
    return this.stopping;
  }

  /** Wakes on enqueues of other processes; without notifications (SQLite) polling does it. */
  private async listen(): Promise<void> {
    if (!this.deps.taskNotifier) return;
    try {
      this.unlisten = await this.deps.taskNotifier.subscribe((mindId) => {
        if (this.keeper.holds(mindId)) this.worker.wake();
      });
    } catch (error) {
      this.deps.logger.warn({ err: error }, 'cannot listen for task notifications; polling every pollMs instead');
    }
  }

  /** Aborts the running attempts now and gives their tasks back (a second stop signal). */
  abortRunning(): void {
    this.runner.stopAttempts('shutdown');
  }

  private begin(): void {
    this.unsubscribe = this.deps.onTaskEnqueued?.((mindId) => {
      if (this.keeper.holds(mindId)) this.worker.wake();
    });
    this.worker.start();
    const every = (ms: number, fn: () => Promise<unknown>, what: string) =>
      this.timers.push(
        setInterval(() => {
          const tick = fn()
            .catch((error: unknown) => this.deps.logger.error({ err: error }, `${what} failed; will try again`))
            .finally(() => this.ticks.delete(tick));
          this.ticks.add(tick);
        }, ms),
      );
    every(
      Math.max(50, Math.floor(this.settings.leaseMs / 3)),
      async () => {
        await this.keeper.renew();
        if ((this.options.minds ?? 'all') === 'all') await this.acquireMinds(false);
      },
      'renewing Mind leases',
    );
    every(this.settings.pollMs, () => this.scheduler.tick(), 'firing schedules');
    void this.scheduler
      .tick()
      .catch((error: unknown) => this.deps.logger.error({ err: error }, 'firing schedules failed'));
    const followUps = this.followUps;
    if (followUps) {
      // Follow-ups need no second's precision: every fifth poll (5 s by default) keeps an idle
      // daemon's cost down; a due critical concern still fires within seconds.
      every(this.settings.pollMs * FOLLOW_UP_POLLS, () => followUps.tick(), 'firing follow-ups');
      void followUps
        .tick()
        .catch((error: unknown) => this.deps.logger.error({ err: error }, 'firing follow-ups failed'));
    }
  }

  private async acquireMinds(first: boolean): Promise<void> {
    const wanted = this.options.minds ?? 'all';
    if (wanted !== 'all') {
      if (!first) return;
      for (const gmid of wanted) {
        if (!(await this.deps.registry.get(gmid))) {
          await this.keeper.releaseAll();
          throw new GenesisError('MIND_NOT_FOUND', `No Mind ${gmid} in this home (genesis mind list shows them)`, {
            field: 'mind',
          });
        }
        const result = await this.keeper.acquire(gmid);
        if (!result.acquired) {
          await this.keeper.releaseAll();
          throw mindHeldError(gmid, result.holder);
        }
      }
      return;
    }
    let cursor: string | null = null;
    do {
      const page = await this.deps.registry.list({ limit: 500, cursor });
      for (const mind of page.items) {
        if (this.stopping) return;
        if (this.keeper.holds(mind.gmid)) continue;
        const result = await this.keeper.acquire(mind.gmid);
        if (result.acquired) {
          this.refused.delete(mind.gmid);
          this.worker.wake();
        } else if (!this.refused.has(mind.gmid)) {
          this.refused.set(mind.gmid, result.holder);
          this.deps.logger.warn(
            { mindId: mind.gmid, holder: result.holder },
            'Mind is driven by another daemon; skipped',
          );
        }
      }
      cursor = page.nextCursor;
    } while (cursor && !this.stopping);
  }

  private mind(gmid: string): Promise<Mind> {
    let loading = this.minds.get(gmid);
    if (!loading) {
      loading = this.deps.loadMind(gmid);
      loading.catch(() => this.minds.delete(gmid)); // a failed load is tried again by the next attempt
      this.minds.set(gmid, loading);
    }
    return loading;
  }
}

function positive(value: number, field: string): number {
  if (!Number.isInteger(value) || value < 1)
    throw new GenesisError('INVALID_INPUT', `${field} must be a positive integer, got ${value}`, { field });
  return value;
}
