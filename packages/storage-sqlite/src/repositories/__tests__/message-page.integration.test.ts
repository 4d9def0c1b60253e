import { FakeClock, tempHome } from '@genesis/mind-core/testing';
import { SqlDatabase } from '../../sql-database';
import { MessageRepository } from '../message.repository';

/**
 * On SQLite a page of messages is read with its text columns packed into one JSON array per row
 * (`list`); a single message is read column by column (`get`). Both must give the same values,
 * whatever the text holds, and for values another program wrote (numbers in text columns, a BLOB,
 * a fractional time).
 */
const mind = 'GMD-2026-4A7F-9B23';
let home: ReturnType<typeof tempHome>;
let db: SqlDatabase;
let messages: MessageRepository;

beforeAll(async () => {
  home = tempHome('genesis-message-page-');
  ({ db } = await SqlDatabase.openMigrated({ url: `${home.path}/genesis.db` }));
  messages = new MessageRepository(db, new FakeClock());
});
afterAll(async () => {
  await db.close();
  home.cleanup();
});

const ODD_TEXT = [
  'plain',
  'quote " back \\ slash',
  'nul \u0000 inside',
  'controls \u0001\u001f\u007f\t\n\r',
  'emoji 😀, ü, 中文',
  'line \u2028 and paragraph \u2029 separators',
  '{"looks":"like json"}',
  '12345',
  ' null ',
  'x'.repeat(100_000),
];

test('a page holds exactly the values read column by column, for any text', async () => {
  await messages.appendMany(
    ODD_TEXT.map((text, i) => ({
      mindId: mind,
      role: 'user' as const,
      content: text,
      userEmail: `u${i}@example.com`,
      environmentId: `env-${text.slice(0, 20)}`,
      metadata: { text, n: i, nested: { list: [1, 'two', null] } },
      sourceKey: `src-${i}-${text.slice(0, 30)}`,
      createdAt: 1_000 + i,
    })),
  );
  // As another program may have written them: numbers in text columns, a BLOB, a fractional time.
  await db.write((tx) =>
    tx.run(
      `INSERT INTO conversation_messages (id, mind_id, role, content, user_email, environment_id, metadata, created_at, archived, source_key)
       VALUES ('foreign-1', ?, 'assistant', 42, NULL, 7, 'not json', 2000.5, 0, NULL),
              ('foreign-2', ?, 'tool', X'68c3a96c6c6f', 'x@example.com', NULL, NULL, 2001, 0, X'6b6579')`,
      [mind, mind],
    ),
  );
  const page = await messages.list({ mindId: mind, limit: 100 });
  expect(page.items).toHaveLength(ODD_TEXT.length + 2);
  for (const item of page.items) expect(item).toStrictEqual(await messages.get(mind, item.id));
  const foreign = page.items.filter((m) => m.id.startsWith('foreign-'));
  expect(foreign.map((m) => [m.content, m.environmentId, m.metadata, m.createdAt, m.sourceKey])).toEqual([
    ['héllo', null, {}, 2001, 'key'],
    ['42', '7', { unparsedJson: 'not json' }, 2000.5, null],
  ]);
  expect(page.items.find((m) => m.content === ODD_TEXT[2])?.metadata).toEqual({
    text: ODD_TEXT[2],
    n: 2,
    nested: { list: [1, 'two', null] },
  });
});

test('pages by cursor, with filters, are the same messages in the same order', async () => {
  const all = (await messages.list({ mindId: mind, limit: 1000 })).items.map((m) => m.id);
  const paged: string[] = [];
  let cursor: string | null = null;
  do {
    const page = await messages.list({ mindId: mind, limit: 3, cursor });
    paged.push(...page.items.map((m) => m.id));
    cursor = page.nextCursor;
  } while (cursor);
  expect(paged).toEqual(all);
  const byUser = await messages.list({ mindId: mind, userEmail: 'u3@example.com', limit: 10 });
  expect(byUser.items.map((m) => m.content)).toEqual([ODD_TEXT[3]]);
});

test('a page of messages this code wrote is one statement, the same values and order as read row by row', async () => {
  const other = 'GMD-2026-5B8C-0D14';
  // Equal times too: the id breaks the tie, in both orders.
  await messages.appendMany(
    ODD_TEXT.map((text, i) => ({
      mindId: other,
      role: 'assistant' as const,
      content: text,
      metadata: i % 2 ? { text } : undefined,
      createdAt: 5_000 + Math.floor(i / 3),
    })),
  );
  const all = jest.spyOn(db, 'all');
  try {
    for (const order of ['desc', 'asc'] as const) {
      // Pages of more than 50 are read row by row: the reference.
      const whole = (await messages.list({ mindId: other, limit: 1000, order })).items;
      expect(whole).toHaveLength(ODD_TEXT.length);
      for (const limit of [1, 3, 50]) {
        const paged = [];
        let cursor: string | null = null;
        do {
          all.mockClear();
          const page: Awaited<ReturnType<MessageRepository['list']>> = await messages.list({
            mindId: other,
            limit,
            order,
            cursor,
          });
          expect(all).toHaveBeenCalledTimes(1);
          expect(all.mock.calls[0]![0]).toMatch(/^SELECT '\[' \|\| group_concat/);
          paged.push(...page.items);
          cursor = page.nextCursor;
        } while (cursor);
        expect(paged).toStrictEqual(whole);
      }
    }
    all.mockClear();
    expect(await messages.list({ mindId: 'GMD-2026-0000-0000', limit: 10 })).toEqual({ items: [], nextCursor: null });
    expect(all).toHaveBeenCalledTimes(1);
  } finally {
    all.mockRestore();
  }
  for (const m of (await messages.list({ mindId: other, limit: 20 })).items)
    expect(m).toStrictEqual(await messages.get(other, m.id));
});
