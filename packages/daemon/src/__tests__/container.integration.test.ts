import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { MESSAGE_STORE, MIND_REGISTRY, UNIT_OF_WORK } from '@genesis/mind-core';
import { tempHome } from '@genesis/mind-core/testing';
import { MIGRATIONS } from '@genesis/storage-sqlite';
import { resolveConfig } from '../composition/config';
import { composeGenesis } from '../composition/container';

let home: ReturnType<typeof tempHome>;
beforeEach(() => (home = tempHome()));
afterEach(() => home.cleanup());

test('opens <home>/genesis.db, migrates once, and resolves the stores from its container', async () => {
  const config = resolveConfig({ overrides: { home: home.path }, env: { GENESIS_EMBEDDINGS: 'hash' } });
  const first = await composeGenesis(config);
  expect(first.migrationsApplied).toEqual(MIGRATIONS.map((m) => m.name));
  expect(existsSync(join(home.path, 'genesis.db'))).toBe(true);
  const messages = first.container.resolve(MESSAGE_STORE);
  expect(first.container.resolve(MESSAGE_STORE)).toBe(messages);
  await messages.append({ mindId: 'GMD-2026-4A7F-9B23', role: 'user', content: 'hello' });
  await first.container
    .resolve(MIND_REGISTRY)
    .upsert({ gmid: 'GMD-2026-4A7F-9B23', name: 'Ada', jsonPath: join(home.path, 'minds/x.json'), status: 'active' });
  await first.close();

  const second = await composeGenesis(config);
  expect(second.migrationsApplied).toEqual([]);
  expect(await second.container.resolve(MESSAGE_STORE).count({ mindId: 'GMD-2026-4A7F-9B23' })).toBe(1);
  await second.close();
});

test('the unit of work from the container commits its writes together or not at all', async () => {
  const composed = await composeGenesis(
    resolveConfig({ overrides: { home: home.path }, env: { GENESIS_EMBEDDINGS: 'hash' } }),
  );
  try {
    const unitOfWork = composed.container.resolve(UNIT_OF_WORK);
    const mindId = 'GMD-2026-4A7F-9B23';
    const failed = await unitOfWork
      .run(async (s) => {
        await s.messages.append({ mindId, role: 'user', content: 'kept only with the rest' });
        await s.records.appendMany([{ mindId, namespace: 'dreams', kind: 'dream', data: { n: 1 } }]);
        await s.minds.upsert({
          gmid: 'not a gmid at all, and far too long to be one: ' + 'x'.repeat(80),
          name: 'X',
          jsonPath: '/x',
          status: 'active',
        });
      })
      .catch((error: unknown) => error);
    expect(failed).toMatchObject({ code: 'INVALID_INPUT' });
    const messages = composed.container.resolve(MESSAGE_STORE);
    expect(await messages.count({ mindId })).toBe(0);
    await unitOfWork.run(async (s) => {
      await s.messages.append({ mindId, role: 'user', content: 'committed' });
      await s.records.appendMany([{ mindId, namespace: 'dreams', kind: 'dream', data: { n: 1 } }]);
      await s.minds.upsert({ gmid: mindId, name: 'Ada', jsonPath: '/x', status: 'active' });
    });
    expect(await messages.count({ mindId })).toBe(1);
    expect(await composed.container.resolve(MIND_REGISTRY).get(mindId)).toMatchObject({ name: 'Ada' });
  } finally {
    await composed.close();
  }
});
