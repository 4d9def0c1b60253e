import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GenesisError } from '@genesis/mind-core';
import { tempHome } from '@genesis/mind-core/testing';
import { resolveConfig } from '../composition/config';
import { followUpSettings } from '../composition/follow-up-config';

let home: ReturnType<typeof tempHome>;
beforeEach(() => {
  home = tempHome();
});
afterEach(() => home.cleanup());

const refusal = (fn: () => unknown): GenesisError => {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(GenesisError);
    return error as GenesisError;
  }
  throw new Error('expected INVALID_CONFIG');
};

describe('followUps configuration', () => {
  it('defaults: enabled, conversation on, log off, no webhook, the default policy', () => {
    const config = resolveConfig({ overrides: { home: home.path }, env: {} });
    expect(config.followUps).toEqual({
      enabled: true,
      maxAttempts: 5,
      notifiers: { conversation: true, log: false },
      policy: {},
    });
    const settings = followUpSettings(config.followUps);
    expect(settings.policy.quietHours).toBe('22:00-06:00');
    expect(settings.timezone).toBeNull();
  });

  it('file < GENESIS_WEBHOOK_SECRET < options; policy overrides merge key by key', () => {
    writeFileSync(
      join(home.path, 'genesis.config.json'),
      JSON.stringify({
        followUps: {
          timezone: 'Europe/Oslo',
          notifiers: { log: true, webhook: { url: 'https://hooks.example.com/genesis', secret: 'from-file' } },
          policy: { quietHours: '23:00-07:00', rateLimit: { max: 5 } },
        },
      }),
    );
    const config = resolveConfig({
      overrides: { home: home.path, followUps: { policy: { rateLimit: { windowMs: 1_800_000 } } } },
      env: { GENESIS_WEBHOOK_SECRET: 'from-env' },
    });
    expect(config.followUps).toEqual({
      enabled: true,
      timezone: 'Europe/Oslo',
      maxAttempts: 5,
      notifiers: {
        conversation: true,
        log: true,
        webhook: { url: 'https://hooks.example.com/genesis', secret: 'from-env', timeoutMs: 10_000 },
      },
      policy: { quietHours: '23:00-07:00', rateLimit: { max: 5, windowMs: 1_800_000 } },
    });
    expect(followUpSettings(config.followUps).policy.rateLimit).toEqual({
      max: 5,
      windowMs: 1_800_000,
      retryMs: 360_000,
    });
  });

  it.each([
    [{ notifiers: { webhook: { url: 'ftp://example.com/x', secret: 's' } } }, 'followUps.notifiers.webhook.url'],
    [{ notifiers: { webhook: { url: 'not a url', secret: 's' } } }, 'followUps.notifiers.webhook.url'],
    [{ notifiers: { webhook: { url: 'https://example.com/x' } } }, 'followUps.notifiers.webhook.secret'],
    [
      { notifiers: { webhook: { url: 'https://example.com/x', secret: 's', timeoutMs: -1 } } },
      'followUps.notifiers.webhook.timeoutMs',
    ],
    [{ timezone: 'Mars/Olympus' }, 'followUps.timezone'],
    [{ maxAttempts: 0 }, 'followUps.maxAttempts'],
    [{ policy: { quietHours: '22-06' } }, 'followUps.policy.quietHours'],
    [{ policy: { highDelayMs: -5 } }, 'followUps.policy.highDelayMs'],
    [{ policy: { defaultDelayMs: 'soon' } }, 'followUps.policy.defaultDelayMs'],
    [{ policy: { rateLimit: { max: -1 } } }, 'followUps.policy.rateLimit.max'],
    [{ policy: { backoffBaseMs: { hobby: 1 } } }, 'followUps.policy.backoffBaseMs.hobby'],
    [{ policy: { quietHourz: '22:00-06:00' } }, 'followUps.policy.quietHourz'],
  ])('refuses %j at start, naming %s', (followUps, field) => {
    const error = refusal(() =>
      resolveConfig({ overrides: { home: home.path, followUps: followUps as never }, env: {} }),
    );
    expect(error.code).toBe('INVALID_CONFIG');
    expect(error.field).toBe(field);
    expect(error.message).toContain(`"${field}"`);
  });

  it('refuses an unknown key in the config file', () => {
    writeFileSync(join(home.path, 'genesis.config.json'), JSON.stringify({ followUps: { notifier: {} } }));
    const error = refusal(() => resolveConfig({ overrides: { home: home.path }, env: {} }));
    expect(error.field).toBe('followUps');
  });
});
