import type { StoredConcern } from '../ports/concern-store';
import type { Page } from '../ports/page';
import type { TransactionStores } from '../ports/unit-of-work';
import { completeTask } from '../tasks/new-task';
import { allPages, keysetOrder, MIND, OTHER, storesOf } from './store-contract-support';
import type { StoreContext, StoreContractTarget } from './store-contract-support';

/**
 * The behaviour every implementation of the SQL-tier ports (messages, concerns, tasks, registry,
 * environments, relationships, records, unit of work) must have: run it on the in-memory stores,
 * SQLite and PostgreSQL. Uses jest's `describe`/`it`/`expect`.
 */
export function defineStoreContract(target: StoreContractTarget): void {
  const withStores = storesOf(target);

  describe(`store contract (${target.name})`, () => {
    describe('messages', () => {
      const fifty = async ({ s, clock }: StoreContext) => {
        const base = clock.now();
        await s.messages.appendMany(
          Array.from({ length: 50 }, (_, i) => ({
            mindId: MIND,
            role: i % 2 === 0 ? ('user' as const) : ('assistant' as const),
            content: `m${i}`,
            userEmail: i % 5 === 0 ? 'bob@example.com' : 'ann@example.com',
            createdAt: base + i * 1000,
            metadata: { i },
          })),
        );
        await s.messages.append({ mindId: OTHER, role: 'user', content: 'not yours' });
        return base;
      };

      it(
        'pages newest-first by default and oldest-first with order asc, visiting each message once',
        withStores(async (ctx) => {
          await fifty(ctx);
          const desc = await allPages((cursor) => ctx.s.messages.list({ mindId: MIND, limit: 7, cursor }));
          expect(desc.items.map((m) => m.content)).toEqual(Array.from({ length: 50 }, (_, i) => `m${49 - i}`));
          expect(desc.pages).toBe(8);
          const asc = await allPages((cursor) =>
            ctx.s.messages.list({ mindId: MIND, limit: 10, cursor, order: 'asc' }),
          );
          expect(asc.items.map((m) => m.content)).toEqual(Array.from({ length: 50 }, (_, i) => `m${i}`));
          // 50 rows in pages of 10: the fifth page is the last and says so.
          expect(asc.pages).toBe(5);
        }),
      );

      it(
        'filters by time range, user and role, counts, and reads one message back',
        withStores(async (ctx) => {
          const { s } = ctx;
          const base = await fifty(ctx);
          const range = await s.messages.list({
            mindId: MIND,
            since: base + 10_000,
            until: base + 15_000,
            limit: 100,
            order: 'asc',
          });
          expect(range.items.map((m) => m.content)).toEqual(['m10', 'm11', 'm12', 'm13', 'm14']);
          const bob = await s.messages.list({ mindId: MIND, userEmail: 'bob@example.com', limit: 100 });
          expect(bob.items.map((m) => m.content)).toEqual([
            'm45',
            'm40',
            'm35',
            'm30',
            'm25',
            'm20',
            'm15',
            'm10',
            'm5',
            'm0',
          ]);
          expect(
            (await s.messages.list({ mindId: MIND, role: 'assistant', limit: 2 })).items.map((m) => m.content),
          ).toEqual(['m49', 'm47']);
          expect(await s.messages.count({ mindId: MIND })).toBe(50);
          expect(await s.messages.count({ mindId: MIND, role: 'user' })).toBe(25);
          expect(await s.messages.count({ mindId: MIND, userEmail: 'bob@example.com', since: base + 20_000 })).toBe(6);
          expect(await s.messages.count({ mindId: OTHER })).toBe(1);
          const [newest] = (await s.messages.list({ mindId: MIND, limit: 1 })).items;
          expect(newest).toMatchObject({
            mindId: MIND,
            content: 'm49',
            metadata: { i: 49 },
            archived: false,
            role: 'assistant',
            userEmail: 'ann@example.com',
            environmentId: null,
            sourceKey: null,
            createdAt: base + 49_000,
          });
          expect(await s.messages.get(MIND, newest!.id)).toEqual(newest);
          expect(await s.messages.get(OTHER, newest!.id)).toBeNull();
          expect(await s.messages.get(MIND, 'no-such-id')).toBeNull();
        }),
      );

      it(
        'appends with defaults from the clock, and hands out copies',
        withStores(async ({ s, clock }) => {
          const m = await s.messages.append({
            mindId: MIND,
            role: 'system',
            content: 'be kind',
            environmentId: 'env-1',
          });
          expect(m).toEqual({
            id: expect.any(String),
            mindId: MIND,
            role: 'system',
            content: 'be kind',
            userEmail: null,
            environmentId: 'env-1',
            metadata: {},
            createdAt: clock.now(),
            archived: false,
            sourceKey: null,
          });
          const withMeta = await s.messages.append({
            mindId: MIND,
            role: 'user',
            content: 'x',
            metadata: { nested: { a: [1, 2] } },
          });
          (withMeta.metadata.nested as { a: number[] }).a.push(3);
          expect((await s.messages.get(MIND, withMeta.id))?.metadata).toEqual({ nested: { a: [1, 2] } });
          const twice = await s.messages.append({ mindId: MIND, role: 'user', content: 'x' });
          expect(twice.id).not.toBe(withMeta.id);
          expect(await s.messages.count({ mindId: MIND })).toBe(3);
        }),
      );

      it(
        'imports idempotently by source key (per mind), keeping the insertion order of rows with the same time',
        withStores(async ({ s }) => {
          // Imported history often shares one timestamp: ties must come back in insertion order.
          const batch = ['a', 'b', 'c'].map((content, i) => ({
            mindId: MIND,
            role: 'user' as const,
            content,
            createdAt: 1000,
            sourceKey: `legacy:${i}`,
          }));
          expect(await s.messages.appendMany(batch)).toEqual({ inserted: 3, skipped: 0 });
          expect(await s.messages.appendMany(batch)).toEqual({ inserted: 0, skipped: 3 });
          expect(
            await s.messages.appendMany([
              ...batch,
              { ...batch[0]!, sourceKey: 'legacy:3', content: 'd', createdAt: 2000 },
            ]),
          ).toEqual({
            inserted: 1,
            skipped: 3,
          });
          const again = await s.messages.append(batch[1]!);
          const page = await s.messages.list({ mindId: MIND, limit: 10, order: 'asc' });
          expect(page.items.map((m) => m.content)).toEqual(['a', 'b', 'c', 'd']);
          expect(again).toEqual(page.items[1]);
          // The same key under another mind is another message.
          expect(await s.messages.appendMany(batch.map((m) => ({ ...m, mindId: OTHER })))).toEqual({
            inserted: 3,
            skipped: 0,
          });
          expect(await s.messages.appendMany([])).toEqual({ inserted: 0, skipped: 0 });
        }),
      );

      it(
        'rejects bad input and bad cursors with clear errors, writing nothing',
        withStores(async ({ s }) => {
          await s.messages.append({ mindId: MIND, role: 'user', content: 'first' });
          await expect(s.messages.append({ mindId: MIND, role: 'robot' as never, content: 'x' })).rejects.toThrow(
            /role must be one of user, assistant, system, tool/,
          );
          await expect(
            s.messages.appendMany([
              { mindId: MIND, role: 'user', content: 'fine' },
              { mindId: MIND, role: 'user', content: 'bad', createdAt: -5 },
            ]),
          ).rejects.toThrow(/createdAt/);
          await expect(s.messages.append({ mindId: '', role: 'user', content: 'x' })).rejects.toThrow(/mindId/);
          await expect(s.messages.list({ mindId: MIND, limit: 0 })).rejects.toThrow(
            /limit must be an integer from 1 to 1000/,
          );
          await expect(s.messages.list({ mindId: MIND, limit: 1001 })).rejects.toThrow(
            /limit must be an integer from 1 to 1000/,
          );
          await expect(s.messages.list({ mindId: MIND, limit: 5, cursor: 'garbage' })).rejects.toMatchObject({
            name: 'GenesisError',
            code: 'INVALID_CURSOR',
            field: 'cursor',
          });
          const wrongShape = Buffer.from(JSON.stringify({ key: 1 })).toString('base64url');
          await expect(s.messages.list({ mindId: MIND, limit: 5, cursor: wrongShape })).rejects.toMatchObject({
            name: 'GenesisError',
            code: 'INVALID_CURSOR',
            field: 'cursor',
          });
          expect(await s.messages.count({ mindId: MIND })).toBe(1);
        }),
      );

      it(
        'hides archived messages unless asked, and archives and deletes by age (retention)',
        withStores(async ({ s }) => {
          await s.messages.appendMany(
            [1, 2, 3, 4].map((t) => ({ mindId: MIND, role: 'user' as const, content: `t${t}`, createdAt: t * 1000 })),
          );
          await s.messages.append({ mindId: OTHER, role: 'user', content: 'old, other mind', createdAt: 1000 });
          expect(await s.messages.archiveBefore(MIND, 3000)).toBe(2);
          expect(await s.messages.archiveBefore(MIND, 3000)).toBe(0);
          expect(await s.messages.count({ mindId: MIND })).toBe(2);
          expect(await s.messages.count({ mindId: MIND, includeArchived: true })).toBe(4);
          expect(
            (await s.messages.list({ mindId: MIND, limit: 10, order: 'asc' })).items.map((m) => m.content),
          ).toEqual(['t3', 't4']);
          const all = await s.messages.list({ mindId: MIND, limit: 10, order: 'asc', includeArchived: true });
          expect(all.items.map((m) => [m.content, m.archived])).toEqual([
            ['t1', true],
            ['t2', true],
            ['t3', false],
            ['t4', false],
          ]);
          expect(await s.messages.deleteBefore(MIND, 10_000)).toBe(2);
          expect(await s.messages.count({ mindId: MIND, includeArchived: true })).toBe(2);
          expect(await s.messages.deleteBefore(MIND, 10_000, { all: true })).toBe(2);
          expect(await s.messages.count({ mindId: MIND, includeArchived: true })).toBe(0);
          expect(await s.messages.count({ mindId: OTHER })).toBe(1);
          await expect(s.messages.archiveBefore(MIND, -1)).rejects.toThrow(/before/);
        }),
      );

      it(
        'returns an empty last page for a mind without messages',
        withStores(async ({ s }) => {
          expect(await s.messages.list({ mindId: MIND, limit: 10 })).toEqual({ items: [], nextCursor: null });
          expect(await s.messages.count({ mindId: MIND })).toBe(0);
        }),
      );

      it(
        'keeps rows with the same createdAt across a page edge: each once, in (createdAt, id) order, both directions',
        withStores(async ({ s }) => {
          const t = 5_000;
          const rows = [
            await s.messages.append({ mindId: MIND, role: 'user', content: 'before', createdAt: t - 1 }),
            ...(await Promise.all(
              [1, 2, 3, 4, 5].map((i) =>
                s.messages.append({ mindId: MIND, role: 'user', content: `tie${i}`, createdAt: t }),
              ),
            )),
            await s.messages.append({ mindId: MIND, role: 'user', content: 'after', createdAt: t + 1 }),
          ];
          for (const order of ['asc', 'desc'] as const) {
            const { items, pages } = await allPages((cursor) =>
              s.messages.list({ mindId: MIND, limit: 3, cursor, order }),
            );
            expect(pages).toBe(3);
            expect(items.map((m) => m.id)).toEqual(
              keysetOrder(
                rows,
                (m) => m.createdAt,
                (m) => m.id,
                order,
              ),
            );
          }
        }),
      );

      it(
        'visits every row exactly once while rows are being inserted',
        withStores(async ({ s, clock }) => {
          const t0 = clock.now();
          await s.messages.appendMany(
            Array.from({ length: 300 }, (_, i) => ({
              mindId: MIND,
              role: 'user' as const,
              content: `old${i}`,
              createdAt: t0 + i,
            })),
          );
          const seen = new Map<string, number>();
          let cursor: string | null = null;
          let page = 0;
          do {
            const result: Page<{ id: string }> = await s.messages.list({ mindId: MIND, limit: 25, cursor });
            for (const msg of result.items) seen.set(msg.id, (seen.get(msg.id) ?? 0) + 1);
            cursor = result.nextCursor;
            // Writers keep adding newer messages (and some with the same timestamp as the page edge).
            await Promise.all([
              s.messages.append({ mindId: MIND, role: 'user', content: `new${page}`, createdAt: t0 + 10_000 + page }),
              s.messages.append({ mindId: MIND, role: 'user', content: `tie${page}`, createdAt: t0 + 299 }),
            ]);
            page++;
          } while (cursor);
          const old = await s.messages.list({ mindId: MIND, limit: 1000, order: 'asc', until: t0 + 299 });
          expect(old.items).toHaveLength(299);
          for (const msg of old.items) expect(seen.get(msg.id)).toBe(1);
          expect([...seen.values()].every((n) => n === 1)).toBe(true);
        }),
      );
    });

    describe('concerns', () => {
      const t = (h: number) => Date.UTC(2026, 0, 1, h);

      it(
        'creates, reads and lists concerns by status, user and follow-up window',
        withStores(async ({ s, clock }) => {
          const a = await s.concerns.insert({
            mindId: MIND,
            concernType: 'health',
            description: 'surgery',
            nextCheckAt: t(5),
            userEmail: 'a@x.io',
            severity: 0.9,
            urgency: 'high',
            memoryId: 'mem-1',
            metadata: { k: 1 },
            expiresAt: t(48),
          });
          const b = await s.concerns.insert({
            mindId: MIND,
            concernType: 'task',
            description: 'taxes',
            nextCheckAt: t(2),
            userEmail: 'b@x.io',
          });
          const c = await s.concerns.insert({
            mindId: MIND,
            concernType: 'emotion',
            description: 'sad',
            nextCheckAt: t(9),
            userEmail: 'a@x.io',
          });
          await s.concerns.insert({ mindId: OTHER, concernType: 'task', description: 'not yours', nextCheckAt: t(1) });
          expect(await s.concerns.get(MIND, a.id)).toEqual(a);
          expect(await s.concerns.findById(a.id)).toEqual(a);
          expect(await s.concerns.get(OTHER, a.id)).toBeNull();
          expect(await s.concerns.findById('no-such-id')).toBeNull();
          expect(a).toMatchObject({
            mindId: MIND,
            status: 'active',
            followUpCount: 0,
            severity: 0.9,
            urgency: 'high',
            memoryId: 'mem-1',
            metadata: { k: 1 },
            expiresAt: t(48),
            lastCheckedAt: null,
            resolvedAt: null,
            createdAt: clock.now(),
            updatedAt: clock.now(),
          });
          expect(b).toMatchObject({ severity: 0.5, urgency: 'normal', metadata: {}, memoryId: null, expiresAt: null });

          const all = await s.concerns.list({ mindId: MIND, limit: 10 });
          expect(all).toEqual({ items: [b, a, c], nextCursor: null });
          const window = await s.concerns.list({
            mindId: MIND,
            status: 'active',
            dueAfter: t(3),
            dueBefore: t(9),
            limit: 10,
          });
          expect(window.items.map((x) => x.id)).toEqual([a.id]);
          expect((await s.concerns.list({ mindId: MIND, dueAfter: t(5), limit: 10 })).items.map((x) => x.id)).toEqual([
            a.id,
            c.id,
          ]);
          const ofA = await s.concerns.list({ mindId: MIND, userEmail: 'a@x.io', limit: 1 });
          expect(ofA.items.map((x) => x.id)).toEqual([a.id]);
          const next = await s.concerns.list({ mindId: MIND, userEmail: 'a@x.io', limit: 1, cursor: ofA.nextCursor });
          expect(next.items.map((x) => x.id)).toEqual([c.id]);
          expect(next.nextCursor).toBeNull();
          expect(await s.concerns.count({ mindId: MIND, status: ['active', 'snoozed'] })).toBe(3);
          expect(await s.concerns.count({ mindId: MIND, status: 'snoozed' })).toBe(0);
          expect(await s.concerns.count({ mindId: MIND, userEmail: 'a@x.io' })).toBe(2);
          await expect(s.concerns.list({ mindId: MIND, status: 'open' as never, limit: 5 })).rejects.toThrow(
            /status must be one of/,
          );
          await expect(s.concerns.list({ mindId: MIND, limit: 5, cursor: 'garbage' })).rejects.toMatchObject({
            name: 'GenesisError',
            code: 'INVALID_CURSOR',
            field: 'cursor',
          });
        }),
      );

      it(
        'finds due concerns, guards status transitions and expires old ones',
        withStores(async ({ s, clock }) => {
          const due1 = await s.concerns.insert({
            mindId: MIND,
            concernType: 'personal',
            description: 'call mom',
            nextCheckAt: t(1),
          });
          const later = await s.concerns.insert({
            mindId: MIND,
            concernType: 'personal',
            description: 'later',
            nextCheckAt: t(20),
            expiresAt: t(10),
          });
          expect((await s.concerns.due(MIND, t(3), 10)).map((x) => x.id)).toEqual([due1.id]);

          clock.advance(1000);
          const checked = await s.concerns.update(MIND, due1.id, {
            lastCheckedAt: t(3),
            nextCheckAt: t(6),
            followUpCount: 1,
          });
          expect(checked).toMatchObject({
            lastCheckedAt: t(3),
            nextCheckAt: t(6),
            followUpCount: 1,
            updatedAt: clock.now(),
            createdAt: due1.createdAt,
          });
          expect(await s.concerns.due(MIND, t(3), 10)).toEqual([]);

          const resolved = await s.concerns.update(MIND, due1.id, { status: 'resolved', resolvedAt: t(4) }, [
            'active',
            'snoozed',
          ]);
          expect(resolved?.status).toBe('resolved');
          expect(await s.concerns.update(MIND, due1.id, { status: 'snoozed' }, ['active'])).toBeNull();
          expect((await s.concerns.get(MIND, due1.id))?.status).toBe('resolved');
          expect(await s.concerns.update(OTHER, due1.id, { description: 'moved' })).toBeNull();
          expect(await s.concerns.update(MIND, 'no-such-id', { description: 'x' })).toBeNull();

          expect(await s.concerns.expire(MIND, t(11))).toBe(1);
          expect(await s.concerns.get(MIND, later.id)).toMatchObject({ status: 'expired', updatedAt: t(11) });
          expect((await s.concerns.get(MIND, due1.id))?.status).toBe('resolved');
          expect(await s.concerns.expire(MIND, t(12))).toBe(0);
          await expect(
            s.concerns.insert({ mindId: MIND, concernType: 'weird' as never, description: 'x', nextCheckAt: 1 }),
          ).rejects.toThrow(/concernType must be one of/);
          await expect(s.concerns.update(MIND, later.id, { severity: 2 })).rejects.toThrow(
            /severity must be a number from 0 to 1/,
          );
          expect((await s.concerns.get(MIND, later.id))?.severity).toBe(0.5);
        }),
      );

      it(
        'due: active concerns of one mind whose time has come (inclusive), soonest first, at most limit',
        withStores(async ({ s }) => {
          const now = t(10);
          const exact = await s.concerns.insert({
            mindId: MIND,
            concernType: 'task',
            description: 'exactly now',
            nextCheckAt: now,
          });
          const early = await s.concerns.insert({
            mindId: MIND,
            concernType: 'task',
            description: 'early',
            nextCheckAt: t(1),
          });
          const mid = await s.concerns.insert({
            mindId: MIND,
            concernType: 'task',
            description: 'mid',
            nextCheckAt: t(5),
          });
          await s.concerns.insert({
            mindId: MIND,
            concernType: 'task',
            description: 'snoozed',
            nextCheckAt: t(2),
            status: 'snoozed',
          });
          await s.concerns.insert({ mindId: MIND, concernType: 'task', description: 'future', nextCheckAt: now + 1 });
          await s.concerns.insert({ mindId: OTHER, concernType: 'task', description: 'other mind', nextCheckAt: t(1) });
          expect((await s.concerns.due(MIND, now, 10)).map((c) => c.id)).toEqual([early.id, mid.id, exact.id]);
          expect((await s.concerns.due(MIND, now, 2)).map((c) => c.id)).toEqual([early.id, mid.id]);
          await expect(s.concerns.due(MIND, now, 0)).rejects.toThrow(/limit/);
        }),
      );

      it(
        'expire: active and snoozed concerns past their expiry, of one mind only',
        withStores(async ({ s }) => {
          const snoozed = await s.concerns.insert({
            mindId: MIND,
            concernType: 'task',
            description: 's',
            nextCheckAt: t(30),
            status: 'snoozed',
            expiresAt: t(5),
          });
          const active = await s.concerns.insert({
            mindId: MIND,
            concernType: 'task',
            description: 'a',
            nextCheckAt: t(30),
            expiresAt: t(6),
          });
          const dismissed = await s.concerns.insert({
            mindId: MIND,
            concernType: 'task',
            description: 'd',
            nextCheckAt: t(30),
            status: 'dismissed',
            expiresAt: t(1),
          });
          const never = await s.concerns.insert({
            mindId: MIND,
            concernType: 'task',
            description: 'n',
            nextCheckAt: t(30),
          });
          const other = await s.concerns.insert({
            mindId: OTHER,
            concernType: 'task',
            description: 'o',
            nextCheckAt: t(30),
            expiresAt: t(1),
          });
          expect(await s.concerns.expire(MIND, t(6))).toBe(2);
          const status = async (mindId: string, id: string) => (await s.concerns.get(mindId, id))?.status;
          expect(await status(MIND, snoozed.id)).toBe('expired');
          expect(await status(MIND, active.id)).toBe('expired');
          expect(await status(MIND, dismissed.id)).toBe('dismissed');
          expect(await status(MIND, never.id)).toBe('active');
          expect(await status(OTHER, other.id)).toBe('active');
        }),
      );

      it(
        'keeps concerns with the same nextCheckAt across a page edge: each once, in (nextCheckAt, id) order',
        withStores(async ({ s }) => {
          const rows = [
            await s.concerns.insert({ mindId: MIND, concernType: 'task', description: 'before', nextCheckAt: t(1) }),
            ...(await Promise.all(
              [1, 2, 3, 4, 5].map((i) =>
                s.concerns.insert({ mindId: MIND, concernType: 'task', description: `tie${i}`, nextCheckAt: t(2) }),
              ),
            )),
            await s.concerns.insert({ mindId: MIND, concernType: 'task', description: 'after', nextCheckAt: t(3) }),
          ];
          const { items, pages } = await allPages((cursor) => s.concerns.list({ mindId: MIND, limit: 3, cursor }));
          expect(pages).toBe(3);
          expect(items.map((c) => c.id)).toEqual(
            keysetOrder(
              rows,
              (c) => c.nextCheckAt,
              (c) => c.id,
              'asc',
            ),
          );
        }),
      );

      it(
        'insertMany stores every concern in one go, and none when one of them is invalid',
        withStores(async ({ s, clock }) => {
          const made = await s.concerns.insertMany(
            Array.from({ length: 3 }, (_, i) => ({
              mindId: MIND,
              concernType: 'task' as const,
              description: `c${i}`,
              nextCheckAt: t(i),
              userEmail: i === 1 ? 'a@x.io' : null,
              metadata: { i },
            })),
          );
          expect(made.map((c) => c.description)).toEqual(['c0', 'c1', 'c2']);
          expect(made[1]).toMatchObject({
            status: 'active',
            userEmail: 'a@x.io',
            metadata: { i: 1 },
            createdAt: clock.now(),
          });
          expect(new Set(made.map((c) => c.id)).size).toBe(3);
          for (const c of made) expect(await s.concerns.get(MIND, c.id)).toEqual(c);
          expect(await s.concerns.insertMany([])).toEqual([]);

          const bad = [
            { mindId: MIND, concernType: 'task' as const, description: 'fine', nextCheckAt: t(1) },
            { mindId: MIND, concernType: 'task' as const, description: 'fine too', nextCheckAt: t(2) },
            { mindId: MIND, concernType: 'task' as const, description: 'bad', nextCheckAt: t(3), severity: 7 },
          ];
          await expect(s.concerns.insertMany(bad)).rejects.toMatchObject({ code: 'INVALID_INPUT', field: 'severity' });
          const cyclic: Record<string, unknown> = {};
          cyclic.self = cyclic;
          await expect(
            s.concerns.insertMany([
              { mindId: MIND, concernType: 'task', description: 'fine', nextCheckAt: t(1) },
              { mindId: MIND, concernType: 'task', description: 'cyclic', nextCheckAt: t(1), metadata: cyclic },
            ]),
          ).rejects.toMatchObject({ code: 'INVALID_INPUT' });
          expect(await s.concerns.count({ mindId: MIND })).toBe(3);
        }),
      );

      it(
        'due pages through 250 due concerns with `after`: each once, in (nextCheckAt, id) order',
        withStores(async ({ s }) => {
          // Many share a check time, so that pages end inside runs of equal nextCheckAt.
          const rows = await s.concerns.insertMany(
            Array.from({ length: 260 }, (_, i) => ({
              mindId: MIND,
              concernType: 'task' as const,
              description: `c${i}`,
              nextCheckAt: i < 250 ? t(i % 7) : t(30),
              status: i % 50 === 49 ? ('snoozed' as const) : ('active' as const),
            })),
          );
          const due = rows.filter((c) => c.nextCheckAt <= t(10) && c.status === 'active');
          expect(due).toHaveLength(245);
          const seen: string[] = [];
          let after: { nextCheckAt: number; id: string } | null = null;
          for (let batches = 0; ; batches++) {
            expect(batches).toBeLessThan(100);
            const batch: Awaited<ReturnType<typeof s.concerns.due>> = await s.concerns.due(MIND, t(10), 40, after);
            seen.push(...batch.map((c) => c.id));
            if (batch.length < 40) break;
            const last = batch[batch.length - 1]!;
            after = { nextCheckAt: last.nextCheckAt, id: last.id };
          }
          expect(seen).toEqual(
            keysetOrder(
              due,
              (c) => c.nextCheckAt,
              (c) => c.id,
              'asc',
            ),
          );
          // Woken, the 5 snoozed ones are due too: all 250, each once.
          expect(await s.concerns.wake(MIND, t(10))).toBe(5);
          const all: string[] = [];
          after = null;
          for (;;) {
            const batch: Awaited<ReturnType<typeof s.concerns.due>> = await s.concerns.due(MIND, t(10), 100, after);
            all.push(...batch.map((c) => c.id));
            if (batch.length < 100) break;
            after = { nextCheckAt: batch[99]!.nextCheckAt, id: batch[99]!.id };
          }
          expect(all).toHaveLength(250);
          expect(new Set(all).size).toBe(250);
          await expect(s.concerns.due(MIND, t(10), 5, { nextCheckAt: -1, id: 'x' })).rejects.toMatchObject({
            code: 'INVALID_INPUT',
            field: 'after.nextCheckAt',
          });
        }),
      );

      it(
        'wake and expire are set-based: they change exactly the rows whose time has come and say how many',
        withStores(async ({ s, clock }) => {
          const insert = (description: string, extra: Partial<Parameters<typeof s.concerns.insert>[0]>) =>
            s.concerns.insert({ mindId: MIND, concernType: 'task', description, nextCheckAt: t(5), ...extra });
          const early = await insert('snoozed until 2', { status: 'snoozed', nextCheckAt: t(2) });
          const exact = await insert('snoozed until 4', { status: 'snoozed', nextCheckAt: t(4) });
          const late = await insert('snoozed until 9', { status: 'snoozed', nextCheckAt: t(9) });
          const dismissed = await insert('dismissed', { status: 'dismissed', nextCheckAt: t(1) });
          const other = await s.concerns.insert({
            mindId: OTHER,
            concernType: 'task',
            description: 'other',
            nextCheckAt: t(1),
            status: 'snoozed',
          });
          const expiring = await insert('expires 3', { expiresAt: t(3) });
          const snoozedExpiring = await insert('snoozed, expires 4', {
            status: 'snoozed',
            nextCheckAt: t(9),
            expiresAt: t(4),
          });
          await insert('expires 20', { expiresAt: t(20) });
          await insert('resolved, expired', { status: 'resolved', expiresAt: t(1) });

          clock.set(t(4));
          expect(await s.concerns.expire(MIND, t(4))).toBe(2);
          expect(await s.concerns.wake(MIND, t(4))).toBe(2);
          const status = async (mindId: string, id: string) => (await s.concerns.get(mindId, id))?.status;
          expect(await status(MIND, early.id)).toBe('active');
          expect(await s.concerns.get(MIND, exact.id)).toMatchObject({ status: 'active', updatedAt: t(4) });
          expect(await status(MIND, late.id)).toBe('snoozed');
          expect(await status(MIND, dismissed.id)).toBe('dismissed');
          expect(await status(OTHER, other.id)).toBe('snoozed');
          expect(await status(MIND, expiring.id)).toBe('expired');
          expect(await status(MIND, snoozedExpiring.id)).toBe('expired');
          // Again at the same time: nothing left to change.
          expect(await s.concerns.expire(MIND, t(4))).toBe(0);
          expect(await s.concerns.wake(MIND, t(4))).toBe(0);
          expect(await s.concerns.count({ mindId: MIND, status: 'expired' })).toBe(2);
          expect(await s.concerns.count({ mindId: MIND, status: ['active', 'snoozed'] })).toBe(4);
        }),
      );

      it(
        'recordFire records each (concern, check) once; fires lists them oldest first; countFires counts a window',
        withStores(async ({ s }) => {
          const [a, b, c] = await s.concerns.insertMany(
            ['a', 'b', 'c'].map((d) => ({
              mindId: MIND,
              concernType: 'health' as const,
              description: d,
              nextCheckAt: t(1),
              userEmail: d === 'c' ? null : 'ann@x.io',
            })),
          );
          const fire = (concern: StoredConcern, checkAt: number, firedAt: number, taskId: string | null = null) => ({
            concernId: concern.id,
            mindId: MIND,
            userEmail: concern.userEmail,
            checkAt,
            firedAt,
            taskId,
          });
          expect(await s.concerns.recordFire(fire(a!, t(1), t(1) + 5, 'task-1'))).toBe(true);
          // The same check again (a second daemon, a restart): refused, nothing written.
          expect(await s.concerns.recordFire(fire(a!, t(1), t(2), 'task-2'))).toBe(false);
          expect(await s.concerns.recordFire(fire(a!, t(4), t(4)))).toBe(true);
          expect(await s.concerns.recordFire(fire(b!, t(2), t(2) + 1))).toBe(true);
          expect(await s.concerns.recordFire(fire(c!, t(3), t(3)))).toBe(true);
          await s.concerns.recordFire({ ...fire(a!, t(1), t(1)), mindId: OTHER, concernId: 'elsewhere' });

          expect(await s.concerns.fires(MIND, [a!.id, b!.id])).toEqual([
            fire(a!, t(1), t(1) + 5, 'task-1'),
            fire(b!, t(2), t(2) + 1),
            fire(a!, t(4), t(4)),
          ]);
          expect(await s.concerns.fires(MIND, [c!.id, 'no-such-id'])).toEqual([fire(c!, t(3), t(3))]);
          expect(await s.concerns.fires(OTHER, [a!.id])).toEqual([]);
          expect(await s.concerns.fires(MIND, [])).toEqual([]);

          expect(await s.concerns.countFires(MIND, 'ann@x.io', t(1))).toBe(3);
          expect(await s.concerns.countFires(MIND, 'ann@x.io', t(1) + 6)).toBe(2);
          expect(await s.concerns.countFires(MIND, 'ann@x.io', t(2) + 1)).toBe(2);
          expect(await s.concerns.countFires(MIND, 'ann@x.io', t(2) + 2)).toBe(1);
          expect(await s.concerns.countFires(MIND, 'ann@x.io', t(5))).toBe(0);
          expect(await s.concerns.countFires(MIND, null, 0)).toBe(1);
          expect(await s.concerns.countFires(MIND, 'bob@x.io', 0)).toBe(0);
          expect(await s.concerns.countFires(OTHER, 'ann@x.io', 0)).toBe(1);

          await expect(s.concerns.recordFire({ ...fire(a!, t(9), t(9)), checkAt: -5 })).rejects.toMatchObject({
            code: 'INVALID_INPUT',
            field: 'checkAt',
          });
          await expect(s.concerns.recordFire({ ...fire(a!, t(9), t(9)), concernId: '' })).rejects.toMatchObject({
            field: 'concernId',
          });
          expect(await s.concerns.fires(MIND, [a!.id])).toHaveLength(2);
        }),
      );

      it(
        'a fire recorded in a unit of work that fails is rolled back with the concern update, and can fire then',
        withStores(async ({ s, unitOfWork }) => {
          const c = await s.concerns.insert({
            mindId: MIND,
            concernType: 'task',
            description: 'taxes',
            nextCheckAt: t(1),
            userEmail: 'ann@x.io',
          });
          const fire = {
            concernId: c.id,
            mindId: MIND,
            userEmail: 'ann@x.io',
            checkAt: t(1),
            firedAt: t(1),
            taskId: null,
          };
          const boom = new Error('notifier task could not be enqueued');
          await expect(
            unitOfWork.run(async (tx) => {
              expect(await tx.concerns.recordFire(fire)).toBe(true);
              await tx.concerns.update(MIND, c.id, { nextCheckAt: t(4), followUpCount: 1 });
              throw boom;
            }),
          ).rejects.toBe(boom);
          expect(await s.concerns.fires(MIND, [c.id])).toEqual([]);
          expect(await s.concerns.countFires(MIND, 'ann@x.io', 0)).toBe(0);
          expect(await s.concerns.get(MIND, c.id)).toMatchObject({ nextCheckAt: t(1), followUpCount: 0 });

          const fired = await unitOfWork.run(async (tx) => {
            if (!(await tx.concerns.recordFire(fire))) return false;
            await tx.concerns.update(MIND, c.id, { nextCheckAt: t(4), followUpCount: 1 });
            return true;
          });
          expect(fired).toBe(true);
          // A second run for the same check (a racing daemon): refused, and its update not made.
          const again = await unitOfWork.run(async (tx) => {
            if (!(await tx.concerns.recordFire({ ...fire, firedAt: t(2) }))) return false;
            await tx.concerns.update(MIND, c.id, { nextCheckAt: t(9), followUpCount: 2 });
            return true;
          });
          expect(again).toBe(false);
          expect(await s.concerns.fires(MIND, [c.id])).toEqual([fire]);
          expect(await s.concerns.get(MIND, c.id)).toMatchObject({ nextCheckAt: t(4), followUpCount: 1 });
          // insertMany inside a unit of work that fails keeps none either.
          await expect(
            unitOfWork.run(async (tx) => {
              await tx.concerns.insertMany([
                { mindId: MIND, concernType: 'task', description: 'x', nextCheckAt: t(1) },
                { mindId: MIND, concernType: 'task', description: 'y', nextCheckAt: t(1) },
              ]);
              throw boom;
            }),
          ).rejects.toBe(boom);
          expect(await s.concerns.count({ mindId: MIND })).toBe(1);
        }),
      );
    });

    describe('tasks', () => {
      /** What a worker keeps of a claimed task to write its attempt: the id and the claim's token. */
      const lease = (task: { id: string; leaseToken: string | null }) => ({
        id: task.id,
        token: task.leaseToken ?? '',
      });
      const TOKEN = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

      it(
        'enqueues idempotently per mind and lists by status, mind, type and run time',
        withStores(async ({ s, clock }) => {
          const now = clock.now();
          const first = await s.tasks.enqueue({
            mindId: MIND,
            type: 'reflect',
            payload: { a: 1 },
            idempotencyKey: 'daily-1',
            runAt: now + 50,
            timeoutMs: 60_000,
          });
          const again = await s.tasks.enqueue({
            mindId: MIND,
            type: 'reflect',
            payload: { a: 2 },
            idempotencyKey: 'daily-1',
          });
          expect(first.created).toBe(true);
          expect(first.task).toEqual({
            id: expect.any(String),
            mindId: MIND,
            type: 'reflect',
            payload: { a: 1 },
            status: 'pending',
            priority: 0,
            runAt: now + 50,
            attempts: 0,
            maxAttempts: 5,
            leaseOwner: null,
            leaseToken: null,
            leaseExpiresAt: null,
            timeoutMs: 60_000,
            progress: null,
            lastError: null,
            result: null,
            idempotencyKey: 'daily-1',
            createdAt: now,
            updatedAt: now,
            finishedAt: null,
          });
          expect(again).toEqual({ task: first.task, created: false });
          const other = await s.tasks.enqueue({
            mindId: OTHER,
            type: 'reflect',
            idempotencyKey: 'daily-1',
            runAt: now + 10,
          });
          expect(other.created).toBe(true);
          const plain = await s.tasks.enqueue({ mindId: MIND, type: 'dream', runAt: now + 20 });
          const plain2 = await s.tasks.enqueue({
            mindId: MIND,
            type: 'dream',
            runAt: now + 30,
            maxAttempts: 1,
            timeoutMs: 24 * 3_600_000,
          });
          expect(plain2.task).toMatchObject({ maxAttempts: 1, payload: null, runAt: now + 30, timeoutMs: 86_400_000 });
          expect(plain.task.timeoutMs).toBeNull();
          const page1 = await s.tasks.list({ status: 'pending', limit: 2 });
          const page2 = await s.tasks.list({ status: 'pending', limit: 2, cursor: page1.nextCursor });
          expect([...page1.items, ...page2.items].map((x) => x.id)).toEqual([
            other.task.id,
            plain.task.id,
            plain2.task.id,
            first.task.id,
          ]);
          expect(page2.nextCursor).toBeNull();
          expect(
            (await s.tasks.list({ status: 'pending', mindId: MIND, runBefore: now + 30, limit: 10 })).items.map(
              (x) => x.id,
            ),
          ).toEqual([plain.task.id, plain2.task.id]);
          // No status: every status. A type: only that type.
          await s.tasks.claim({ owner: 'w', now: now + 20, leaseMs: 1000, limit: 1, mindIds: [MIND] });
          expect((await s.tasks.list({ mindId: MIND, limit: 10 })).items.map((x) => [x.id, x.status])).toEqual([
            [plain.task.id, 'running'],
            [plain2.task.id, 'pending'],
            [first.task.id, 'pending'],
          ]);
          expect((await s.tasks.list({ mindId: MIND, type: 'dream', limit: 10 })).items.map((x) => x.id)).toEqual([
            plain.task.id,
            plain2.task.id,
          ]);
          expect(
            (await s.tasks.list({ mindId: MIND, type: 'dream', status: 'pending', limit: 10 })).items.map((x) => x.id),
          ).toEqual([plain2.task.id]);
          expect((await s.tasks.list({ type: 'reflect', limit: 10 })).items.map((x) => x.id)).toEqual([
            other.task.id,
            first.task.id,
          ]);
          expect((await s.tasks.list({ limit: 10 })).items).toHaveLength(4);
          expect(await s.tasks.count({ status: 'pending', mindId: MIND })).toBe(2);
          expect(await s.tasks.count({ status: 'pending' })).toBe(3);
          expect(await s.tasks.count({ type: 'dream' })).toBe(2);
          expect(await s.tasks.count({ mindId: OTHER, type: 'dream' })).toBe(0);
          expect(await s.tasks.count({})).toBe(4);
          expect(await s.tasks.get(first.task.id)).toEqual(first.task);
          expect(await s.tasks.get('no-such-id')).toBeNull();
          await expect(s.tasks.list({ status: 'waiting' as never, limit: 5 })).rejects.toThrow(/status must be one of/);
          await expect(s.tasks.count({ status: 'waiting' as never })).rejects.toThrow(/status must be one of/);
          await expect(s.tasks.enqueue({ mindId: MIND, type: '' })).rejects.toThrow(/type/);
          await expect(s.tasks.list({ status: 'pending', limit: 5, cursor: 'garbage' })).rejects.toMatchObject({
            name: 'GenesisError',
            code: 'INVALID_CURSOR',
            field: 'cursor',
          });
        }),
      );

      it(
        'enqueues many in one step, in order: a repeated key returns the first task, one bad task stores none',
        withStores(async ({ s, clock }) => {
          const now = clock.now();
          expect(await s.tasks.enqueueMany([])).toEqual([]);
          const results = await s.tasks.enqueueMany([
            { mindId: MIND, type: 'a', idempotencyKey: 'k1', runAt: now + 1 },
            { mindId: MIND, type: 'b', runAt: now + 2, timeoutMs: 5000, priority: 3, payload: [1, 2] },
            { mindId: MIND, type: 'c', idempotencyKey: 'k1' },
            { mindId: OTHER, type: 'c', idempotencyKey: 'k1' },
          ]);
          expect(results.map((r) => [r.task.type, r.task.mindId, r.created])).toEqual([
            ['a', MIND, true],
            ['b', MIND, true],
            ['a', MIND, false],
            ['c', OTHER, true],
          ]);
          expect(results[2]!.task).toEqual(results[0]!.task);
          expect(results[1]!.task).toMatchObject({ timeoutMs: 5000, priority: 3, payload: [1, 2], status: 'pending' });
          for (const r of results) expect(await s.tasks.get(r.task.id)).toEqual(r.task);
          const known = await s.tasks.enqueueMany([{ mindId: MIND, type: 'z', idempotencyKey: 'k1' }]);
          expect(known).toEqual([{ task: results[0]!.task, created: false }]);

          // The last task is bad: the ones before it are not kept either.
          await expect(
            s.tasks.enqueueMany([
              { mindId: MIND, type: 'x', idempotencyKey: 'k2' },
              { mindId: MIND, type: 'y' },
              { mindId: MIND, type: 'y', maxAttempts: 0 },
            ]),
          ).rejects.toMatchObject({ name: 'GenesisError', code: 'INVALID_INPUT', field: 'maxAttempts' });
          expect(await s.tasks.count({ mindId: MIND })).toBe(2);
          expect((await s.tasks.enqueue({ mindId: MIND, type: 'x', idempotencyKey: 'k2' })).created).toBe(true);
        }),
      );

      it(
        'keeps an idempotency key taken after its task finished, until retention deletes the task',
        withStores(async ({ s, clock }) => {
          const now = clock.now();
          const first = await s.tasks.enqueue({ mindId: MIND, type: 'once', idempotencyKey: 'only-once', runAt: now });
          const [run] = await s.tasks.claim({ owner: 'w', now, leaseMs: 1000, limit: 1 });
          expect(await completeTask(s.tasks, lease(run!), 'done', now + 1)).toMatchObject({ status: 'succeeded' });
          const again = await s.tasks.enqueue({ mindId: MIND, type: 'once', idempotencyKey: 'only-once', payload: 2 });
          expect(again).toMatchObject({
            created: false,
            task: { id: first.task.id, status: 'succeeded', result: 'done', payload: null },
          });
          expect(await s.tasks.count({ mindId: MIND })).toBe(1);
          expect(await s.tasks.deleteFinishedBefore(now + 2)).toBe(1);
          const fresh = await s.tasks.enqueue({ mindId: MIND, type: 'once', idempotencyKey: 'only-once' });
          expect(fresh.created).toBe(true);
          expect(fresh.task.id).not.toBe(first.task.id);
        }),
      );

      it(
        'claims by priority, survives a crashed worker, retries and dies after max attempts',
        withStores(async ({ s, clock }) => {
          const m = MIND;
          const now = clock.now();
          const low = await s.tasks.enqueue({ mindId: m, type: 'low', runAt: now - 10, maxAttempts: 2 });
          const high = await s.tasks.enqueue({ mindId: m, type: 'high', runAt: now - 5, priority: 10 });
          const future = await s.tasks.enqueue({ mindId: m, type: 'future', runAt: now + 60_000 });

          const claimed = await s.tasks.claim({ mindIds: [m], owner: 'w1', now, leaseMs: 1000, limit: 5 });
          expect(claimed.map((x) => x.type)).toEqual(['high', 'low']);
          expect(claimed[0]).toMatchObject({
            status: 'running',
            attempts: 1,
            leaseOwner: 'w1',
            leaseToken: expect.stringMatching(TOKEN),
            leaseExpiresAt: now + 1000,
            updatedAt: now,
          });
          const [highRun, lowRun] = claimed;
          expect(await s.tasks.claim({ mindIds: [m], owner: 'w2', now, leaseMs: 1000, limit: 5 })).toEqual([]);

          const done = await completeTask(s.tasks, lease(highRun!), { ok: true }, now + 10);
          expect(done).toMatchObject({
            id: high.task.id,
            status: 'succeeded',
            result: { ok: true },
            finishedAt: now + 10,
            updatedAt: now + 10,
            leaseOwner: null,
            leaseToken: null,
            leaseExpiresAt: null,
          });
          expect(await completeTask(s.tasks, lease(highRun!), null, now + 11)).toBeNull();
          expect(await s.tasks.get(high.task.id)).toEqual(done);

          // w1 crashes holding "low": after its lease expires, w2 takes it over with a new token.
          const retaken = await s.tasks.claim({ mindIds: [m], owner: 'w2', now: now + 2000, leaseMs: 1000, limit: 5 });
          expect(retaken.map((x) => [x.id, x.attempts, x.leaseOwner])).toEqual([[low.task.id, 2, 'w2']]);
          expect(retaken[0]!.leaseToken).toMatch(TOKEN);
          expect(retaken[0]!.leaseToken).not.toBe(lowRun!.leaseToken);
          expect(await s.tasks.heartbeat(lease(lowRun!), now + 2000, 1000)).toBe(false);
          expect(await s.tasks.heartbeat(lease(retaken[0]!), now + 2100, 5000)).toBe(true);
          expect(await s.tasks.get(low.task.id)).toMatchObject({ leaseExpiresAt: now + 7100, updatedAt: now + 2100 });
          expect(await s.tasks.fail(lease(lowRun!), 'not mine', now + 2150, now + 3000)).toBeNull();

          const failed = await s.tasks.fail(lease(retaken[0]!), 'boom', now + 2200, now + 3000);
          expect(failed).toMatchObject({
            status: 'dead',
            lastError: 'boom',
            finishedAt: now + 2200,
            leaseOwner: null,
            leaseToken: null,
            leaseExpiresAt: null,
          });

          const retry = await s.tasks.enqueue({ mindId: m, type: 'retry', runAt: now, maxAttempts: 3 });
          const [retryRun] = await s.tasks.claim({
            mindIds: [m],
            owner: 'w3',
            now: now + 3000,
            leaseMs: 1000,
            limit: 1,
          });
          expect(retryRun?.id).toBe(retry.task.id);
          const again = await s.tasks.fail(lease(retryRun!), 'flaky', now + 3001, now + 4000);
          expect(again).toMatchObject({
            status: 'pending',
            runAt: now + 4000,
            attempts: 1,
            lastError: 'flaky',
            finishedAt: null,
            leaseOwner: null,
            leaseToken: null,
          });
          expect(await s.tasks.claim({ mindIds: [m], owner: 'w3', now: now + 3999, leaseMs: 1000, limit: 5 })).toEqual(
            [],
          );

          // A crashed worker on the last attempt: the lease expiry turns the task dead.
          const last = await s.tasks.enqueue({ mindId: m, type: 'last', runAt: now, maxAttempts: 1 });
          await s.tasks.claim({ mindIds: [m], owner: 'w4', now: now + 5000, leaseMs: 100, limit: 5 });
          await s.tasks.claim({ mindIds: [m], owner: 'w5', now: now + 6000, leaseMs: 100, limit: 5 });
          expect(await s.tasks.get(last.task.id)).toMatchObject({
            status: 'dead',
            lastError: expect.stringContaining('lease expired'),
            finishedAt: now + 6000,
            leaseToken: null,
          });

          expect((await s.tasks.cancel(future.task.id, now))?.status).toBe('cancelled');
          expect(await s.tasks.cancel(future.task.id, now)).toBeNull();
          expect(await s.tasks.deleteFinishedBefore(now + 100_000)).toBe(4);
          expect(await s.tasks.get(high.task.id)).toBeNull();
          expect(await s.tasks.count({ mindId: m })).toBe(1);
        }),
      );

      it(
        'claims across minds unless some are given, oldest first within a priority, up to limit',
        withStores(async ({ s, clock }) => {
          const now = clock.now();
          const a = await s.tasks.enqueue({ mindId: MIND, type: 'a', runAt: now - 30 });
          const b = await s.tasks.enqueue({ mindId: OTHER, type: 'b', runAt: now - 20 });
          const c = await s.tasks.enqueue({ mindId: MIND, type: 'c', runAt: now - 10 });
          expect(
            (await s.tasks.claim({ mindIds: [OTHER], owner: 'w', now, leaseMs: 100, limit: 5 })).map((x) => x.id),
          ).toEqual([b.task.id]);
          expect((await s.tasks.claim({ owner: 'w', now, leaseMs: 100, limit: 1 })).map((x) => x.id)).toEqual([
            a.task.id,
          ]);
          const [cRun] = await s.tasks.claim({ owner: 'w', now, leaseMs: 100, limit: 5 });
          expect(cRun?.id).toBe(c.task.id);
          expect(await s.tasks.count({ status: 'running' })).toBe(3);
          const aRun = await s.tasks.get(a.task.id);
          const cancelled = await s.tasks.cancel(a.task.id, now + 1);
          expect(cancelled).toMatchObject({
            status: 'cancelled',
            leaseOwner: null,
            leaseToken: null,
            leaseExpiresAt: null,
            finishedAt: now + 1,
          });
          expect(await s.tasks.heartbeat(lease(aRun!), now + 2, 100)).toBe(false);
          expect(await completeTask(s.tasks, lease(aRun!), null, now + 2)).toBeNull();
          expect(await s.tasks.get(a.task.id)).toEqual(cancelled);
          // Tokens belong to one task: c's token does not hold b.
          expect(await s.tasks.heartbeat({ id: b.task.id, token: cRun!.leaseToken! }, now + 2, 100)).toBe(false);
          await expect(s.tasks.claim({ owner: '', now, leaseMs: 100, limit: 5 })).rejects.toThrow(/owner/);
          await expect(s.tasks.claim({ owner: 'w', now, leaseMs: 100, limit: 0 })).rejects.toThrow(/limit/);
          await expect(s.tasks.claim({ owner: 'w', now, leaseMs: -1, limit: 5 })).rejects.toThrow(/leaseMs/);
        }),
      );

      it(
        'gives every claimed task its own token, and claims only the given minds and types, by priority, run time, id',
        withStores(async ({ s, clock }) => {
          const now = clock.now();
          const [low, dream, reflect, other, typeless, future, tieA, tieB] = (
            await s.tasks.enqueueMany([
              { mindId: MIND, type: 'reflect', runAt: now - 5 },
              { mindId: MIND, type: 'dream', runAt: now - 1, priority: 5 },
              { mindId: MIND, type: 'reflect', runAt: now - 3, priority: 5 },
              { mindId: OTHER, type: 'reflect', runAt: now - 9, priority: 9 },
              { mindId: MIND, type: 'unhandled', runAt: now - 9, priority: 10 },
              { mindId: MIND, type: 'reflect', runAt: now + 1, priority: 100 },
              { mindId: MIND, type: 'dream', runAt: now - 2, priority: 1 },
              { mindId: MIND, type: 'dream', runAt: now - 2, priority: 1 },
            ])
          ).map((r) => r.task);
          const opts = { owner: 'w', now, leaseMs: 1000 };
          // An empty list of minds or types: nothing to claim, nothing written.
          expect(await s.tasks.claim({ ...opts, limit: 5, mindIds: [] })).toEqual([]);
          expect(await s.tasks.claim({ ...opts, limit: 5, types: [] })).toEqual([]);
          expect(await s.tasks.count({ status: 'running' })).toBe(0);

          const only = { mindIds: [MIND], types: ['reflect', 'dream'] };
          const first = await s.tasks.claim({ ...opts, limit: 2, ...only });
          expect(first.map((t) => t.id)).toEqual([reflect!.id, dream!.id]);
          const second = await s.tasks.claim({ ...opts, limit: 5, ...only });
          const ties = [tieA!.id, tieB!.id].sort();
          expect(second.map((t) => t.id)).toEqual([...ties, low!.id]);
          const rest = await s.tasks.claim({ ...opts, limit: 5 });
          expect(rest.map((t) => t.id)).toEqual([typeless!.id, other!.id]);

          const tokens = [...first, ...second, ...rest].map((t) => t.leaseToken);
          for (const token of tokens) expect(token).toMatch(TOKEN);
          expect(new Set(tokens).size).toBe(7);
          for (const t of [...first, ...second, ...rest]) expect(await s.tasks.get(t.id)).toEqual(t);
          expect((await s.tasks.get(future!.id))?.status).toBe('pending');
        }),
      );

      it(
        'hands each task to one claimer when several claim at once',
        withStores(async ({ s, clock }) => {
          const now = clock.now();
          await s.tasks.enqueueMany(
            Array.from({ length: 20 }, (_, i) => ({ mindId: MIND, type: `t${i}`, runAt: now })),
          );
          const batches = await Promise.all(
            Array.from({ length: 6 }, (_, i) => s.tasks.claim({ owner: `w${i}`, now, leaseMs: 1000, limit: 4 })),
          );
          const claimed = batches.flat();
          expect(new Set(claimed.map((t) => t.id)).size).toBe(claimed.length);
          expect(new Set(claimed.map((t) => t.leaseToken)).size).toBe(claimed.length);
          expect(await s.tasks.count({ status: 'running' })).toBe(claimed.length);
          // A claimer may skip rows another one holds locked, so some may be left for the next round.
          const rest = await s.tasks.claim({ owner: 'late', now, leaseMs: 1000, limit: 100 });
          expect(claimed.length + rest.length).toBe(20);
          expect((await s.tasks.counts(MIND)).running).toBe(20);
        }),
      );

      it(
        'refuses every write of a stale worker whose lease expired and was claimed again: nothing changes',
        withStores(async ({ s, clock }) => {
          const now = clock.now();
          const { task } = await s.tasks.enqueue({ mindId: MIND, type: 'slow', runAt: now, maxAttempts: 3 });
          const [first] = await s.tasks.claim({ owner: 'w1', now, leaseMs: 1000, limit: 1 });
          // A token no claim handed out never holds the task.
          const forged = { id: task.id, token: '00000000-0000-4000-8000-000000000000' };
          const held = await s.tasks.get(task.id);
          expect(await s.tasks.heartbeat(forged, now + 1, 1000)).toBe(false);
          expect(await s.tasks.progress(forged, 1, now + 1)).toBe(false);
          expect(await completeTask(s.tasks, forged, 1, now + 1)).toBeNull();
          expect(await s.tasks.fail(forged, 'x', now + 1, now + 2)).toBeNull();
          expect(await s.tasks.release(forged, now + 1)).toBeNull();
          expect(await s.tasks.get(task.id)).toEqual(held);

          // w1 stalls past its lease; w2 takes the task over.
          const [second] = await s.tasks.claim({ owner: 'w2', now: now + 1000, leaseMs: 1000, limit: 1 });
          expect(second).toMatchObject({ id: task.id, attempts: 2, leaseOwner: 'w2' });
          expect(second!.leaseToken).not.toBe(first!.leaseToken);
          const taken = await s.tasks.get(task.id);
          const stale = lease(first!);
          expect(await s.tasks.heartbeat(stale, now + 1100, 60_000)).toBe(false);
          expect(await s.tasks.progress(stale, { step: 9 }, now + 1100)).toBe(false);
          expect(await completeTask(s.tasks, stale, 'late', now + 1100)).toBeNull();
          expect(await s.tasks.completeMany([{ lease: stale, result: 'late' }], now + 1100)).toEqual([null]);
          expect(await s.tasks.fail(stale, 'late', now + 1100, now + 5000)).toBeNull();
          expect(await s.tasks.release(stale, now + 1100)).toBeNull();
          expect(await s.tasks.get(task.id)).toEqual(taken);

          // The current holder still writes.
          expect(await completeTask(s.tasks, lease(second!), 'ok', now + 1200)).toMatchObject({
            status: 'succeeded',
            result: 'ok',
            attempts: 2,
          });
        }),
      );

      it(
        'counts each crashed attempt when reclaiming an expired lease, and buries the task after maxAttempts crashes',
        withStores(async ({ s, clock }) => {
          const now = clock.now();
          const { task } = await s.tasks.enqueue({ mindId: MIND, type: 'crashy', runAt: now, maxAttempts: 3 });
          let at = now;
          for (const n of [1, 2, 3]) {
            const claimed = await s.tasks.claim({ owner: `w${n}`, now: at, leaseMs: 100, limit: 5 });
            expect(claimed.map((t) => [t.id, t.attempts, t.leaseOwner])).toEqual([[task.id, n, `w${n}`]]);
            // Still within the lease: nobody else gets it.
            expect(await s.tasks.claim({ owner: 'other', now: at + 99, leaseMs: 100, limit: 5 })).toEqual([]);
            at += 100;
          }
          // The third worker crashed too: no attempts left, so the next claim buries it instead.
          expect(await s.tasks.claim({ owner: 'w4', now: at, leaseMs: 100, limit: 5 })).toEqual([]);
          expect(await s.tasks.get(task.id)).toMatchObject({
            status: 'dead',
            attempts: 3,
            lastError: expect.stringMatching(/lease expired.*no attempts left/),
            finishedAt: at,
            updatedAt: at,
            leaseOwner: null,
            leaseToken: null,
            leaseExpiresAt: null,
          });
        }),
      );

      it(
        'releases a running task without counting its attempt',
        withStores(async ({ s, clock }) => {
          const now = clock.now();
          const { task } = await s.tasks.enqueue({ mindId: MIND, type: 'long', runAt: now - 1, maxAttempts: 1 });
          const [run] = await s.tasks.claim({ owner: 'w1', now, leaseMs: 60_000, limit: 1 });
          expect(run?.attempts).toBe(1);
          const released = await s.tasks.release(lease(run!), now + 10);
          expect(released).toEqual({
            ...run,
            status: 'pending',
            attempts: 0,
            leaseOwner: null,
            leaseToken: null,
            leaseExpiresAt: null,
            updatedAt: now + 10,
          });
          expect(released?.runAt).toBe(task.runAt);
          expect(await s.tasks.release(lease(run!), now + 11)).toBeNull();
          expect(await s.tasks.heartbeat(lease(run!), now + 11, 1000)).toBe(false);
          // Claimable again at once, and its one attempt is still there to use.
          const [again] = await s.tasks.claim({ owner: 'w2', now: now + 10, leaseMs: 1000, limit: 1 });
          expect(again).toMatchObject({ id: task.id, attempts: 1, leaseOwner: 'w2' });
          expect(again!.leaseToken).not.toBe(run!.leaseToken);
          expect(await s.tasks.fail(lease(again!), 'no', now + 20, now + 30)).toMatchObject({ status: 'dead' });
        }),
      );

      it(
        'retries a dead task from scratch, keeping its last error; refuses tasks that are not dead or failed',
        withStores(async ({ s, clock }) => {
          const now = clock.now();
          const { task } = await s.tasks.enqueue({ mindId: MIND, type: 'fragile', runAt: now, maxAttempts: 1 });
          const [run] = await s.tasks.claim({ owner: 'w', now, leaseMs: 1000, limit: 1 });
          const dead = await s.tasks.fail(lease(run!), 'e'.repeat(20_000), now + 1, now + 2);
          expect(dead).toMatchObject({ status: 'dead', finishedAt: now + 1 });
          expect(dead?.lastError).toBe('e'.repeat(10_000));

          const retried = await s.tasks.retry(task.id, now + 50);
          expect(retried).toEqual({
            ...dead,
            status: 'pending',
            runAt: now + 50,
            attempts: 0,
            finishedAt: null,
            updatedAt: now + 50,
          });
          expect(await s.tasks.retry(task.id, now + 51)).toBeNull();
          expect(await s.tasks.retry('no-such-id', now + 51)).toBeNull();
          const [again] = await s.tasks.claim({ owner: 'w', now: now + 50, leaseMs: 1000, limit: 1 });
          expect(again).toMatchObject({ id: task.id, attempts: 1 });
          expect(await s.tasks.retry(task.id, now + 52)).toBeNull();
          await completeTask(s.tasks, lease(again!), 'fine', now + 60);
          expect(await s.tasks.retry(task.id, now + 61)).toBeNull();
          const other = await s.tasks.enqueue({ mindId: MIND, type: 'dropped' });
          await s.tasks.cancel(other.task.id, now + 62);
          expect(await s.tasks.retry(other.task.id, now + 63)).toBeNull();
          expect(await s.tasks.get(task.id)).toMatchObject({ status: 'succeeded', result: 'fine' });
        }),
      );

      it(
        'completes many in one step, in input order, refusing the entries whose token no longer holds',
        withStores(async ({ s, clock }) => {
          const now = clock.now();
          const [a, b, c, d] = (
            await s.tasks.enqueueMany(
              ['a', 'b', 'c', 'd'].map((type, i) => ({ mindId: MIND, type, runAt: now - 10 + i })),
            )
          ).map((r) => r.task);
          const [ra, rb, rc, rd] = await s.tasks.claim({ owner: 'w', now, leaseMs: 1000, limit: 5 });
          expect([ra, rb, rc, rd].map((t) => t?.id)).toEqual([a!.id, b!.id, c!.id, d!.id]);
          await s.tasks.cancel(b!.id, now + 1);
          const cancelled = await s.tasks.get(b!.id);

          expect(await s.tasks.completeMany([], now + 2)).toEqual([]);
          const results = await s.tasks.completeMany(
            [
              { lease: lease(rc!), result: { n: 3 } },
              { lease: lease(rb!), result: 'late' },
              { lease: lease(ra!), result: null },
              { lease: { id: 'no-such-id', token: rc!.leaseToken! }, result: 1 },
              { lease: lease(rc!), result: 'twice' },
            ],
            now + 2,
          );
          expect(results.map((t) => t && [t.id, t.status, t.result, t.finishedAt, t.leaseToken])).toEqual([
            [c!.id, 'succeeded', { n: 3 }, now + 2, null],
            null,
            [a!.id, 'succeeded', null, now + 2, null],
            null,
            null,
          ]);
          expect(await s.tasks.get(c!.id)).toEqual(results[0]);
          expect(await s.tasks.get(b!.id)).toEqual(cancelled);

          // One result that is not JSON: none of the batch is completed.
          await expect(
            s.tasks.completeMany(
              [
                { lease: lease(rd!), result: 'ok' },
                { lease: lease(rd!), result: { at: new Map() } },
              ],
              now + 3,
            ),
          ).rejects.toMatchObject({ name: 'GenesisError', code: 'INVALID_INPUT', field: 'items.1.result.at' });
          expect((await s.tasks.get(d!.id))?.status).toBe('running');
          expect(await s.tasks.counts(MIND)).toMatchObject({ succeeded: 2, running: 1, cancelled: 1 });
        }),
      );

      it(
        'stores the progress a running attempt reports, and keeps the last one after it ends',
        withStores(async ({ s, clock }) => {
          const now = clock.now();
          const { task } = await s.tasks.enqueue({ mindId: MIND, type: 'import', runAt: now });
          const [run] = await s.tasks.claim({ owner: 'w', now, leaseMs: 1000, limit: 1 });
          expect(run?.progress).toBeNull();
          expect(await s.tasks.progress(lease(run!), { done: 3, of: 10 }, now + 5)).toBe(true);
          expect(await s.tasks.get(task.id)).toMatchObject({
            progress: { done: 3, of: 10 },
            updatedAt: now + 5,
            status: 'running',
          });
          expect(await s.tasks.progress(lease(run!), { done: 10, of: 10 }, now + 6)).toBe(true);
          await expect(s.tasks.progress(lease(run!), { fn: () => 1 }, now + 7)).rejects.toMatchObject({
            code: 'INVALID_INPUT',
            field: 'progress.fn',
          });
          const done = await completeTask(s.tasks, lease(run!), 'ok', now + 8);
          expect(done).toMatchObject({ status: 'succeeded', progress: { done: 10, of: 10 } });
          expect(await s.tasks.progress(lease(run!), { done: 11 }, now + 9)).toBe(false);
          expect(await s.tasks.get(task.id)).toEqual(done);
        }),
      );

      it(
        'counts tasks per status, every status present, of one mind or all',
        withStores(async ({ s, clock }) => {
          const now = clock.now();
          const zero = { pending: 0, running: 0, succeeded: 0, failed: 0, dead: 0, cancelled: 0 };
          expect(await s.tasks.counts()).toEqual(zero);
          expect(await s.tasks.counts(MIND)).toEqual(zero);
          const kinds = ['run', 'win', 'die', 'drop', 'wait', 'wait'];
          const tasks = await s.tasks.enqueueMany([
            ...kinds.map((type) => ({ mindId: MIND, type, runAt: now, maxAttempts: 1 })),
            { mindId: OTHER, type: 'wait', runAt: now },
          ]);
          const claimed = await s.tasks.claim({
            owner: 'w',
            now,
            leaseMs: 1000,
            limit: 5,
            types: ['run', 'win', 'die'],
          });
          const byType = (type: string) => claimed.find((t) => t.type === type)!;
          await completeTask(s.tasks, lease(byType('win')), null, now);
          await s.tasks.fail(lease(byType('die')), 'x', now, now);
          await s.tasks.cancel(tasks[3]!.task.id, now);
          expect(await s.tasks.counts(MIND)).toEqual({
            ...zero,
            pending: 2,
            running: 1,
            succeeded: 1,
            dead: 1,
            cancelled: 1,
          });
          expect(await s.tasks.counts(OTHER)).toEqual({ ...zero, pending: 1 });
          expect(await s.tasks.counts()).toEqual({
            ...zero,
            pending: 3,
            running: 1,
            succeeded: 1,
            dead: 1,
            cancelled: 1,
          });
          expect(await s.tasks.counts('GMD-2026-FFFF-FFFF')).toEqual(zero);
        }),
      );

      it(
        'deletes only finished tasks that finished before the given time',
        withStores(async ({ s, clock }) => {
          const now = clock.now();
          const done = await s.tasks.enqueue({ mindId: MIND, type: 'done', runAt: now - 1 });
          const cancelledLate = await s.tasks.enqueue({ mindId: MIND, type: 'late', runAt: now });
          const pending = await s.tasks.enqueue({ mindId: MIND, type: 'pending', runAt: now + 1 });
          const [run] = await s.tasks.claim({ owner: 'w', now, leaseMs: 100, limit: 1 });
          expect(run?.id).toBe(done.task.id);
          await completeTask(s.tasks, lease(run!), 'ok', now + 5);
          await s.tasks.cancel(cancelledLate.task.id, now + 50);
          expect(await s.tasks.deleteFinishedBefore(now + 5)).toBe(0);
          expect(await s.tasks.deleteFinishedBefore(now + 6)).toBe(1);
          expect(await s.tasks.get(done.task.id)).toBeNull();
          expect(await s.tasks.get(cancelledLate.task.id)).not.toBeNull();
          expect(await s.tasks.deleteFinishedBefore(now + 1_000_000)).toBe(1);
          expect(await s.tasks.get(pending.task.id)).not.toBeNull();
        }),
      );

      it(
        'keeps tasks with the same runAt across a page edge: each once, in (runAt, id) order, with any filter',
        withStores(async ({ s, clock }) => {
          const at = clock.now() + 100;
          const rows = [
            (await s.tasks.enqueue({ mindId: MIND, type: 'before', runAt: at - 1 })).task,
            ...(await Promise.all(
              [1, 2, 3, 4, 5].map(async () => (await s.tasks.enqueue({ mindId: MIND, type: 'tie', runAt: at })).task),
            )),
            (await s.tasks.enqueue({ mindId: MIND, type: 'after', runAt: at + 1 })).task,
          ];
          await s.tasks.enqueue({ mindId: OTHER, type: 'tie', runAt: at });
          const order = (items: typeof rows) =>
            keysetOrder(
              items,
              (x) => x.runAt,
              (x) => x.id,
              'asc',
            );
          const pending = await allPages((cursor) =>
            s.tasks.list({ status: 'pending', mindId: MIND, limit: 3, cursor }),
          );
          expect(pending.pages).toBe(3);
          expect(pending.items.map((x) => x.id)).toEqual(order(rows));

          // Two of the ties start running: the mind's list without a status still pages over all of them.
          const claimed = await s.tasks.claim({
            owner: 'w',
            now: at,
            leaseMs: 1000,
            limit: 2,
            types: ['tie'],
            mindIds: [MIND],
          });
          expect(claimed).toHaveLength(2);
          const all = await allPages((cursor) => s.tasks.list({ mindId: MIND, limit: 2, cursor }));
          expect(all.pages).toBe(4);
          expect(all.items.map((x) => x.id)).toEqual(order(rows));
          const ties = await allPages((cursor) =>
            s.tasks.list({ mindId: MIND, type: 'tie', status: 'pending', limit: 2, cursor }),
          );
          const claimedIds = claimed.map((t) => t.id);
          expect(ties.pages).toBe(2);
          expect(ties.items.map((x) => x.id)).toEqual(
            order(rows.filter((x) => x.type === 'tie' && !claimedIds.includes(x.id))),
          );
        }),
      );
    });

    describe('mind registry', () => {
      it(
        'keeps a registry of minds and purges every row of a removed mind',
        withStores(async ({ s, clock }) => {
          const gmid = 'GMD-2026-DDDD-0001';
          const created = await s.minds.upsert({ gmid, name: 'Atlas', jsonPath: '/h/minds/a.json', status: 'active' });
          expect(created).toEqual({
            gmid,
            name: 'Atlas',
            jsonPath: '/h/minds/a.json',
            status: 'active',
            createdAt: clock.now(),
            updatedAt: clock.now(),
            lastSeenAt: null,
          });
          clock.advance(5);
          const renamed = await s.minds.upsert({
            gmid,
            name: 'Atlas II',
            jsonPath: '/h/minds/a.json',
            status: 'sleeping',
          });
          expect(renamed).toMatchObject({
            name: 'Atlas II',
            status: 'sleeping',
            createdAt: created.createdAt,
            updatedAt: clock.now(),
          });
          expect(await s.minds.touch(gmid, clock.now() + 1)).toBe(true);
          expect((await s.minds.get(gmid))?.lastSeenAt).toBe(clock.now() + 1);
          // An upsert without lastSeenAt keeps the one recorded.
          expect(
            (await s.minds.upsert({ gmid, name: 'Atlas II', jsonPath: '/h/minds/a.json', status: 'active' }))
              .lastSeenAt,
          ).toBe(clock.now() + 1);
          expect(await s.minds.touch('GMD-2026-DDDD-9999', 5)).toBe(false);
          clock.advance(5);
          await s.minds.upsert({
            gmid: 'GMD-2026-DDDD-0002',
            name: 'Bea',
            jsonPath: '/h/minds/b.json',
            status: 'active',
          });
          const p1 = await s.minds.list({ limit: 1 });
          const p2 = await s.minds.list({ limit: 1, cursor: p1.nextCursor });
          expect([...p1.items, ...p2.items].map((m) => m.gmid)).toEqual([gmid, 'GMD-2026-DDDD-0002']);
          expect(p2.nextCursor).toBeNull();

          await s.messages.append({ mindId: gmid, role: 'user', content: 'hi' });
          const concern = await s.concerns.insert({
            mindId: gmid,
            concernType: 'task',
            description: 'd',
            nextCheckAt: 1,
          });
          await s.concerns.recordFire({
            concernId: concern.id,
            mindId: gmid,
            userEmail: null,
            checkAt: 1,
            firedAt: 2,
            taskId: null,
          });
          await s.tasks.enqueue({ mindId: gmid, type: 'x' });
          await s.environments.upsert({ mindId: gmid, name: 'cli', kind: 'cli' });
          await s.relationships.recordInteraction(gmid, 'a@x.io', 5);
          await s.records.appendMany([{ mindId: gmid, namespace: 'dreams', kind: 'dream', data: 1 }]);
          await s.messages.append({ mindId: 'GMD-2026-DDDD-0002', role: 'user', content: 'kept' });
          expect(await s.minds.remove(gmid)).toEqual({ removed: true, rowsDeleted: 7 });
          expect(await s.concerns.fires(gmid, [concern.id])).toEqual([]);
          expect(await s.minds.get(gmid)).toBeNull();
          expect(await s.messages.count({ mindId: gmid })).toBe(0);
          expect(await s.tasks.count({ mindId: gmid })).toBe(0);
          expect(await s.messages.count({ mindId: 'GMD-2026-DDDD-0002' })).toBe(1);
          expect(await s.minds.remove(gmid)).toEqual({ removed: false, rowsDeleted: 0 });
        }),
      );

      it(
        'removes the rows of a mind that was never registered',
        withStores(async ({ s }) => {
          await s.messages.append({ mindId: MIND, role: 'user', content: 'orphan' });
          expect(await s.minds.remove(MIND)).toEqual({ removed: false, rowsDeleted: 1 });
          expect(await s.messages.count({ mindId: MIND })).toBe(0);
        }),
      );

      it(
        'lists by status, and keeps minds created at the same time across a page edge in (createdAt, gmid) order',
        withStores(async ({ s, clock }) => {
          const gmids = [
            'GMD-2026-0000-0005',
            'GMD-2026-0000-0003',
            'GMD-2026-0000-0001',
            'GMD-2026-0000-0004',
            'GMD-2026-0000-0002',
          ];
          const first = await s.minds.upsert({
            gmid: 'GMD-2026-FFFF-0000',
            name: 'first',
            jsonPath: '/f.json',
            status: 'sleeping',
          });
          clock.advance(10);
          const tied = [];
          for (const gmid of gmids)
            tied.push(await s.minds.upsert({ gmid, name: gmid, jsonPath: `/${gmid}.json`, status: 'active' }));
          clock.advance(10);
          const last = await s.minds.upsert({
            gmid: 'GMD-2026-0000-0000',
            name: 'last',
            jsonPath: '/l.json',
            status: 'active',
          });
          const { items, pages } = await allPages((cursor) => s.minds.list({ limit: 3, cursor }));
          expect(pages).toBe(3);
          expect(items.map((m) => m.gmid)).toEqual(
            keysetOrder(
              [first, ...tied, last],
              (m) => m.createdAt,
              (m) => m.gmid,
              'asc',
            ),
          );
          expect(items.map((m) => m.gmid)).toEqual(['GMD-2026-FFFF-0000', ...[...gmids].sort(), 'GMD-2026-0000-0000']);
          expect((await s.minds.list({ limit: 10, status: 'sleeping' })).items.map((m) => m.gmid)).toEqual([
            'GMD-2026-FFFF-0000',
          ]);
          await expect(s.minds.list({ limit: 10, status: 'dead' as never })).rejects.toThrow(/status must be one of/);
          await expect(s.minds.upsert({ gmid: MIND, name: '', jsonPath: '/x', status: 'active' })).rejects.toThrow(
            /name/,
          );
          expect(await s.minds.get(MIND)).toBeNull();
        }),
      );
    });

    describe('records', () => {
      it(
        'appends records idempotently and pages them oldest-first by namespace',
        withStores(async ({ s, clock }) => {
          const dreams = [3, 1, 2].map((n) => ({
            mindId: MIND,
            namespace: 'dreams',
            kind: 'dream',
            data: { n },
            createdAt: n * 10,
            sourceKey: `dream:${n}`,
          }));
          expect(await s.records.appendMany(dreams)).toEqual({ inserted: 3, skipped: 0 });
          expect(await s.records.appendMany(dreams)).toEqual({ inserted: 0, skipped: 3 });
          expect(await s.records.appendMany([])).toEqual({ inserted: 0, skipped: 0 });
          await s.records.appendMany([
            { mindId: MIND, namespace: 'plugin:currency', kind: 'transaction', data: { amount: 5 } },
          ]);
          await s.records.appendMany([
            { mindId: OTHER, namespace: 'dreams', kind: 'dream', data: { n: 9 }, sourceKey: 'dream:3' },
          ]);
          const p1 = await s.records.list({ mindId: MIND, namespace: 'dreams', limit: 2 });
          const p2 = await s.records.list({ mindId: MIND, namespace: 'dreams', limit: 2, cursor: p1.nextCursor });
          expect([...p1.items, ...p2.items].map((r) => r.data)).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
          expect(p2.nextCursor).toBeNull();
          expect(p1.items[0]).toEqual({
            id: expect.any(String),
            mindId: MIND,
            namespace: 'dreams',
            kind: 'dream',
            data: { n: 1 },
            createdAt: 10,
            sourceKey: 'dream:1',
          });
          const [currency] = (await s.records.list({ mindId: MIND, namespace: 'plugin:currency', limit: 5 })).items;
          expect(currency).toMatchObject({ kind: 'transaction', createdAt: clock.now(), sourceKey: null });
          expect(await s.records.count({ mindId: MIND })).toBe(4);
          expect(await s.records.count({ mindId: MIND, namespace: 'plugin:currency' })).toBe(1);
          expect(await s.records.count({ mindId: OTHER })).toBe(1);
          expect((await s.minds.remove(MIND)).rowsDeleted).toBe(4);
        }),
      );

      it(
        'filters by kind, keeps any JSON data, and validates everything before writing',
        withStores(async ({ s }) => {
          await s.records.appendMany([
            { mindId: MIND, namespace: 'thoughts', kind: 'idea', data: 'a string', createdAt: 1 },
            { mindId: MIND, namespace: 'thoughts', kind: 'worry', data: [1, { deep: true }], createdAt: 2 },
            { mindId: MIND, namespace: 'thoughts', kind: 'idea', data: null, createdAt: 3 },
          ]);
          expect(
            (await s.records.list({ mindId: MIND, namespace: 'thoughts', kind: 'idea', limit: 10 })).items.map(
              (r) => r.data,
            ),
          ).toEqual(['a string', null]);
          expect(
            (await s.records.list({ mindId: MIND, namespace: 'thoughts', kind: 'worry', limit: 10 })).items.map(
              (r) => r.data,
            ),
          ).toEqual([[1, { deep: true }]]);
          await expect(
            s.records.appendMany([
              { mindId: MIND, namespace: 'thoughts', kind: 'idea', data: 1 },
              { mindId: MIND, namespace: '', kind: 'idea', data: 2 },
            ]),
          ).rejects.toThrow(/namespace/);
          expect(await s.records.count({ mindId: MIND })).toBe(3);
          await expect(
            s.records.list({ mindId: MIND, namespace: 'thoughts', limit: 5, cursor: 'garbage' }),
          ).rejects.toMatchObject({ name: 'GenesisError', code: 'INVALID_CURSOR', field: 'cursor' });
        }),
      );

      it(
        'keeps records with the same createdAt across a page edge: each once, in (createdAt, id) order',
        withStores(async ({ s }) => {
          await s.records.appendMany([
            { mindId: MIND, namespace: 'n', kind: 'k', data: 'before', createdAt: 99 },
            ...[1, 2, 3, 4, 5].map((i) => ({
              mindId: MIND,
              namespace: 'n',
              kind: 'k',
              data: `tie${i}`,
              createdAt: 100,
            })),
            { mindId: MIND, namespace: 'n', kind: 'k', data: 'after', createdAt: 101 },
          ]);
          const everything = (await s.records.list({ mindId: MIND, namespace: 'n', limit: 100 })).items;
          expect(everything).toHaveLength(7);
          const { items, pages } = await allPages((cursor) =>
            s.records.list({ mindId: MIND, namespace: 'n', limit: 3, cursor }),
          );
          expect(pages).toBe(3);
          expect(items.map((r) => r.id)).toEqual(
            keysetOrder(
              everything,
              (r) => r.createdAt,
              (r) => r.id,
              'asc',
            ),
          );
        }),
      );
    });

    describe('environments', () => {
      it(
        'upserts environments by name and orders them by activity',
        withStores(async ({ s, clock }) => {
          const cli = await s.environments.upsert({
            mindId: MIND,
            name: 'terminal',
            kind: 'cli',
            description: 'shell',
          });
          expect(cli).toEqual({
            id: expect.any(String),
            mindId: MIND,
            name: 'terminal',
            kind: 'cli',
            description: 'shell',
            isPrimary: false,
            metadata: {},
            createdAt: clock.now(),
            updatedAt: clock.now(),
            lastActiveAt: null,
            visitCount: 0,
          });
          const web = await s.environments.upsert({
            mindId: MIND,
            name: 'website',
            kind: 'web',
            metadata: { url: 'https://x.io' },
          });
          const chat = await s.environments.upsert({ mindId: MIND, name: 'chat', kind: 'chat' });
          clock.advance(10);
          const same = await s.environments.upsert({ mindId: MIND, name: 'terminal', kind: 'cli', isPrimary: true });
          expect(same).toMatchObject({
            id: cli.id,
            description: 'shell',
            isPrimary: true,
            createdAt: cli.createdAt,
            updatedAt: clock.now(),
          });
          expect(await s.environments.markActive(MIND, web.id, 100)).toBe(true);
          expect(await s.environments.markActive(MIND, 'no-such-id', 100)).toBe(false);
          expect(await s.environments.markActive(OTHER, web.id, 100)).toBe(false);
          expect((await s.environments.list(MIND)).map((e) => e.name)).toEqual(['website', 'chat', 'terminal']);
          await s.environments.markActive(MIND, chat.id, 200);
          expect((await s.environments.list(MIND)).map((e) => e.name)).toEqual(['chat', 'website', 'terminal']);
          expect(await s.environments.findByName(MIND, 'website')).toMatchObject({
            metadata: { url: 'https://x.io' },
            lastActiveAt: 100,
            updatedAt: 100,
          });
          expect(await s.environments.findByName(OTHER, 'website')).toBeNull();
          expect(await s.environments.get(MIND, web.id)).toMatchObject({ name: 'website' });
          expect(await s.environments.get(OTHER, web.id)).toBeNull();
          expect(await s.environments.list(OTHER)).toEqual([]);
          expect(await s.environments.remove(MIND, cli.id)).toBe(true);
          expect(await s.environments.remove(MIND, cli.id)).toBe(false);
          expect(await s.environments.findByName(MIND, 'terminal')).toBeNull();
          await expect(s.environments.upsert({ mindId: MIND, name: 'x', kind: 'hologram' as never })).rejects.toThrow(
            /kind must be one of/,
          );
        }),
      );

      it(
        'counts visits: recordVisit marks the environment active and adds one; markActive and upserts keep the count',
        withStores(async ({ s, clock }) => {
          const env = await s.environments.upsert({ mindId: MIND, name: 'chat', kind: 'chat' });
          const other = await s.environments.upsert({ mindId: MIND, name: 'web', kind: 'web' });
          expect(await s.environments.recordVisit(MIND, env.id, 100)).toMatchObject({
            id: env.id,
            visitCount: 1,
            lastActiveAt: 100,
            updatedAt: 100,
          });
          expect(await s.environments.recordVisit(MIND, env.id, 300)).toMatchObject({
            visitCount: 2,
            lastActiveAt: 300,
          });
          expect(await s.environments.markActive(MIND, env.id, 400)).toBe(true);
          clock.advance(1000);
          await s.environments.upsert({ mindId: MIND, name: 'chat', kind: 'chat', description: 'the chat' });
          expect(await s.environments.get(MIND, env.id)).toMatchObject({
            visitCount: 2,
            lastActiveAt: 400,
            description: 'the chat',
          });
          expect(await s.environments.get(MIND, other.id)).toMatchObject({ visitCount: 0, lastActiveAt: null });
          expect(await s.environments.recordVisit(OTHER, env.id, 500)).toBeNull();
          expect(await s.environments.recordVisit(MIND, 'no-such-id', 500)).toBeNull();
          expect((await s.environments.get(MIND, env.id))?.visitCount).toBe(2);
          await expect(s.environments.recordVisit(MIND, env.id, -1)).rejects.toMatchObject({
            code: 'INVALID_INPUT',
            field: 'at',
          });
        }),
      );
    });

    describe('relationships', () => {
      it(
        'tracks relationships and their interactions',
        withStores(async ({ s, clock }) => {
          const created = await s.relationships.upsert({
            mindId: MIND,
            userEmail: 'ann@x.io',
            displayName: 'Ann',
            relationshipType: 'creator',
            trustLevel: 0.9,
          });
          expect(created).toMatchObject({
            mindId: MIND,
            userEmail: 'ann@x.io',
            displayName: 'Ann',
            relationshipType: 'creator',
            interactionCount: 0,
            firstInteractionAt: null,
            lastInteractionAt: null,
            notes: null,
            metadata: {},
            createdAt: clock.now(),
          });
          await s.relationships.recordInteraction(MIND, 'bob@x.io', 200);
          await s.relationships.recordInteraction(MIND, 'ann@x.io', 100);
          const ann = await s.relationships.recordInteraction(MIND, 'ann@x.io', 50);
          expect(ann).toMatchObject({
            displayName: 'Ann',
            relationshipType: 'creator',
            trustLevel: expect.closeTo(0.9, 5),
            interactionCount: 2,
            firstInteractionAt: 50,
            lastInteractionAt: 100,
          });
          const bob = await s.relationships.get(MIND, 'bob@x.io');
          expect(bob).toMatchObject({
            relationshipType: 'user',
            trustLevel: 0.5,
            interactionCount: 1,
            firstInteractionAt: 200,
            lastInteractionAt: 200,
          });
          await s.relationships.upsert({ mindId: MIND, userEmail: 'cy@x.io' });
          const p1 = await s.relationships.list({ mindId: MIND, limit: 2 });
          const p2 = await s.relationships.list({ mindId: MIND, limit: 2, cursor: p1.nextCursor });
          expect([...p1.items, ...p2.items].map((r) => r.userEmail)).toEqual(['bob@x.io', 'ann@x.io', 'cy@x.io']);
          expect(p2.nextCursor).toBeNull();
          const noted = await s.relationships.upsert({
            mindId: MIND,
            userEmail: 'ann@x.io',
            notes: 'likes tea',
            metadata: { tz: 'UTC' },
          });
          expect(noted).toMatchObject({
            displayName: 'Ann',
            notes: 'likes tea',
            metadata: { tz: 'UTC' },
            interactionCount: 2,
            trustLevel: expect.closeTo(0.9, 5),
          });
          await expect(s.relationships.upsert({ mindId: MIND, userEmail: 'ann@x.io', trustLevel: 3 })).rejects.toThrow(
            /trustLevel must be a number from 0 to 1/,
          );
          expect(await s.relationships.get(OTHER, 'ann@x.io')).toBeNull();
          expect(await s.relationships.remove(MIND, 'cy@x.io')).toBe(true);
          expect(await s.relationships.remove(MIND, 'cy@x.io')).toBe(false);
          expect(await s.relationships.get(MIND, 'cy@x.io')).toBeNull();
        }),
      );

      it(
        'keeps relationships with the same last interaction across a page edge: each once, in (time, id) descending order',
        withStores(async ({ s }) => {
          const rows = [
            await s.relationships.recordInteraction(MIND, 'latest@x.io', 500),
            ...(await Promise.all(
              [1, 2, 3, 4, 5].map((i) => s.relationships.recordInteraction(MIND, `tie${i}@x.io`, 300)),
            )),
            await s.relationships.upsert({ mindId: MIND, userEmail: 'never@x.io' }),
            await s.relationships.upsert({ mindId: MIND, userEmail: 'never2@x.io' }),
          ];
          const { items, pages } = await allPages((cursor) => s.relationships.list({ mindId: MIND, limit: 3, cursor }));
          expect(pages).toBe(3);
          expect(items.map((r) => r.id)).toEqual(
            keysetOrder(
              rows,
              (r) => r.lastInteractionAt ?? 0,
              (r) => r.id,
              'desc',
            ),
          );
          expect(items.slice(-2).map((r) => r.lastInteractionAt)).toEqual([null, null]);
        }),
      );

      it(
        'records several interactions at once: the count adds up, first and last times only widen',
        withStores(async ({ s, clock }) => {
          const fresh = await s.relationships.recordInteraction(MIND, 'dee@x.io', 1000, 3);
          expect(fresh).toMatchObject({
            relationshipType: 'user',
            trustLevel: 0.5,
            interactionCount: 3,
            firstInteractionAt: 1000,
            lastInteractionAt: 1000,
            createdAt: clock.now(),
          });
          clock.advance(10);
          await s.relationships.upsert({ mindId: MIND, userEmail: 'dee@x.io', displayName: 'Dee', trustLevel: 0.8 });
          expect(await s.relationships.recordInteraction(MIND, 'dee@x.io', 2000, 4)).toMatchObject({
            displayName: 'Dee',
            trustLevel: expect.closeTo(0.8, 5),
            interactionCount: 7,
            firstInteractionAt: 1000,
            lastInteractionAt: 2000,
            createdAt: fresh.createdAt,
            updatedAt: clock.now(),
          });
          // An older batch (an import) moves only the first time back.
          expect(await s.relationships.recordInteraction(MIND, 'dee@x.io', 500, 2)).toMatchObject({
            interactionCount: 9,
            firstInteractionAt: 500,
            lastInteractionAt: 2000,
          });
          expect(await s.relationships.recordInteraction(MIND, 'dee@x.io', 2500)).toMatchObject({
            interactionCount: 10,
            lastInteractionAt: 2500,
          });
          expect(await s.relationships.get(OTHER, 'dee@x.io')).toBeNull();
          for (const bad of [0, -1, 1.5])
            await expect(s.relationships.recordInteraction(MIND, 'dee@x.io', 3000, bad)).rejects.toMatchObject({
              code: 'INVALID_INPUT',
              field: 'count',
            });
          expect((await s.relationships.get(MIND, 'dee@x.io'))?.interactionCount).toBe(10);
        }),
      );

      it(
        'rolls an interaction back with the unit of work it was recorded in',
        withStores(async ({ s, unitOfWork }) => {
          await s.relationships.recordInteraction(MIND, 'eve@x.io', 100);
          await expect(
            unitOfWork.run(async (tx) => {
              await tx.relationships.recordInteraction(MIND, 'eve@x.io', 200, 5);
              await tx.relationships.recordInteraction(MIND, 'new@x.io', 200);
              throw new Error('abandoned');
            }),
          ).rejects.toThrow('abandoned');
          expect(await s.relationships.get(MIND, 'eve@x.io')).toMatchObject({
            interactionCount: 1,
            lastInteractionAt: 100,
          });
          expect(await s.relationships.get(MIND, 'new@x.io')).toBeNull();
        }),
      );
    });

    describe('bad input', () => {
      it(
        'is refused before anything is written, naming the field',
        withStores(async ({ s }) => {
          const refused = async (write: Promise<unknown>, field: string) => {
            await expect(write).rejects.toMatchObject({ name: 'GenesisError', code: 'INVALID_INPUT', field });
          };
          await refused(
            s.messages.append({ mindId: MIND, role: 'user', content: 'x', metadata: { fn: () => 1 } as never }),
            'metadata.fn',
          );
          await refused(
            s.messages.append({ mindId: MIND, role: 'user', content: 'x', metadata: { at: new Map() } as never }),
            'metadata.at',
          );
          await refused(
            s.messages.append({ mindId: MIND, role: 'user', content: 'x', metadata: { n: Number.NaN } }),
            'metadata.n',
          );
          await refused(s.messages.append({ mindId: MIND, role: 'user', content: 'x', sourceKey: '' }), 'sourceKey');
          await refused(
            s.records.appendMany([
              { mindId: MIND, namespace: 'dreams', kind: 'dream', data: { n: Number.POSITIVE_INFINITY } },
            ]),
            'data.n',
          );
          await refused(s.tasks.enqueue({ mindId: MIND, type: 'reflect', priority: Number.NaN }), 'priority');
          await refused(s.tasks.enqueue({ mindId: MIND, type: 'reflect', priority: 1.5 }), 'priority');
          await refused(s.tasks.enqueue({ mindId: MIND, type: 'reflect', priority: 2 ** 31 }), 'priority');
          await refused(
            s.tasks.enqueue({ mindId: MIND, type: 'reflect', payload: { when: new Date(0) } }),
            'payload.when',
          );
          await refused(
            s.tasks.enqueue({ mindId: MIND, type: 'reflect', payload: 'x'.repeat(1024 * 1024) }),
            'payload',
          );
          await refused(s.tasks.enqueue({ mindId: MIND, type: 'reflect', maxAttempts: 0 }), 'maxAttempts');
          await refused(s.tasks.enqueue({ mindId: MIND, type: 'reflect', maxAttempts: -1 }), 'maxAttempts');
          await refused(s.tasks.enqueue({ mindId: MIND, type: 'reflect', maxAttempts: 2.5 }), 'maxAttempts');
          await refused(s.tasks.enqueue({ mindId: MIND, type: 'reflect', timeoutMs: 0 }), 'timeoutMs');
          await refused(s.tasks.enqueue({ mindId: MIND, type: 'reflect', timeoutMs: 1.5 }), 'timeoutMs');
          await refused(s.tasks.enqueue({ mindId: MIND, type: 'reflect', timeoutMs: 24 * 3_600_000 + 1 }), 'timeoutMs');
          await refused(s.tasks.enqueue({ mindId: MIND, type: 'reflect', idempotencyKey: '' }), 'idempotencyKey');
          await refused(
            s.tasks.enqueue({ mindId: MIND, type: 'reflect', idempotencyKey: 'k'.repeat(201) }),
            'idempotencyKey',
          );
          await refused(
            s.tasks.enqueueMany([
              { mindId: MIND, type: 'reflect' },
              { mindId: MIND, type: 'reflect', payload: { n: Number.NaN } },
            ]),
            'payload.n',
          );
          await refused(s.tasks.claim({ owner: 'w', now: 0, leaseMs: 1, limit: 1, mindIds: MIND as never }), 'mindIds');
          await refused(s.tasks.heartbeat({ id: 'x', token: '' }, 0, 1), 'lease.token');
          await refused(s.concerns.list({ mindId: MIND, status: [], limit: 5 }), 'status');
          expect(await s.messages.count({ mindId: MIND })).toBe(0);
          expect(await s.records.count({ mindId: MIND })).toBe(0);
          expect(await s.tasks.count({ mindId: MIND })).toBe(0);
        }),
      );
    });

    describe('unit of work', () => {
      const write = async (tx: TransactionStores, tag: string) => {
        await tx.messages.append({ mindId: MIND, role: 'user', content: `hello ${tag}` });
        await tx.records.appendMany([
          { mindId: MIND, namespace: 'dreams', kind: 'dream', data: { tag }, sourceKey: `dream:${tag}` },
        ]);
        await tx.minds.upsert({ gmid: MIND, name: `Atlas ${tag}`, jsonPath: '/h/minds/atlas.json', status: 'active' });
      };

      it(
        'commits writes to several stores together and returns what the work returns',
        withStores(async ({ s, unitOfWork }) => {
          const result = await unitOfWork.run(async (tx) => {
            await write(tx, 'a');
            return 'done';
          });
          expect(result).toBe('done');
          expect(await s.messages.count({ mindId: MIND })).toBe(1);
          expect(await s.records.count({ mindId: MIND })).toBe(1);
          expect(await s.minds.get(MIND)).toMatchObject({ name: 'Atlas a' });
        }),
      );

      it(
        'keeps none of the writes when a store throws in the third write, and rethrows that error unchanged',
        withStores(async ({ s, unitOfWork }) => {
          let thrown: unknown;
          const failure = await unitOfWork
            .run(async (tx) => {
              await tx.messages.append({ mindId: MIND, role: 'user', content: 'hello' });
              await tx.records.appendMany([{ mindId: MIND, namespace: 'dreams', kind: 'dream', data: 1 }]);
              try {
                await tx.minds.upsert({
                  gmid: MIND,
                  name: 'Atlas',
                  jsonPath: '/h/minds/atlas.json',
                  status: 'lost' as never,
                });
              } catch (error) {
                thrown = error;
                throw error;
              }
            })
            .then(
              () => undefined,
              (error: unknown) => error,
            );
          expect(thrown).toBeInstanceOf(Error);
          expect(failure).toBe(thrown);
          expect(await s.messages.count({ mindId: MIND })).toBe(0);
          expect(await s.records.count({ mindId: MIND })).toBe(0);
          expect(await s.minds.get(MIND)).toBeNull();
        }),
      );

      it(
        'keeps none of the writes when the work throws after them, and the stores work afterwards',
        withStores(async ({ s, unitOfWork }) => {
          const boom = new Error('boom');
          await expect(
            unitOfWork.run(async (tx) => {
              await write(tx, 'a');
              await tx.concerns.insert({ mindId: MIND, concernType: 'task', description: 'd', nextCheckAt: 1 });
              await tx.tasks.enqueue({ mindId: MIND, type: 'x', idempotencyKey: 'k' });
              throw boom;
            }),
          ).rejects.toBe(boom);
          expect(await s.messages.count({ mindId: MIND })).toBe(0);
          expect(await s.records.count({ mindId: MIND })).toBe(0);
          expect(await s.concerns.count({ mindId: MIND })).toBe(0);
          expect(await s.tasks.count({ mindId: MIND })).toBe(0);
          expect(await s.minds.get(MIND)).toBeNull();
          // The idempotency key was not kept either: enqueueing it again creates the task.
          await unitOfWork.run(async (tx) => {
            await write(tx, 'b');
            expect((await tx.tasks.enqueue({ mindId: MIND, type: 'x', idempotencyKey: 'k' })).created).toBe(true);
          });
          expect(await s.messages.count({ mindId: MIND })).toBe(1);
          expect(await s.tasks.count({ mindId: MIND })).toBe(1);
        }),
      );

      it(
        'lets the stores of a run see their own writes',
        withStores(async ({ unitOfWork }) => {
          await unitOfWork.run(async (tx) => {
            const m = await tx.messages.append({ mindId: MIND, role: 'user', content: 'seen' });
            expect(await tx.messages.get(MIND, m.id)).toEqual(m);
            expect(await tx.messages.count({ mindId: MIND })).toBe(1);
            await tx.records.appendMany([
              { mindId: MIND, namespace: 'dreams', kind: 'dream', data: 1, sourceKey: 'k' },
            ]);
            expect((await tx.records.list({ mindId: MIND, namespace: 'dreams', limit: 5 })).items).toHaveLength(1);
            expect(
              await tx.records.appendMany([
                { mindId: MIND, namespace: 'dreams', kind: 'dream', data: 1, sourceKey: 'k' },
              ]),
            ).toEqual({ inserted: 0, skipped: 1 });
            await tx.minds.upsert({ gmid: MIND, name: 'Atlas', jsonPath: '/a.json', status: 'active' });
            expect(await tx.minds.get(MIND)).toMatchObject({ name: 'Atlas' });
            const c = await tx.concerns.insert({ mindId: MIND, concernType: 'task', description: 'd', nextCheckAt: 1 });
            expect(await tx.concerns.update(MIND, c.id, { followUpCount: 1 })).toMatchObject({ followUpCount: 1 });
            const { task } = await tx.tasks.enqueue({ mindId: MIND, type: 'x', runAt: 1 });
            expect(await tx.tasks.get(task.id)).toEqual(task);
            expect(await tx.minds.remove(MIND)).toEqual({ removed: true, rowsDeleted: 4 });
          });
        }),
      );

      it(
        'runs units of work one at a time: a failing run does not undo another',
        withStores(async ({ s, unitOfWork }) => {
          const results = await Promise.allSettled([
            unitOfWork.run(async (tx) => {
              await tx.messages.append({ mindId: MIND, role: 'user', content: 'rolled back' });
              await new Promise((resolve) => setTimeout(resolve, 20));
              throw new Error('first fails');
            }),
            unitOfWork.run(async (tx) => {
              await tx.messages.append({ mindId: MIND, role: 'user', content: 'kept' });
              return 'second';
            }),
          ]);
          expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled']);
          expect((await s.messages.list({ mindId: MIND, limit: 10 })).items.map((m) => m.content)).toEqual(['kept']);
        }),
      );
    });
  });
}
