import { silentLogger } from '@genesis/mind-core';
import { GenesisEventBus } from '../../composition/genesis-events';
import { connectMindEvents, isMindEventId, MindEventLog } from '../events';
import type { MindEvent } from '../context';

const A = 'GMD-2026-AAAA-0001';
const B = 'GMD-2026-BBBB-0002';

function clock(start = 1_800_000_000_000) {
  const c = { t: start, now: () => c.t };
  return c;
}

describe('MindEventLog', () => {
  it('gives increasing ids, even when the clock steps back, and keeps each Mind apart', async () => {
    const c = clock();
    const log = new MindEventLog({ now: c.now });
    const first = await log.publish(A, 'message.added', { n: 1 });
    c.t -= 5_000;
    const second = await log.publish(A, 'message.added', { n: 2 });
    await log.publish(B, 'message.added', { n: 3 });
    expect(isMindEventId(first.id)).toBe(true);
    expect(Number(second.id)).toBeGreaterThan(Number(first.id));
    expect((await log.since(A, null, 10)).map((e) => e.data.n)).toEqual([1, 2]);
    expect((await log.since(A, first.id, 10)).map((e) => e.data.n)).toEqual([2]);
    expect((await log.since(B, null, 10)).map((e) => e.data.n)).toEqual([3]);
    expect(await log.since(A, second.id, 10)).toEqual([]);
  });

  it('pages with limit and treats an id of an earlier process as older than all it keeps', async () => {
    const c = clock();
    const before = new MindEventLog({ now: c.now });
    const old = await before.publish(A, 'message.added', {});
    c.t += 1000; // the daemon restarts a second later: a fresh log
    const log = new MindEventLog({ now: c.now });
    for (let i = 0; i < 5; i++) await log.publish(A, 'message.added', { i });
    const page = await log.since(A, old.id, 3);
    expect(page.map((e) => e.data.i)).toEqual([0, 1, 2]);
    expect((await log.since(A, page[2]!.id, 3)).map((e) => e.data.i)).toEqual([3, 4]);
  });

  it('keeps events for retentionMs and at most maxPerMind', async () => {
    const c = clock();
    const log = new MindEventLog({ now: c.now, retentionMs: 60_000, maxPerMind: 3 });
    for (let i = 0; i < 5; i++) await log.publish(A, 't', { i });
    expect((await log.since(A, null, 10)).map((e) => e.data.i)).toEqual([2, 3, 4]);
    c.t += 30_000;
    await log.publish(A, 't', { i: 5 });
    c.t += 30_001; // the first four are now older than a minute
    expect((await log.since(A, null, 10)).map((e) => e.data.i)).toEqual([5]);
    c.t += 60_000;
    log.pruneAll();
    expect(await log.since(A, null, 10)).toEqual([]);
  });

  it('tells subscribers of their Mind only, until they unsubscribe', async () => {
    const log = new MindEventLog();
    const heard: MindEvent[] = [];
    const stop = log.subscribe(A, (e) => heard.push(e));
    await log.publish(A, 't', { n: 1 });
    await log.publish(B, 't', { n: 2 });
    expect(log.subscribers).toBe(1);
    stop();
    await log.publish(A, 't', { n: 3 });
    expect(heard.map((e) => e.data.n)).toEqual([1]);
    expect(log.subscribers).toBe(0);
  });

  it('refuses a retention that is not positive', () => {
    expect(() => new MindEventLog({ retentionMs: 0 })).toThrow(/retentionMs/);
  });
});

describe('connectMindEvents', () => {
  it('logs the streamed types from the process bus and nothing after the unsubscribe', async () => {
    const bus = new GenesisEventBus(silentLogger);
    const log = new MindEventLog();
    const stop = connectMindEvents(log, { onEvent: (l) => bus.on(l) });
    bus.emit(A, 'message.added', { message: { id: 'm1' } });
    bus.emit(A, 'memory.searched', { durationMs: 3, hits: 1 }); // metrics only
    bus.emit(A, 'follow-up.fired', { concernId: 'c1' });
    stop();
    bus.emit(A, 'message.added', { message: { id: 'm2' } });
    expect((await log.since(A, null, 10)).map((e) => e.type)).toEqual(['message.added', 'follow-up.fired']);
  });
});
