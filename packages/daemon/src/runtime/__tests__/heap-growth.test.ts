import { isGenesisError } from '@genesis/mind-core';
import { limitHeapGrowth } from '../heap-growth';

describe('limitHeapGrowth', () => {
  test.each([-1, 1.5, 1001, Number.NaN])('refuses %p, naming the setting', (percent) => {
    let thrown: unknown;
    try {
      limitHeapGrowth(percent);
    } catch (error) {
      thrown = error;
    }
    expect(isGenesisError(thrown) && thrown.code).toBe('INVALID_INPUT');
    expect((thrown as Error).message).toMatch(/^heap growth must be a whole percent from 0/);
  });

  test('takes a whole percent, and 0 gives the choice back to V8', () => {
    expect(() => limitHeapGrowth(50)).not.toThrow();
    expect(() => limitHeapGrowth(0)).not.toThrow();
  });
});
