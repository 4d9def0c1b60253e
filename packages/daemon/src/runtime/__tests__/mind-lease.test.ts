import { isGenesisError, silentLogger } from '@genesis/mind-core';
import type { AcquireResult, LeaseClaim } from '@genesis/mind-core';
import { FakeClock, InMemoryMindLeaseStore } from '@genesis/mind-core/testing';
import { MindLeaseKeeper } from '../mind-lease';

const MIND = 'GMD-2026-4A7F-9B23';
const OTHER = 'GMD-2026-1C2D-3E4F';

/** A lease store whose `acquire` waits until the test lets it answer. */
class SlowAcquireStore extends InMemoryMindLeaseStore {
  private gate: (() => void) | undefined;
  started = 0;

  override async acquire(claim: LeaseClaim, now: number, leaseMs: number): Promise<AcquireResult> {
    this.started++;
    await new Promise<void>((resolve) => (this.gate = resolve));
    return super.acquire(claim, now, leaseMs);
  }

  answer(): void {
    this.gate?.();
  }
}

function keeper(store: InMemoryMindLeaseStore, clock: FakeClock, ownerId = 'vm/1/a'): MindLeaseKeeper {
  return new MindLeaseKeeper(store, clock, silentLogger, { ownerId, leaseMs: 1_500, onLost: () => undefined });
}

describe('MindLeaseKeeper', () => {
  test('an acquisition in flight when releaseAll begins is given back too: no lease outlives the stop', async () => {
    const clock = new FakeClock();
    const store = new SlowAcquireStore(clock);
    const keeping = keeper(store, clock);
    const acquiring = keeping.acquire(MIND);
    await Promise.resolve();
    expect(store.started).toBe(1);

    const releasing = keeping.releaseAll();
    store.answer(); // the row is written after the release began
    await expect(acquiring).resolves.toEqual({ acquired: true });
    await releasing;

    expect(await store.list()).toEqual([]);
    expect(keeping.heldMinds()).toEqual([]);
  });

  test('after releaseAll no Mind is taken: acquire is refused with DAEMON_STOPPING', async () => {
    const clock = new FakeClock();
    const store = new InMemoryMindLeaseStore(clock);
    const keeping = keeper(store, clock);
    await keeping.acquire(MIND);
    await keeping.releaseAll();

    const refused = await keeping.acquire(OTHER).catch((error: unknown) => error);
    expect(isGenesisError(refused) && refused.code).toBe('DAEMON_STOPPING');
    expect(await store.list()).toEqual([]);
  });

  test('a Mind held by a live daemon of another owner is refused, naming the holder', async () => {
    const clock = new FakeClock();
    const store = new InMemoryMindLeaseStore(clock);
    const first = keeper(store, clock, 'vm/1/a');
    first.register(); // alive in this process: not a dead predecessor with our pid
    await first.acquire(MIND);
    const result = await keeper(store, clock, 'vm/1/b').acquire(MIND);
    expect(result).toMatchObject({ acquired: false, holder: { mindId: MIND, ownerId: 'vm/1/a' } });
    await first.releaseAll();
  });
});
