export type MindErrorCode =
  | 'INVALID_GMID'
  | 'INVALID_INPUT'
  | 'INVALID_MIND_FILE'
  | 'MIND_NOT_FOUND'
  | 'SAVE_CONFLICT'
  | 'MIND_FILE_TOO_LARGE'
  | 'CONCERN_NOT_FOUND'
  | 'INVALID_TRANSITION';

/** The one error type of @genesis/mind-core: a stable `code`, a message for people, the cause. */
export class MindError extends Error {
  override readonly name = 'MindError';
  readonly code: MindErrorCode;

  constructor(code: MindErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }

  toJSON(): { name: string; code: MindErrorCode; message: string } {
    return { name: this.name, code: this.code, message: this.message };
  }
}

export const invalidInput = (message: string): MindError => new MindError('INVALID_INPUT', message);
