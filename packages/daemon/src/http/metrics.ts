import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { TASK_STATUSES, type Logger } from '@genesis/mind-core';
import type { Genesis } from '../composition/open-genesis';
import type { GenesisEvent } from '../composition/genesis-events';
import type { GenesisDaemon } from '../runtime/genesis-daemon';
import type { HttpMetrics } from './context';

export interface GenesisMetricsOptions {
  genesis: Pick<Genesis, 'onEvent' | 'runtimeStatus' | 'health'>;
  daemon: Pick<GenesisDaemon, 'status'> | null;
  logger: Logger;
  /** Add prom-client's process and Node.js metrics (CPU, memory, event loop). Default true. */
  processMetrics?: boolean;
}

/** Seconds buckets: HTTP requests and searches are milliseconds; tasks may run minutes. */
const FAST = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
const SLOW = [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900];

/**
 * The daemon's Prometheus metrics, in a registry of their own (never prom-client's global one).
 * Counters and histograms are fed by `genesis.onEvent` and by the server's `observeRequest`;
 * gauges (queue depth, held Minds, Chroma up) are read when scraped. `close()` stops listening.
 */
export class GenesisMetrics implements HttpMetrics {
  readonly registry = new Registry();
  private readonly unsubscribe: () => void;
  private readonly messages: Counter;
  private readonly memories: Counter;
  private readonly searches: Counter;
  private readonly followUps: Counter;
  private readonly tasks: Record<'enqueued' | 'succeeded' | 'failed' | 'dead', Counter<'type'>>;
  private readonly requests: Counter<'route' | 'method' | 'status'>;
  private readonly latency: Histogram<'route' | 'method'>;
  private readonly taskRun: Histogram<'type' | 'status'>;
  private readonly searchTime: Histogram;
  private readonly queue: Gauge<'status'>;
  private readonly held: Gauge;
  private readonly chromaUp: Gauge;

  constructor(private readonly options: GenesisMetricsOptions) {
    const registers = [this.registry];
    const counter = <L extends string>(name: string, help: string, labelNames: L[] = []) =>
      new Counter<L>({ name, help, labelNames, registers });
    const histogram = <L extends string>(name: string, help: string, buckets: number[], labelNames: L[] = []) =>
      new Histogram<L>({ name, help, labelNames, buckets, registers });
    this.messages = counter('genesis_messages_added_total', 'Messages appended to conversations');
    this.memories = counter('genesis_memories_added_total', 'Memories stored (near-duplicates merged not counted)');
    this.searches = counter('genesis_memory_searches_total', 'Memory searches');
    this.followUps = counter('genesis_follow_ups_fired_total', 'Follow-ups delivered by the daemon');
    this.tasks = {
      enqueued: counter('genesis_tasks_enqueued_total', 'Tasks created, by type', ['type']),
      succeeded: counter('genesis_tasks_succeeded_total', 'Task attempts that succeeded, by type', ['type']),
      failed: counter('genesis_tasks_failed_total', 'Task attempts that failed and will be retried, by type', ['type']),
      dead: counter('genesis_tasks_dead_total', 'Tasks that failed their last attempt, by type', ['type']),
    };
    this.requests = counter('genesis_http_requests_total', 'HTTP requests, by route pattern, method and status', [
      'route',
      'method',
      'status',
    ]);
    this.latency = histogram(
      'genesis_http_request_duration_seconds',
      'HTTP request latency, by route pattern and method',
      FAST,
      ['route', 'method'],
    );
    this.taskRun = histogram(
      'genesis_task_run_duration_seconds',
      'Run time of task attempts (the handler), by type and outcome',
      SLOW,
      ['type', 'status'],
    );
    this.searchTime = histogram(
      'genesis_memory_search_duration_seconds',
      'Memory search time (embedding the query, the vector query, ranking)',
      FAST,
    );
    this.queue = new Gauge({
      name: 'genesis_task_queue_depth',
      help: 'Tasks of the home by status (read when scraped)',
      labelNames: ['status'],
      registers,
    });
    this.held = new Gauge({ name: 'genesis_held_minds', help: 'Minds held by the daemon of this process', registers });
    this.chromaUp = new Gauge({
      name: 'genesis_chroma_up',
      help: 'Whether the Chroma server answers its heartbeat (0 also when it has not started yet)',
      registers,
    });
    if (options.processMetrics !== false) collectDefaultMetrics({ register: this.registry });
    this.unsubscribe = options.genesis.onEvent((event) => this.hear(event));
  }

  observeRequest(route: string, method: string, status: number, seconds: number): void {
    this.requests.inc({ route, method, status: String(status) });
    this.latency.observe({ route, method }, seconds);
  }

  async render(): Promise<{ contentType: string; body: string }> {
    await this.readGauges();
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  close(): void {
    this.unsubscribe();
  }

  private hear({ type, data }: GenesisEvent): void {
    switch (type) {
      case 'message.added':
        this.messages.inc();
        break;
      case 'messages.added':
        this.messages.inc(typeof data.count === 'number' ? data.count : 0);
        break;
      case 'memory.added':
        this.memories.inc();
        break;
      case 'memory.searched':
        this.searches.inc();
        if (typeof data.durationMs === 'number') this.searchTime.observe(data.durationMs / 1000);
        break;
      case 'follow-up.fired':
        this.followUps.inc();
        break;
      case 'task.enqueued':
        this.tasks.enqueued.inc({ type: String(data.type) });
        break;
      case 'task.finished': {
        const status = data.status as 'succeeded' | 'failed' | 'dead';
        const taskType = String(data.type);
        this.tasks[status]?.inc({ type: taskType });
        if (typeof data.durationMs === 'number')
          this.taskRun.observe({ type: taskType, status }, data.durationMs / 1000);
        break;
      }
      default:
        break;
    }
  }

  /** Queue depth, held Minds and Chroma, read now; a tier that fails leaves its gauge out (logged). */
  private async readGauges(): Promise<void> {
    const { genesis, daemon, logger } = this.options;
    const [status, health] = await Promise.allSettled([
      daemon ? daemon.status() : genesis.runtimeStatus(),
      genesis.health(),
    ]);
    this.queue.reset();
    if (status.status === 'fulfilled') {
      for (const s of TASK_STATUSES) this.queue.set({ status: s }, status.value.tasks[s] ?? 0);
      this.held.set('held' in status.value ? status.value.held.length : 0);
    } else logger.warn({ err: status.reason }, 'metrics: cannot read the task queue');
    if (health.status === 'fulfilled') this.chromaUp.set(health.value.chroma === 'up' ? 1 : 0);
  }
}
