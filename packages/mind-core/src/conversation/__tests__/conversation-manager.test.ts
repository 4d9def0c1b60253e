import { ConversationManager, type AddMessageInput } from '../conversation-manager';
import { GenesisError } from '../../shared/errors';
import { FakeClock, InMemoryMessageStore } from '../../testing';

const MIND = 'GMD-2026-4A7F-9B23';

/** A ConversationManager of MIND (messages up to 100 bytes) over a fresh in-memory store. */
function build() {
  const clock = new FakeClock();
  const store = new InMemoryMessageStore(clock);
  return { clock, store, conversation: new ConversationManager(MIND, store, clock, 100) };
}

/** A conversation of `n` messages a second apart: user and assistant in turn, from Ann and Bob. */
async function talked(n: number): Promise<ConversationManager> {
  const { clock, conversation } = build();
  for (let i = 0; i < n; i++) {
    await conversation.addMessage({
      role: i % 2 ? 'assistant' : 'user',
      content: `m${i}`,
      userEmail: i % 3 === 0 ? 'Ann@Example.com' : 'bob@example.com',
    });
    clock.advance(1000);
  }
  return conversation;
}

describe('ConversationManager', () => {
  test('addMessage stores the message at the clock time, with a normalised email', async () => {
    const { clock, conversation } = build();
    const input: AddMessageInput = {
      role: 'user',
      content: 'hi',
      userEmail: 'Ann@Example.com',
      environmentId: 'env-1',
      metadata: { a: 1 },
    };
    const m = await conversation.addMessage(input);
    expect(m).toMatchObject({ ...input, mindId: MIND, userEmail: 'ann@example.com', createdAt: clock.current });
  });

  test.each([
    [{ role: 'robot', content: 'x' }, /role must be one of user, assistant, system, tool/],
    [{ role: 'user', content: '   ' }, /content must be a non-empty string/],
    [{ role: 'user', content: 'x'.repeat(101) }, /101 bytes, over the limit of 100 bytes/],
    [{ role: 'user', content: 'x', userEmail: 'not-an-email' }, /userEmail must be an email address/],
    [{ role: 'user', content: 'x', metadata: [1] }, /metadata must be an object/],
  ])('addMessage rejects %j and writes nothing', async (input, message) => {
    const { conversation, store } = build();
    await expect(conversation.addMessage(input as never)).rejects.toThrow(message);
    await expect(conversation.addMessage(input as never)).rejects.toBeInstanceOf(GenesisError);
    expect(store.rows).toHaveLength(0);
  });

  test('getRecentMessages returns the newest messages in chronological order', async () => {
    const conversation = await talked(12);
    expect((await conversation.getRecentMessages({ limit: 3 })).map((m) => m.content)).toEqual(['m9', 'm10', 'm11']);
    await expect(conversation.getRecentMessages({ limit: 0 })).rejects.toThrow(
      /limit must be an integer from 1 to 1000/,
    );
  });

  test('getConversationContext gives LLM-ready messages within message and character budgets', async () => {
    const conversation = await talked(5);
    expect(await conversation.getConversationContext({ maxMessages: 2 })).toEqual([
      { role: 'assistant', content: 'm3' },
      { role: 'user', content: 'm4' },
    ]);
    expect(await conversation.getConversationContext({ maxMessages: 5, maxChars: 5 })).toEqual([
      { role: 'assistant', content: 'm3' },
      { role: 'user', content: 'm4' },
    ]);
  });

  test('listMessages filters by time, user and role and pages with a cursor', async () => {
    const conversation = await talked(10);
    const t0 = Date.UTC(2026, 0, 1);
    const first = await conversation.listMessages({
      since: new Date(t0 + 2000),
      until: new Date(t0 + 8000).toISOString(),
      limit: 4,
    });
    expect(first.items.map((m) => m.content)).toEqual(['m7', 'm6', 'm5', 'm4']);
    const second = await conversation.listMessages({
      since: t0 + 2000,
      until: t0 + 8000,
      limit: 4,
      cursor: first.nextCursor,
    });
    expect(second.items.map((m) => m.content)).toEqual(['m3', 'm2']);
    expect(second.nextCursor).toBeNull();
    const ann = await conversation.listMessages({ userEmail: 'ann@example.com', role: 'user', limit: 10 });
    expect(ann.items.map((m) => m.content)).toEqual(['m6', 'm0']);
    await expect(conversation.listMessages({ since: 'last tuesday', limit: 5 })).rejects.toThrow(
      /since must be a date/,
    );
    await expect(conversation.listMessages({ since: t0 + 5, until: t0, limit: 5 })).rejects.toThrow(
      /since must not be after until/,
    );
  });

  test('countMessages counts with the same filters', async () => {
    const conversation = await talked(9);
    expect(await conversation.countMessages()).toBe(9);
    expect(await conversation.countMessages({ role: 'assistant' })).toBe(4);
    expect(await conversation.countMessages({ userEmail: 'ann@example.com' })).toBe(3);
    expect(await conversation.countMessages({ since: Date.UTC(2026, 0, 1) + 5000 })).toBe(4);
  });
});

test('addMessages adds a batch in order, or nothing when one message is bad', async () => {
  const { conversation, store } = build();
  expect(
    await conversation.addMessages([
      { role: 'user', content: 'a' },
      { role: 'assistant', content: 'b' },
    ]),
  ).toBe(2);
  await expect(
    conversation.addMessages([
      { role: 'user', content: 'c' },
      { role: 'user', content: '' },
    ]),
  ).rejects.toThrow(/messages\.1\.content must be a non-empty string/);
  expect(store.rows.map((r) => r.content)).toEqual(['a', 'b']);
});
