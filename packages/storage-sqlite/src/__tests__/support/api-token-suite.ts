import { createHash, randomBytes } from 'node:crypto';
import { FakeClock } from '@genesis/mind-core/testing';
import { ApiTokenRepository } from '../../repositories/api-token.repository';
import { SqlDatabase } from '../../sql-database';
import type { TestTarget } from './targets';

const hash = () => createHash('sha256').update(randomBytes(32)).digest('hex');

/** The api_tokens table (migration, entity, repository) on one database. */
export function defineApiTokenSuite(target: TestTarget): void {
  afterAll(() => target.cleanup());

  it(`api_tokens (${target.name}): migrated as the entity declares; stored by hash, listed, revoked once, touched`, async () => {
    const db = await SqlDatabase.open({ url: await target.create() });
    try {
      await db.migrate();
      expect(await db.pendingSchemaChanges()).toEqual([]);
      const clock = new FakeClock(1_800_000_000_000);
      const tokens = new ApiTokenRepository(db, clock);
      const admin = await tokens.insert({ mindId: null, name: 'admin', tokenHash: hash() });
      clock.advance(1000);
      const scoped = await tokens.insert({ mindId: 'GMD-2026-4A7F-9B23', name: 'chat', tokenHash: hash() });
      expect(await tokens.findByHash(scoped.tokenHash)).toEqual(scoped);
      expect(await tokens.findByHash(hash())).toBeNull();
      expect((await tokens.list()).map((t) => t.id)).toEqual([admin.id, scoped.id]);
      expect(await tokens.list({ mindId: 'GMD-2026-4A7F-9B23' })).toEqual([scoped]);
      await expect(tokens.insert({ mindId: null, name: 'x', tokenHash: admin.tokenHash })).rejects.toThrow();
      await expect(tokens.insert({ mindId: null, name: 'x', tokenHash: 'not-a-hash' })).rejects.toMatchObject({
        code: 'INVALID_INPUT',
      });
      await tokens.touch(scoped.id, clock.now() + 5);
      expect((await tokens.get(scoped.id))?.lastUsedAt).toBe(clock.now() + 5);
      expect(await tokens.revoke(scoped.id, clock.now())).toBe(true);
      expect(await tokens.revoke(scoped.id, clock.now() + 1)).toBe(false);
      expect((await tokens.get(scoped.id))?.revokedAt).toBe(clock.now());
      expect(await tokens.revoke('nope', clock.now())).toBe(false);
    } finally {
      await db.close();
    }
  });
}
