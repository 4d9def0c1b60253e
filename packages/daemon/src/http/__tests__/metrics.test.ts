import { silentLogger } from '@genesis/mind-core';
import { GenesisEventBus } from '../../composition/genesis-events';
import type { RuntimeStatus } from '../../composition/open-genesis';
import { GenesisMetrics } from '../metrics';

const A = 'GMD-2026-AAAA-0001';
const counts = { pending: 4, running: 1, succeeded: 10, failed: 2, dead: 1, cancelled: 0 };

function setup(options: { chroma?: 'up' | 'down' | 'not-started'; daemon?: boolean } = {}) {
  const bus = new GenesisEventBus(silentLogger);
  let reads = 0;
  const genesis = {
    onEvent: (listener: Parameters<GenesisEventBus['on']>[0]) => bus.on(listener),
    runtimeStatus: async () => {
      reads++;
      return { leases: [], tasks: counts, nextSchedules: [], dead: [] } as RuntimeStatus;
    },
    health: async () => ({ sql: true, chroma: options.chroma ?? 'up' }),
  };
  const daemon = options.daemon
    ? { status: async () => ({ held: [A, 'GMD-2026-BBBB-0002'], tasks: counts }) as never }
    : null;
  const metrics = new GenesisMetrics({ genesis, daemon, logger: silentLogger, processMetrics: false });
  return { bus, metrics, reads: () => reads };
}

const value = (text: string, series: string) => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

describe('GenesisMetrics', () => {
  it('counts what the process bus tells, by type where the issue asks for it', async () => {
    const { bus, metrics } = setup();
    bus.emit(A, 'message.added', {});
    bus.emit(A, 'messages.added', { count: 5 });
    bus.emit(A, 'memory.added', {});
    bus.emit(A, 'memory.searched', { durationMs: 12, hits: 3 });
    bus.emit(A, 'follow-up.fired', {});
    bus.emit(A, 'task.enqueued', { type: 'echo' });
    bus.emit(A, 'task.enqueued', { type: 'echo' });
    bus.emit(A, 'task.finished', { type: 'echo', status: 'succeeded', durationMs: 40 });
    bus.emit(A, 'task.finished', { type: 'echo', status: 'failed', durationMs: 5 });
    bus.emit(A, 'task.finished', { type: 'webhook', status: 'dead', durationMs: 5 });
    const { body, contentType } = await metrics.render();
    expect(contentType).toMatch(/^text\/plain/);
    expect(value(body, 'genesis_messages_added_total')).toBe(6);
    expect(value(body, 'genesis_memories_added_total')).toBe(1);
    expect(value(body, 'genesis_memory_searches_total')).toBe(1);
    expect(value(body, 'genesis_memory_search_duration_seconds_sum')).toBeCloseTo(0.012);
    expect(value(body, 'genesis_follow_ups_fired_total')).toBe(1);
    expect(value(body, 'genesis_tasks_enqueued_total{type="echo"}')).toBe(2);
    expect(value(body, 'genesis_tasks_succeeded_total{type="echo"}')).toBe(1);
    expect(value(body, 'genesis_tasks_failed_total{type="echo"}')).toBe(1);
    expect(value(body, 'genesis_tasks_dead_total{type="webhook"}')).toBe(1);
    expect(value(body, 'genesis_task_run_duration_seconds_count{type="echo",status="succeeded"}')).toBe(1);
    metrics.close();
    bus.emit(A, 'message.added', {});
    expect(value((await metrics.render()).body, 'genesis_messages_added_total')).toBe(6);
  });

  it('counts HTTP requests by route, method and status and observes their latency', async () => {
    const { metrics } = setup();
    metrics.observeRequest('/v1/minds/:gmid/messages', 'POST', 201, 0.004);
    metrics.observeRequest('/v1/minds/:gmid/messages', 'POST', 201, 0.006);
    metrics.observeRequest('/v1/minds/:gmid/messages', 'POST', 400, 0.001);
    const { body } = await metrics.render();
    expect(
      value(body, 'genesis_http_requests_total{route="/v1/minds/:gmid/messages",method="POST",status="201"}'),
    ).toBe(2);
    expect(
      value(body, 'genesis_http_requests_total{route="/v1/minds/:gmid/messages",method="POST",status="400"}'),
    ).toBe(1);
    expect(
      value(body, 'genesis_http_request_duration_seconds_count{route="/v1/minds/:gmid/messages",method="POST"}'),
    ).toBe(3);
    expect(
      value(
        body,
        'genesis_http_request_duration_seconds_bucket{le="0.005",route="/v1/minds/:gmid/messages",method="POST"}',
      ),
    ).toBe(2);
  });

  it('reads queue depth, held Minds and Chroma when scraped', async () => {
    const withDaemon = setup({ daemon: true });
    let { body } = await withDaemon.metrics.render();
    expect(value(body, 'genesis_task_queue_depth{status="pending"}')).toBe(4);
    expect(value(body, 'genesis_task_queue_depth{status="dead"}')).toBe(1);
    expect(value(body, 'genesis_held_minds')).toBe(2);
    expect(value(body, 'genesis_chroma_up')).toBe(1);
    expect(withDaemon.reads()).toBe(0); // the daemon's status carried the counts

    const alone = setup({ chroma: 'not-started' });
    ({ body } = await alone.metrics.render());
    expect(value(body, 'genesis_task_queue_depth{status="running"}')).toBe(1);
    expect(value(body, 'genesis_held_minds')).toBe(0);
    expect(value(body, 'genesis_chroma_up')).toBe(0);
    expect(alone.reads()).toBe(1);
  });

  it('keeps its own registry: two instances do not collide', async () => {
    const one = setup();
    const two = setup();
    one.bus.emit(A, 'message.added', {});
    expect(value((await two.metrics.render()).body, 'genesis_messages_added_total')).toBe(0);
  });
});
