import type { EnvironmentRecord } from '../ports/environment-store';
import type { StoredMessage } from '../ports/message-store';
import type { StoredRecord } from '../ports/record-store';
import type { RelationshipRecord } from '../ports/relationship-store';
import type { StoredSchedule } from '../ports/schedule-store';
import type { TransactionStores } from '../ports/unit-of-work';
import { allPages, MIND, OTHER, storesOf, type StoreContractTarget } from './store-contract-support';

/**
 * The `importMany` of the message, record, relationship, environment and schedule stores (a Mind
 * moved from another home) and `RecordStore.listAll`: whole rows stored as given (ids, times,
 * counters, flags), a row already there — by id or by its natural key — skipped and left as it
 * is, every row checked before anything is written, and all of it inside a unit of work.
 */
export function defineTransferImportContract(target: StoreContractTarget): void {
  const withStores = storesOf(target);
  const T = 1_780_000_000_000;
  const id = (n: number) => `0190a000-0000-7000-8000-${String(n).padStart(12, '0')}`;

  const message = (n: number, over: Partial<StoredMessage> = {}): StoredMessage => ({
    id: id(n),
    mindId: MIND,
    role: 'user',
    content: `message ${n} — ✓`,
    userEmail: n % 2 ? 'ann@example.com' : null,
    environmentId: null,
    metadata: n % 2 ? { n, nested: { a: [1, 2] } } : {},
    createdAt: T + n,
    archived: n === 1,
    sourceKey: n === 2 ? 'legacy:2' : null,
    ...over,
  });
  const record = (n: number, over: Partial<StoredRecord> = {}): StoredRecord => ({
    id: id(100 + n),
    mindId: MIND,
    namespace: n % 2 ? 'dreams' : 'plugin:gen',
    kind: 'k',
    data: n % 2 ? { text: `dream ${n}` } : [n, 'x'],
    createdAt: T + 10 * n,
    sourceKey: n === 1 ? 'dream-1' : null,
    ...over,
  });
  const relationship = (n: number, over: Partial<RelationshipRecord> = {}): RelationshipRecord => ({
    id: id(200 + n),
    mindId: MIND,
    userEmail: `user${n}@example.com`,
    displayName: n === 1 ? 'One' : null,
    relationshipType: n === 1 ? 'friend' : 'user',
    trustLevel: 0.25 * n,
    interactionCount: 7 * n,
    firstInteractionAt: T,
    lastInteractionAt: n === 3 ? null : T + n,
    notes: n === 1 ? 'likes tea' : null,
    metadata: { timezone: 'Europe/Oslo' },
    createdAt: T - 1000,
    updatedAt: T + 5,
    ...over,
  });
  const environment = (n: number, over: Partial<EnvironmentRecord> = {}): EnvironmentRecord => ({
    id: id(300 + n),
    mindId: MIND,
    name: `env ${n}`,
    kind: n === 1 ? 'chat' : 'email',
    description: n === 1 ? 'the app' : null,
    isPrimary: n === 1,
    metadata: {},
    createdAt: T - 2000,
    updatedAt: T + n,
    lastActiveAt: n === 1 ? T + 50 : null,
    visitCount: 3 * n,
    ...over,
  });
  const schedule = (n: number, over: Partial<StoredSchedule> = {}): StoredSchedule => ({
    id: id(400 + n),
    mindId: MIND,
    name: `schedule ${n}`,
    cron: '0 21 * * *',
    timezone: 'Europe/Oslo',
    type: 'echo',
    payload: n === 1 ? { a: 1 } : null,
    enabled: n === 1,
    nextRunAt: T + 86_400_000 * n,
    lastSlotAt: n === 1 ? T - 86_400_000 : null,
    createdAt: T - 3000,
    updatedAt: T,
    ...over,
  });

  const byId = <R extends { id: string }>(rows: R[]) => [...rows].sort((a, b) => (a.id < b.id ? -1 : 1));
  const read = {
    messages: async (s: TransactionStores, mindId = MIND) =>
      byId(
        (await allPages((cursor) => s.messages.list({ mindId, includeArchived: true, order: 'asc', limit: 2, cursor })))
          .items,
      ),
    records: async (s: TransactionStores, mindId = MIND) =>
      byId((await allPages((cursor) => s.records.listAll({ mindId, limit: 2, cursor }))).items),
    relationships: async (s: TransactionStores) =>
      byId((await allPages((cursor) => s.relationships.list({ mindId: MIND, limit: 2, cursor }))).items),
    environments: async (s: TransactionStores) => byId(await s.environments.list(MIND)),
    schedules: async (s: TransactionStores) =>
      byId((await allPages((cursor) => s.schedules.list({ mindId: MIND, limit: 2, cursor }))).items),
  };

  describe(`import contract: ${target.name}`, () => {
    test(
      'messages: every field kept; again, or under a used id or source key, nothing changes',
      withStores(async ({ s }) => {
        const rows = [1, 2, 3].map((n) => message(n));
        expect(await s.messages.importMany(rows)).toEqual({ inserted: 3, skipped: 0 });
        expect(await read.messages(s)).toEqual(rows);
        expect(await s.messages.importMany(rows)).toEqual({ inserted: 0, skipped: 3 });
        // A row whose source key another row of the Mind holds is skipped; so is one with a used id.
        const twins = [message(9, { sourceKey: 'legacy:2' }), message(1, { content: 'changed' })];
        expect(await s.messages.importMany(twins)).toEqual({ inserted: 0, skipped: 2 });
        expect(await read.messages(s)).toEqual(rows);
        expect(await s.messages.count({ mindId: MIND })).toBe(2); // the archived one is hidden by default
      }),
    );

    test(
      'records: listAll pages every namespace oldest first; importMany keeps ids and skips what is there',
      withStores(async ({ s }) => {
        const rows = [3, 1, 2].map((n) => record(n));
        expect(await s.records.importMany(rows)).toEqual({ inserted: 3, skipped: 0 });
        await s.records.importMany([record(1, { id: id(199), mindId: OTHER })]);
        const page = await allPages((cursor) => s.records.listAll({ mindId: MIND, limit: 2, cursor }));
        expect(page.items.map((r) => r.createdAt)).toEqual([T + 10, T + 20, T + 30]);
        expect(page.pages).toBe(2);
        expect(await read.records(s)).toEqual(byId(rows));
        expect(await s.records.importMany([...rows, record(8, { sourceKey: 'dream-1' })])).toEqual({
          inserted: 0,
          skipped: 4,
        });
        expect(await read.records(s, OTHER)).toHaveLength(1);
      }),
    );

    test(
      'relationships, environments and schedules: counters and times kept; a natural-key twin is skipped, the row left as it is',
      withStores(async ({ s }) => {
        const people = [1, 2, 3].map((n) => relationship(n));
        const places = [1, 2].map((n) => environment(n));
        const schedules = [1, 2].map((n) => schedule(n));
        expect(await s.relationships.importMany(people)).toEqual({ inserted: 3, skipped: 0 });
        expect(await s.environments.importMany(places)).toEqual({ inserted: 2, skipped: 0 });
        expect(await s.schedules.importMany(schedules)).toEqual({ inserted: 2, skipped: 0 });
        expect(await read.relationships(s)).toEqual(byId(people));
        expect(await read.environments(s)).toEqual(byId(places));
        expect(await read.schedules(s)).toEqual(byId(schedules));
        expect(
          await s.relationships.importMany([relationship(1, { id: id(299), interactionCount: 1 }), people[1]!]),
        ).toEqual({ inserted: 0, skipped: 2 });
        expect(await s.environments.importMany([environment(1, { id: id(399), visitCount: 0 })])).toEqual({
          inserted: 0,
          skipped: 1,
        });
        expect(await s.schedules.importMany([schedule(1, { id: id(499), cron: '* * * * *' })])).toEqual({
          inserted: 0,
          skipped: 1,
        });
        expect(await read.relationships(s)).toEqual(byId(people));
        expect(await read.environments(s)).toEqual(byId(places));
        expect(await read.schedules(s)).toEqual(byId(schedules));
      }),
    );

    test(
      'one invalid row (named by its index and field) and none is written',
      withStores(async ({ s }) => {
        const bad = [message(1), { ...message(2), createdAt: -1 }];
        await expect(s.messages.importMany(bad)).rejects.toMatchObject({
          code: 'INVALID_INPUT',
          field: 'messages.1.createdAt',
        });
        await expect(
          s.relationships.importMany([relationship(1), relationship(2, { trustLevel: 2 })]),
        ).rejects.toMatchObject({ field: 'relationships.1.trustLevel' });
        await expect(s.environments.importMany([environment(1, { kind: 'tv' as never })])).rejects.toMatchObject({
          field: 'environments.0.kind',
        });
        await expect(s.schedules.importMany([schedule(1, { name: '' })])).rejects.toMatchObject({
          field: 'schedules.0.name',
        });
        await expect(s.records.importMany([record(1, { data: undefined })])).rejects.toMatchObject({
          code: 'INVALID_INPUT',
        });
        expect(await read.messages(s)).toEqual([]);
        expect(await read.relationships(s)).toEqual([]);
        expect(await read.environments(s)).toEqual([]);
        expect(await read.schedules(s)).toEqual([]);
        expect(await read.records(s)).toEqual([]);
      }),
    );

    test(
      'inside a unit of work that fails, nothing imported is kept',
      withStores(async ({ s, unitOfWork }) => {
        await expect(
          unitOfWork.run(async (tx) => {
            await tx.messages.importMany([message(1)]);
            await tx.records.importMany([record(1)]);
            await tx.relationships.importMany([relationship(1)]);
            await tx.environments.importMany([environment(1)]);
            await tx.schedules.importMany([schedule(1)]);
            throw new Error('stop');
          }),
        ).rejects.toThrow('stop');
        expect(await read.messages(s)).toEqual([]);
        expect(await read.records(s)).toEqual([]);
        expect(await read.relationships(s)).toEqual([]);
        expect(await read.environments(s)).toEqual([]);
        expect(await read.schedules(s)).toEqual([]);
      }),
    );
  });
}
