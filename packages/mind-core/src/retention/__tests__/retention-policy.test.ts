import { GenesisError } from '../../shared/errors';
import { buildMindService } from '../../mind/__tests__/support';
import { DEFAULT_RETENTION_POLICY, cutoff, mergeRetentionPolicy, parseRetentionPolicyInput } from '../retention-policy';

function refused(value: unknown): GenesisError {
  try {
    parseRetentionPolicyInput(value);
  } catch (error) {
    return error as GenesisError;
  }
  throw new Error(`accepted ${JSON.stringify(value)}`);
}

describe('retention policy', () => {
  test('the defaults of the issue', () => {
    expect(DEFAULT_RETENTION_POLICY).toEqual({
      messages: { maxAgeDays: 365, maxPerMind: 100_000, archive: true },
      concerns: { closedMaxAgeDays: 90 },
      tasks: { finishedMaxAgeDays: 30 },
      concernFires: { maxAgeDays: 90 },
      scheduleFires: { maxAgeDays: 30 },
      batchSize: 250,
    });
  });

  test('a partial policy is accepted as it is; null keeps forever', () => {
    const input = { messages: { maxAgeDays: null, archive: false }, tasks: { finishedMaxAgeDays: 0.5 }, batchSize: 50 };
    expect(parseRetentionPolicyInput(input)).toEqual(input);
    expect(parseRetentionPolicyInput(undefined)).toEqual({});
  });

  test.each([
    [{ messages: { maxAgeDays: -1 } }, 'retention.messages.maxAgeDays', /0 or more/],
    [{ concerns: { closedMaxAgeDays: '90' } }, 'retention.concerns.closedMaxAgeDays', /must be a number of days/],
    [{ tasks: { finishedMaxAgeDays: Number.NaN } }, 'retention.tasks.finishedMaxAgeDays', /number of days/],
    [{ memories: { maxAgeDays: 3 } }, 'retention.memories', /not a retention setting.*messages, concerns, tasks/],
    [{ messages: { maxAge: 3 } }, 'retention.messages.maxAge', /messages takes maxAgeDays, maxPerMind, archive/],
    [{ messages: { maxPerMind: 0 } }, 'retention.messages.maxPerMind', /1 or more/],
    [{ messages: { maxPerMind: 2.5 } }, 'retention.messages.maxPerMind', /whole number/],
    [{ messages: { archive: 'yes' } }, 'retention.messages.archive', /true or false/],
    [{ batchSize: 100_000 }, 'retention.batchSize', /from 1 to 5000/],
  ])('refuses %j naming the key', (value, field, message) => {
    const error = refused(value);
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.field).toBe(field);
    expect(error.message).toMatch(message);
    expect(error.message.startsWith(field)).toBe(true);
    expect(error.message).not.toContain('\n');
  });

  test('merging: later layers win key by key, sections stay whole', () => {
    const merged = mergeRetentionPolicy(
      DEFAULT_RETENTION_POLICY,
      { messages: { maxPerMind: 10 } },
      { messages: { archive: false }, concerns: { closedMaxAgeDays: null } },
      null,
    );
    expect(merged.messages).toEqual({ maxAgeDays: 365, maxPerMind: 10, archive: false });
    expect(merged.concerns).toEqual({ closedMaxAgeDays: null });
    expect(merged.tasks).toEqual({ finishedMaxAgeDays: 30 });
    // The defaults are not changed by merging.
    expect(DEFAULT_RETENTION_POLICY.messages.maxPerMind).toBe(100_000);
  });

  test('cutoff counts days back from now; null never cuts', () => {
    expect(cutoff(10 * 86_400_000, 3)).toBe(7 * 86_400_000);
    expect(cutoff(86_400_000, 0.5)).toBe(43_200_000);
    expect(cutoff(5, null)).toBeNull();
  });
});

describe('mind.retention', () => {
  test('an override is validated, kept in the Mind file and survives a reload', async () => {
    const { service } = buildMindService();
    const mind = await service.createMind({ name: 'Atlas' });
    expect(mind.retention.get()).toBeNull();
    expect(mind.retention.effective(DEFAULT_RETENTION_POLICY)).toEqual(DEFAULT_RETENTION_POLICY);
    expect(() => mind.retention.set({ messages: { maxAgeDays: -3 } })).toThrow(/retention.messages.maxAgeDays/);
    mind.retention.set({ messages: { maxAgeDays: 7 }, tasks: { finishedMaxAgeDays: null } });
    await mind.save();

    const again = await service.loadMind(mind.gmid);
    expect(again.retention.get()).toEqual({ messages: { maxAgeDays: 7 }, tasks: { finishedMaxAgeDays: null } });
    const policy = again.retention.effective(DEFAULT_RETENTION_POLICY);
    expect(policy.messages).toEqual({ maxAgeDays: 7, maxPerMind: 100_000, archive: true });
    expect(policy.tasks.finishedMaxAgeDays).toBeNull();

    again.retention.set(null);
    await again.save();
    expect((await service.loadMind(mind.gmid)).retention.get()).toBeNull();
  });

  test('a bad override written by hand is reported naming the file and the key', async () => {
    const { service } = buildMindService();
    const mind = await service.createMind({ name: 'Atlas' });
    mind.update((d) => {
      (d as Record<string, unknown>).retention = { messages: { maxAgeDays: 'soon' } };
    });
    expect(() => mind.retention.get()).toThrow(
      expect.objectContaining({ code: 'INVALID_MIND_FILE', field: 'retention.messages.maxAgeDays' }),
    );
  });
});
