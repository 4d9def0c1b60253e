import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { GenesisError } from '../shared/errors';
import { isGmid } from '../shared/gmid';

export const MIND_SCHEMA_VERSION = 2;
/** The JSON file of a Mind never grows past this. */
export const MAX_MIND_FILE_BYTES = 50 * 1024;
/** At most this many emotions are kept in the emotions map (the strongest). */
export const MAX_EMOTIONS = 24;

const record = z.record(z.string(), z.unknown());
const unit = z.number().min(0).max(1);

const identity = z.looseObject({
  gmid: z.string().refine(isGmid, 'must be a GMID like GMD-2026-4A7F-9B23 (or GMID-12345678)'),
  name: z.string().min(1).max(200),
  digitalFingerprint: z.string().min(1),
  birthTimestamp: z.iso.datetime({ offset: true }),
  creator: z.string().nullable(),
  creatorEmail: z.email().nullable(),
  template: z.string().nullable(),
  primaryPurpose: z.string().nullable(),
  status: z.string().min(1),
  version: z.string().min(1),
});

const emotionalState = z.looseObject({
  primaryEmotion: z.string().min(1),
  intensity: unit,
  emotions: z
    .record(z.string(), unit)
    .refine((m) => Object.keys(m).length <= MAX_EMOTIONS, `at most ${MAX_EMOTIONS} emotions`),
  mood: z.string().min(1),
  /** -1 (unpleasant) .. 1 (pleasant) */
  valence: z.number().min(-1).max(1),
  /** 0 (calm) .. 1 (excited) */
  arousal: unit,
  lastUpdate: z.iso.datetime({ offset: true }),
});

const memorySummary = z.looseObject({
  totalMemories: z.number().int().min(0),
  byType: z.record(z.string(), z.number().int().min(0)),
  /** Memories still inline in the backup of an old-format file, not yet moved to the memory tier. */
  notYetMoved: z.number().int().min(0),
});

const legacyImport = z.object({
  sourceFile: z.string(),
  backupFile: z.string(),
  importedAt: z.iso.datetime({ offset: true }),
  messagesImported: z.number().int().min(0),
  recordsImported: z.number().int().min(0),
});

export const mindDocumentSchema = z.looseObject({
  schemaVersion: z.literal(MIND_SCHEMA_VERSION),
  /** Incremented by every save; detects two processes saving the same Mind. */
  revision: z.number().int().min(0),
  identity,
  intelligence: record,
  autonomy: record,
  state: record,
  emotionalState,
  memory: memorySummary,
  plugins: record,
  config: record,
  legacyImport: legacyImport.optional(),
});

export type MindDocument = z.infer<typeof mindDocumentSchema>;
export type MindIdentity = MindDocument['identity'];
export type EmotionalState = MindDocument['emotionalState'];

/** Validates parsed JSON as a Mind document; the error names the file and the field. */
export function validateMindDocument(value: unknown, file: string): MindDocument {
  const result = mindDocumentSchema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const field = issue.path.length ? issue.path.join('.') : '(root)';
  throw new GenesisError(
    'INVALID_MIND_FILE',
    `Mind file ${file} is invalid at field "${field}": ${issue.message}. The file was left untouched.`,
    { field },
  );
}

export function neutralEmotionalState(at: string): EmotionalState {
  return {
    primaryEmotion: 'neutral',
    intensity: 0,
    emotions: {},
    mood: 'calm',
    valence: 0,
    arousal: 0,
    lastUpdate: at,
  };
}

export interface NewMindInput {
  name: string;
  creator?: string | null;
  creatorEmail?: string | null;
  template?: string | null;
  primaryPurpose?: string | null;
  intelligence?: Record<string, unknown>;
  autonomy?: Record<string, unknown>;
  plugins?: Record<string, unknown>;
}

export function newMindDocument(gmid: string, input: NewMindInput, now: number): MindDocument {
  const birth = new Date(now).toISOString();
  const fingerprint = createHash('sha256')
    .update(`${gmid}|${birth}|${randomBytes(16).toString('hex')}`)
    .digest('hex');
  return {
    schemaVersion: MIND_SCHEMA_VERSION,
    revision: 0,
    identity: {
      gmid,
      name: input.name,
      digitalFingerprint: fingerprint,
      birthTimestamp: birth,
      creator: input.creator ?? null,
      creatorEmail: input.creatorEmail ?? null,
      template: input.template ?? null,
      primaryPurpose: input.primaryPurpose ?? null,
      status: 'active',
      version: '1.0.0',
    },
    intelligence: input.intelligence ?? { reasoningModel: null, fastModel: null, temperature: 0.7 },
    autonomy: input.autonomy ?? { proactiveEnabled: true, checkIntervalMinutes: 60 },
    state: { status: 'idle', lastActive: birth },
    emotionalState: neutralEmotionalState(birth),
    memory: { totalMemories: 0, byType: {}, notYetMoved: 0 },
    plugins: input.plugins ?? {},
    config: {},
  };
}
