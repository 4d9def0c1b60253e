import { isRecord } from '../shared/validation';

/**
 * Old single-file Genesis Minds: top-level `identity, intelligence, autonomy, state,
 * emotional_state, conversation_history, memory, dreams, consciousness, config, plugins`, with
 * unbounded lists inside, and no `schemaVersion`.
 */
export function isLegacyMindFile(value: unknown): value is Record<string, unknown> {
  if (!isRecord(value) || 'schemaVersion' in value) return false;
  return (
    ['conversation_history', 'emotional_state', 'consciousness', 'dreams'].some((k) => k in value) ||
    isRecord(value.identity)
  );
}
