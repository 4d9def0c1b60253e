import { GenesisError, invalidInput, isGenesisError, toGenesisError } from '../errors';

describe('GenesisError', () => {
  it('carries a stable code, the field and the cause, and serializes without the stack', () => {
    const cause = new Error('disk full');
    const error = new GenesisError('MIND_FILE_WRITE_FAILED', 'Cannot write /h/minds/x.json', { field: 'file', cause });
    expect(error).toBeInstanceOf(Error);
    expect(error.cause).toBe(cause);
    expect(JSON.parse(JSON.stringify(error))).toEqual({
      name: 'GenesisError',
      code: 'MIND_FILE_WRITE_FAILED',
      message: 'Cannot write /h/minds/x.json',
      field: 'file',
      cause: 'disk full',
    });
    expect(new GenesisError('MIND_NOT_FOUND', 'No Mind').toJSON()).toEqual({
      name: 'GenesisError',
      code: 'MIND_NOT_FOUND',
      message: 'No Mind',
    });
  });

  it('invalidInput names the field first', () => {
    expect(invalidInput('role', 'must be one of user, assistant')).toMatchObject({
      code: 'INVALID_INPUT',
      field: 'role',
      message: 'role must be one of user, assistant',
    });
  });
});

describe('toGenesisError', () => {
  it('passes GenesisErrors (and subclasses) through unchanged', () => {
    class StoreError extends GenesisError {}
    const original = new StoreError('DATABASE_BUSY', 'locked');
    expect(toGenesisError(original)).toBe(original);
    expect(isGenesisError(original)).toBe(true);
  });

  it('wraps anything else as INTERNAL_ERROR with the original as cause', () => {
    const raw = Object.assign(new Error('lock file is already being held'), { code: 'ELOCKED' });
    const mapped = toGenesisError(raw);
    expect(mapped).toMatchObject({ code: 'INTERNAL_ERROR', message: 'lock file is already being held' });
    expect(mapped.cause).toBe(raw);
    expect(toGenesisError('boom')).toMatchObject({ code: 'INTERNAL_ERROR', message: 'Unexpected failure: boom' });
    expect(isGenesisError(raw)).toBe(false);
  });
});
