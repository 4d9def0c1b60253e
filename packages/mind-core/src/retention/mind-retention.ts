import type { MindDocument } from '../mind/mind-document';
import { GenesisError } from '../shared/errors';
import {
  mergeRetentionPolicy,
  parseRetentionPolicyInput,
  type RetentionPolicy,
  type RetentionPolicyInput,
} from './retention-policy';

/** The part of a Mind this needs: its document, and the way to change it. */
interface MindDocumentAccess {
  readonly gmid: string;
  readonly file: string;
  readonly document: MindDocument;
  update(change: (doc: MindDocument) => void): unknown;
}

/**
 * A Mind's own retention policy: an override of the home's defaults, kept in the Mind file (its
 * `retention` section), so it travels with the Mind (export, import, another home) and is merged
 * with other writers section by section like the rest of the document.
 */
export class MindRetention {
  constructor(private readonly mind: MindDocumentAccess) {}

  /** The override stored with the Mind, or null when it follows the defaults. */
  get(): RetentionPolicyInput | null {
    const stored = (this.mind.document as Record<string, unknown>).retention;
    if (stored === undefined || stored === null) return null;
    try {
      return parseRetentionPolicyInput(stored);
    } catch (error) {
      const field = (error as GenesisError).field ?? 'retention';
      throw new GenesisError(
        'INVALID_MIND_FILE',
        `Mind file ${this.mind.file} is invalid at field "${field}": ${(error as Error).message}. Fix it with mind.retention.set(...) or by editing the file.`,
        { field, cause: error },
      );
    }
  }

  /**
   * Sets (or with null, removes) the Mind's override: validated now (a negative age, an unknown
   * store… are refused naming the key), written by the next `mind.save()`.
   */
  set(policy: RetentionPolicyInput | null): RetentionPolicyInput | null {
    const parsed = policy === null ? null : parseRetentionPolicyInput(policy);
    this.mind.update((doc) => {
      if (parsed === null) delete (doc as Record<string, unknown>).retention;
      else (doc as Record<string, unknown>).retention = parsed;
    });
    return parsed;
  }

  /** The policy in force for this Mind: `defaults` with its override applied. */
  effective(defaults: RetentionPolicy): RetentionPolicy {
    return mergeRetentionPolicy(defaults, this.get());
  }
}
