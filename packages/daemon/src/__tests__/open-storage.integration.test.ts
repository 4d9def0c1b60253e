import 'reflect-metadata';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MESSAGE_STORE, MIND_REGISTRY } from '@genesis/mind-core';
import { openGenesisStorage } from '../open-storage';

let home: string;
beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'genesis-home-'));
  delete process.env.GENESIS_DATABASE_URL;
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

test('opens <home>/genesis.db, migrates once, and resolves the stores from its container', async () => {
  const first = await openGenesisStorage({ home });
  expect(first.migrationsApplied).toEqual(['InitialSchema1764000000000', 'MindRecords1764100000000']);
  expect(existsSync(join(home, 'genesis.db'))).toBe(true);
  const messages = first.container.resolve(MESSAGE_STORE);
  expect(first.container.resolve(MESSAGE_STORE)).toBe(messages);
  await messages.append({ mindId: 'GMD-2026-4A7F-9B23', role: 'user', content: 'hello' });
  await first.container.resolve(MIND_REGISTRY).upsert({ gmid: 'GMD-2026-4A7F-9B23', name: 'Ada', jsonPath: join(home, 'minds/x.json'), status: 'active' });
  await first.close();

  const second = await openGenesisStorage({ home });
  expect(second.migrationsApplied).toEqual([]);
  expect(await second.container.resolve(MESSAGE_STORE).count({ mindId: 'GMD-2026-4A7F-9B23' })).toBe(1);
  await second.close();
});
