import { MAX_MIND_FILE_BYTES, type MindDocument } from '../mind/mind-document';
import { isRecord } from '../shared/validation';
import { movedPointer } from './plugins';
import type { RecordCollector } from './sections';
import { fitKey } from './values';

/**
 * An imported document aims at this size (as `save()` writes it: 2-space JSON), leaving 5 KB of
 * the 50 KB limit for what the Mind adds afterwards.
 */
export const LEGACY_TARGET_BYTES = MAX_MIND_FILE_BYTES - 5 * 1024;
/** A subtree smaller than this is not worth a pointer of its own: its parent moves instead. */
const MIN_MOVE_BYTES = 1024;

/** The size of a document as `save()` writes it. */
export const documentBytes = (document: unknown): number => Buffer.byteLength(`${JSON.stringify(document, null, 2)}\n`);

const SECTIONS = ['plugins', 'state', 'config', 'intelligence', 'autonomy', 'consciousness'];
const PROTECTED = new Set(['schemaVersion', 'revision', 'identity', 'emotionalState', 'memory', 'legacyImport']);
/** The identity fields the schema requires; any other (old, unknown) identity field may move. */
const IDENTITY = new Set([
  'gmid',
  'name',
  'digitalFingerprint',
  'birthTimestamp',
  'creator',
  'creatorEmail',
  'template',
  'primaryPurpose',
  'status',
  'version',
]);

interface Candidate {
  /** Path from the document root. */
  path: string[];
  bytes: number;
}

/** Children of `value` worth moving, with their sizes (each child stringified once per pass). */
function children(path: string[], value: unknown): Candidate[] {
  if (!isRecord(value)) return [];
  return Object.entries(value)
    .filter(([, v]) => !(isRecord(v) && '$movedToRecords' in v))
    .map(([k, v]) => ({ path: [...path, k], bytes: Buffer.byteLength(JSON.stringify(v) ?? '') }));
}

const at = (root: unknown, path: string[]): unknown =>
  path.reduce<unknown>((v, k) => (isRecord(v) ? v[k] : undefined), root);

/**
 * Keeps an imported document under {@link LEGACY_TARGET_BYTES}: while it is larger, the largest
 * section (plugin sections first: `plugins.<name>`, then the other free-form sections and unknown
 * top-level keys) moves to records, one record per entry (or item, or the value itself), and
 * leaves `{ "$movedToRecords": { namespace, kind, count } }`. Within a section the move goes down
 * to the child that holds most of it, so a plugin's small current values stay when one big
 * collection is the culprit. Returns the dotted paths moved (for the report).
 */
export function fitDocument(document: MindDocument, out: RecordCollector): string[] {
  const moved: string[] = [];
  const doc = document as Record<string, unknown>;
  for (let pass = 0; pass < 1000 && documentBytes(doc) > LEGACY_TARGET_BYTES; pass++) {
    const tops = [
      ...children(['plugins'], doc.plugins),
      ...SECTIONS.filter((s) => s !== 'plugins').flatMap((s) => children([s], doc[s])),
      ...children(['identity'], doc.identity).filter((c) => !IDENTITY.has(c.path[1]!)),
      ...Object.keys(doc)
        .filter((k) => !PROTECTED.has(k) && !SECTIONS.includes(k))
        .map((k) => ({ path: [k], bytes: Buffer.byteLength(JSON.stringify(doc[k]) ?? '') })),
    ];
    const pluginTops = tops.filter((c) => c.path[0] === 'plugins' && c.bytes >= MIN_MOVE_BYTES);
    const pool = pluginTops.length > 0 ? pluginTops : tops.filter((c) => c.bytes >= 64);
    const largest = pool.sort((a, b) => b.bytes - a.bytes)[0];
    if (!largest) break;
    // Down to the child that holds most of it.
    let target = largest;
    for (;;) {
      const biggest = children(target.path, at(doc, target.path)).sort((a, b) => b.bytes - a.bytes)[0];
      if (!biggest || biggest.bytes < MIN_MOVE_BYTES || biggest.bytes * 2 < target.bytes) break;
      target = biggest;
    }
    moved.push(moveSection(doc, target.path, out));
  }
  return moved;
}

/** Moves the value at `path` to records and leaves a pointer; returns its dotted path. */
function moveSection(doc: Record<string, unknown>, path: string[], out: RecordCollector): string {
  const [section, ...rest] = path;
  const namespace = section === 'plugins' ? `plugin:${rest[0]}` : `legacy:${section}`;
  const kind = fitKey((section === 'plugins' ? rest.slice(1) : rest).join('.') || (rest[0] ?? section!), 100);
  const value = at(doc, path);
  let count: number;
  if (Array.isArray(value)) {
    out.moveList(namespace, `moved:${kind}`, value);
    count = value.length;
  } else if (isRecord(value)) {
    out.moveDict(namespace, `moved:${kind}`, value);
    count = Object.keys(value).length;
  } else {
    out.moveList(namespace, `moved:${kind}`, [value]);
    count = 1;
  }
  // Copy on write along the path: subtrees may be shared with the parsed old file.
  let parent: Record<string, unknown> = doc;
  for (const key of path.slice(0, -1)) {
    const copy = { ...(parent[key] as Record<string, unknown>) };
    parent[key] = copy;
    parent = copy;
  }
  parent[path[path.length - 1]!] = movedPointer(fitKey(namespace, 100), fitKey(`moved:${kind}`, 100), count);
  return path.join('.');
}
