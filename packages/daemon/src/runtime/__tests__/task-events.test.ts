import type { StoredTask, TaskContext } from '@genesis/mind-core';
import { FOLLOW_UP_TASK } from '../follow-ups';
import { TaskEvents } from '../task-events';

const MIND = 'GMD-2026-4A7F-9B23';

function task(type: string, attempts: number, maxAttempts = 3): StoredTask {
  return {
    id: `t-${type}-${attempts}`,
    mindId: MIND,
    type,
    payload: null,
    status: 'running',
    priority: 0,
    runAt: 0,
    attempts,
    maxAttempts,
    leaseOwner: 'me',
    leaseToken: 'x',
    leaseExpiresAt: 0,
    timeoutMs: null,
    progress: null,
    lastError: null,
    result: null,
    idempotencyKey: null,
    createdAt: 0,
    updatedAt: 0,
    finishedAt: null,
  };
}

const context = (t: StoredTask) => ({ task: t }) as unknown as TaskContext;

describe('TaskEvents', () => {
  it('tells task.finished with the status and run time once the outcome is written', async () => {
    const heard: Array<[string, string, Record<string, unknown>]> = [];
    const events = new TaskEvents((...e) => heard.push(e));
    const handlers = events.observe({
      ok: async () => ({ fine: true }),
      boom: async () => {
        throw new Error('boom');
      },
    });
    const ok = task('ok', 1);
    await handlers.ok!(context(ok));
    events.outcome(ok, 'succeeded');
    const retried = task('boom', 1);
    await expect(handlers.boom!(context(retried))).rejects.toThrow('boom');
    events.outcome(retried, 'failed');
    const last = task('boom', 3);
    await expect(handlers.boom!(context(last))).rejects.toThrow('boom');
    events.outcome(last, 'failed');
    const givenBack = task('ok', 2);
    await handlers.ok!(context(givenBack));
    events.outcome(givenBack, 'given-back');
    expect(heard.map(([mindId, type, data]) => [mindId, type, data.type, data.status])).toEqual([
      [MIND, 'task.finished', 'ok', 'succeeded'],
      [MIND, 'task.finished', 'boom', 'failed'],
      [MIND, 'task.finished', 'boom', 'dead'],
    ]);
    expect(heard.every(([, , data]) => typeof data.durationMs === 'number' && data.durationMs >= 0)).toBe(true);
  });

  it('tells follow-up.fired for a delivered follow-up only', async () => {
    const heard: Array<[string, Record<string, unknown>]> = [];
    const events = new TaskEvents((_mind, type, data) => heard.push([type, data]));
    let result: unknown = { concernId: 'c1', check: 1_700_000_000_000, delivered: ['conversation'], messageId: 'm1' };
    const handlers = events.observe({ [FOLLOW_UP_TASK]: async () => result });
    const first = task(FOLLOW_UP_TASK, 1);
    await handlers[FOLLOW_UP_TASK]!(context(first));
    events.outcome(first, 'succeeded');
    result = { skipped: 'concern is resolved', concernId: 'c2' };
    const skipped = task(FOLLOW_UP_TASK, 2);
    await handlers[FOLLOW_UP_TASK]!(context(skipped));
    events.outcome(skipped, 'succeeded');
    expect(heard.filter(([type]) => type === 'follow-up.fired')).toEqual([
      [
        'follow-up.fired',
        {
          concernId: 'c1',
          check: new Date(1_700_000_000_000).toISOString(),
          taskId: first.id,
          messageId: 'm1',
          delivered: ['conversation'],
        },
      ],
    ]);
  });
});
