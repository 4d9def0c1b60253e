import type { Mind, StoredMessage } from '@genesis/mind-core';
import { tempHome } from '@genesis/mind-core/testing';
import { openGenesis, type Genesis } from '../composition/open-genesis';
import { FOLLOW_UP_TASK } from '../runtime/follow-ups';
import { requireProgramBuilt, sleep, startProgram, until } from './fixtures/children';
import type { ProgramChild } from './fixtures/children';

/**
 * The program `genesis daemon start` as a real process fires a due critical concern within
 * seconds as one follow-up message; SIGKILLed right after the fire and restarted, it does not
 * fire that check again.
 */
let home: ReturnType<typeof tempHome>;
let genesis: Genesis;
const programs: ProgramChild[] = [];

beforeAll(() => requireProgramBuilt());
beforeEach(async () => {
  home = tempHome('genesis-follow-ups-process-');
  genesis = await openGenesis({ home: home.path, env: { GENESIS_EMBEDDINGS: 'hash' } });
});
afterEach(async () => {
  for (const p of programs.splice(0)) await p.kill();
  await genesis.close();
  home.cleanup();
});

function daemonStart(): ProgramChild {
  const child = startProgram(['--home', home.path, 'daemon', 'start', '--lease-ms', '1500', '--poll-ms', '50'], {
    env: { GENESIS_LOG_LEVEL: 'info' },
  });
  programs.push(child);
  return child;
}

async function followUpMessages(mind: Mind): Promise<StoredMessage[]> {
  const page = await mind.conversation.listMessages({ limit: 1000 });
  return page.items.filter((m) => m.role === 'assistant' && m.metadata.kind === 'follow-up');
}

test('fires a due critical concern as one message; SIGKILL right after the fire, restart: not fired again', async () => {
  const mind = await genesis.createMind({ name: 'Crashy' });
  const concern = await mind.concerns.create({
    type: 'health',
    description: 'the knee surgery',
    followUpAt: Date.now() - 1000,
    userEmail: 'ann@example.com',
    urgency: 'critical',
  });
  const first = daemonStart();
  const began = Date.now();
  const fired = await first.line((l) => l.msg === 'follow-up fired' && l.concernId === concern.id);
  await first.kill(); // at once: the follow-up task may not have run yet
  expect(Date.now() - began).toBeLessThan(15_000);
  expect(fired).toMatchObject({ mindId: mind.gmid, followUpCount: 1, reason: 'critical' });
  expect(await mind.concerns.fires(concern.id)).toHaveLength(1);

  const second = daemonStart();
  await second.line((l) => l.msg === 'daemon started');
  await until(async () => (await mind.tasks.counts()).succeeded === 1, 'the follow-up delivered after the restart');
  await sleep(1_000); // twenty more polls of the scanner
  const messages = await followUpMessages(mind);
  expect(messages).toHaveLength(1);
  expect(messages[0]!.metadata).toEqual({
    kind: 'follow-up',
    concernId: concern.id,
    check: concern.nextCheckAt,
    taskId: expect.any(String),
  });
  expect(await mind.concerns.fires(concern.id)).toHaveLength(1);
  const tasks = (await mind.tasks.list({ type: FOLLOW_UP_TASK, limit: 10 })).items;
  expect(tasks).toHaveLength(1);
  expect(tasks[0]!.attempts).toBeLessThanOrEqual(2);
  const refired = second
    .stdout()
    .split('\n')
    .filter((l) => l.includes('"follow-up fired"') && l.includes(concern.id));
  expect(refired).toEqual([]);
  expect((await mind.concerns.get(concern.id))!.followUpCount).toBe(1);
});
