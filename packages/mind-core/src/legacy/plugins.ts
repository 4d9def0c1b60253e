import { ENVIRONMENT_KINDS, type EnvironmentKind } from '../ports/environment-store';
import { RELATIONSHIP_TYPES, type RelationshipType } from '../ports/relationship-store';
import { isEmail, isRecord } from '../shared/validation';
import type { RecordCollector } from './sections';
import { legacyTime } from './time';
import { digest, jsonLargerThan, pick, text } from './values';

/**
 * The generic rule for plugin state. Every plugin's state (`plugins.<name>`) is walked at any
 * depth, through objects (a list is never walked into). A value is *growing state*, and moves to
 * `mind_records` (namespace `plugin:<name>`, kind = its dotted path below `plugins.<name>`, one
 * record per item), when it is a non-empty
 * - list, and its key is history-like (`…history`, `…log(s)`, `…transactions`, `…events`,
 *   `…records`, `…entries`, `…stream`, `…journal`, `…queue`, `…archive`, `…snapshots`,
 *   `…interactions`), or it has more than {@link GROWING_ITEMS} items, or it is larger than
 *   {@link GROWING_BYTES} as JSON;
 * - dict whose values are all objects or lists (a collection of items), and its key is
 *   history-like or collection-like (`…tasks`, `…files`, `…experiences`, `…roles`, `…visitors`,
 *   `…messages`, `…notes`, `…items`, `…sessions`, `…conversations`, `…memories`, …), or most of
 *   its keys look generated (`TASK-1a2b`, `FILE_0042`, UUIDs, long hex, numbers, dates, emails), or
 *   it has more than {@link GROWING_ITEMS} entries, or it is larger than {@link GROWING_BYTES}.
 * Everything else (configuration, small current values such as a balance) stays in the document;
 * a moved collection leaves the document (the report lists it; its records are found by namespace
 * and kind). Only the size cap (`fit.ts`) leaves pointers, since what it moves is configuration.
 * Source keys: `legacy:plugin:<name>:<kind>:<index or k=key>:<digest of the item>`, so importing
 * the same file again never adds an item twice (a changed item is a new item).
 *
 * Named mappings come first: the people of `plugins.relationships.….relationships` go to the
 * relationship store, the places of `plugins.environments.….environments` to the environment
 * store (their own growing lists, e.g. `visitors_history`, to records, by the same rule).
 */
export const GROWING_ITEMS = 20;
export const GROWING_BYTES = 4 * 1024;
const HISTORY_NAME =
  /(history|histories|log|logs|transactions|events|records|entries|stream|journal|queue|archive|snapshots|interactions)$/i;
const COLLECTION_NAME =
  /(tasks|files|experiences|roles|visitors|messages|notes|items|sessions|conversations|memories|relationships|environments|people|contacts|places|goals|projects|documents|jobs)$/i;
const GENERATED_KEY = [
  /^[A-Z][A-Z0-9]{1,15}[-_][A-Za-z0-9][A-Za-z0-9_.:-]{2,}$/, // TASK-1a2b3c, FILE_0042, EVT-2025-01-01-7
  /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, // UUID
  /^(?=.*\d)[0-9a-f]{8,}$/i, // long hex
  /^\d+$/, // numbers
  /^\d{4}-\d{2}-\d{2}/, // dates
  /^[a-z]+[_-]\d{6,}$/i, // event_1700000000
  /^[^@\s]+@[^@\s]+\.[^@\s]+$/, // emails
];

/** A person of the relationships plugin, on the way to the relationship store. */
export interface LegacyPerson {
  /** Its key in the plugin's dict (or index in its list). */
  key: string;
  email: string;
  displayName: string | null;
  relationshipType: RelationshipType;
  trustLevel: number | null;
  notes: string | null;
  /** Every other field, and where it came from. */
  metadata: Record<string, unknown>;
  interactionCount: number;
  firstInteractionAt: number | null;
  lastInteractionAt: number | null;
  /** Marks the row as imported from this entry (kept in its metadata: importing again adds no count). */
  legacyKey: string;
}

/** A place of the environments plugin, on the way to the environment store. */
export interface LegacyPlace {
  key: string;
  name: string;
  kind: EnvironmentKind;
  description: string | null;
  lastActiveAt: number | null;
  metadata: Record<string, unknown>;
  legacyKey: string;
}

export interface PluginConversion {
  plugins: Record<string, unknown>;
  people: LegacyPerson[];
  places: LegacyPlace[];
  /** Dotted paths moved to records, with their item counts. */
  moved: Array<{ path: string; count: number }>;
  problems: string[];
}

/** A pointer left where a collection was: what moved, and where to find it. */
export const movedPointer = (namespace: string, kind: string, count: number) => ({
  $movedToRecords: { namespace, kind, count },
});

const isCollectionDict = (v: Record<string, unknown>): boolean => {
  const values = Object.values(v);
  return values.length > 0 && values.every((x) => typeof x === 'object' && x !== null);
};

const generatedKeys = (v: Record<string, unknown>): boolean => {
  const keys = Object.keys(v);
  const generated = keys.filter((k) => GENERATED_KEY.some((re) => re.test(k))).length;
  return keys.length > 0 && generated * 5 >= keys.length * 4;
};

/** Is `value`, found at `key`, growing state by the rule above? */
export function isGrowing(key: string, value: unknown): value is unknown[] | Record<string, unknown> {
  if (Array.isArray(value))
    return (
      value.length > 0 &&
      (HISTORY_NAME.test(key) || value.length > GROWING_ITEMS || jsonLargerThan(value, GROWING_BYTES))
    );
  if (!isRecord(value) || !isCollectionDict(value)) return false;
  // `plugins.tasks.tasks = { tasks: {…}, … }`: a plugin's state object named like its collection.
  if (key in value) return false;
  return (
    HISTORY_NAME.test(key) ||
    COLLECTION_NAME.test(key) ||
    generatedKeys(value) ||
    Object.keys(value).length > GROWING_ITEMS ||
    jsonLargerThan(value, GROWING_BYTES)
  );
}

/** The entries of a collection (dict or list) as [key, item]. */
const entriesOf = (v: unknown[] | Record<string, unknown>): Array<[string, unknown]> =>
  Array.isArray(v) ? v.map((item, i) => [String(i), item]) : Object.entries(v);

/** The collection a named mapping applies to: `name` at `key`, unless it holds `key` again one level down. */
function isMapped(plugin: string, key: string, value: unknown, name: string): boolean {
  if (plugin !== name || key !== name) return false;
  if (!(Array.isArray(value) || isRecord(value))) return false;
  if (isRecord(value) && (isRecord(value[name]) || Array.isArray(value[name]))) return false;
  const entries = entriesOf(value);
  return entries.length > 0 && entries.every(([, item]) => isRecord(item));
}

/** Moves the growing state of every plugin out of the document; see the rule above. */
export function convertPlugins(old: Record<string, unknown>, out: RecordCollector): PluginConversion {
  const result: PluginConversion = { plugins: {}, people: [], places: [], moved: [], problems: [] };
  for (const [name, value] of Object.entries(old)) {
    result.plugins[name] = isRecord(value) ? walk(name, [], value, out, result) : value;
  }
  return result;
}

/** A copy of `node` without its growing state (unchanged subtrees are shared, never copied). */
function walk(
  plugin: string,
  path: string[],
  node: Record<string, unknown>,
  out: RecordCollector,
  result: PluginConversion,
): Record<string, unknown> {
  const kept: Record<string, unknown> = {};
  const namespace = `plugin:${plugin}`;
  for (const [key, value] of Object.entries(node)) {
    const here = [...path, key];
    const kind = here.join('.');
    if (isMapped(plugin, key, value, 'relationships')) {
      const collection = value as unknown[] | Record<string, unknown>;
      const people = entriesOf(collection).map(([k, item]) => toPerson(k, item as Record<string, unknown>, kind, out));
      const withEmail = people.filter((p): p is LegacyPerson => p !== null);
      result.people.push(...withEmail);
      const without = entriesOf(collection).filter((_, i) => people[i] === null);
      if (without.length > 0) {
        out.moveDict(namespace, kind, Object.fromEntries(without));
        result.problems.push(
          `${without.length} of the people in plugins.${plugin}.${kind} have no email address: kept as records (${namespace}, kind ${kind}), not as relationships`,
        );
      }
      result.moved.push({ path: `plugins.${plugin}.${kind}`, count: people.length });
      continue;
    }
    if (isMapped(plugin, key, value, 'environments')) {
      const collection = value as unknown[] | Record<string, unknown>;
      const places = entriesOf(collection).map(([k, item]) => toPlace(k, item as Record<string, unknown>, kind, out));
      result.places.push(...places);
      result.moved.push({ path: `plugins.${plugin}.${kind}`, count: places.length });
      continue;
    }
    if (isGrowing(key, value)) {
      if (Array.isArray(value)) out.moveList(namespace, kind, value);
      else out.moveDict(namespace, kind, value);
      const count = Array.isArray(value) ? value.length : Object.keys(value).length;
      result.moved.push({ path: `plugins.${plugin}.${kind}`, count });
      continue;
    }
    kept[key] = isRecord(value) ? walk(plugin, here, value, out, result) : value;
  }
  return kept;
}

/**
 * The growing fields of a mapped entity (a person's interaction history, a place's visitors) go
 * to records with the entity as `owner`; the rest is returned for the entity's metadata.
 */
function splitEntity(
  namespace: string,
  kind: string,
  owner: string,
  entity: Record<string, unknown>,
  out: RecordCollector,
): Record<string, unknown> {
  const rest: Record<string, unknown> = {};
  for (const [field, v] of Object.entries(entity)) {
    if (isGrowing(field, v)) {
      if (Array.isArray(v)) out.moveList(namespace, `${kind}.${field}`, v, owner);
      else out.moveDict(namespace, `${kind}.${field}`, v, owner);
    } else rest[field] = v;
  }
  return rest;
}

const PERSON_FIELDS = [
  'email',
  'user_email',
  'name',
  'display_name',
  'user_name',
  'relationship_type',
  'type',
  'trust_level',
  'trust',
  'notes',
  'interaction_count',
  'interactions_count',
  'first_interaction',
  'first_met',
  'last_interaction',
  'last_interaction_at',
  'last_seen',
  'last_contact',
];
const TYPE_ALIASES: Record<string, RelationshipType> = {
  creator: 'creator',
  owner: 'owner',
  family: 'family',
  friend: 'friend',
  best_friend: 'friend',
  colleague: 'colleague',
  coworker: 'colleague',
  user: 'user',
  acquaintance: 'user',
};

/** A unit trust from 0..1, 0..10 or 0..100. */
function trust(v: unknown): number | null {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) return null;
  if (v <= 1) return v;
  if (v <= 10) return v / 10;
  return Math.min(1, v / 100);
}

function toPerson(key: string, p: Record<string, unknown>, kind: string, out: RecordCollector): LegacyPerson | null {
  const emailText = text(pick(p, 'email', 'user_email'))?.trim() ?? (isEmail(key) ? key : null);
  if (!isEmail(emailText)) return null;
  const email = emailText.toLowerCase();
  const rest = splitEntity('plugin:relationships', kind, email, p, out);
  for (const f of PERSON_FIELDS) delete rest[f];
  const rawType = text(pick(p, 'relationship_type', 'type'))?.toLowerCase() ?? null;
  const mapped = rawType ? (TYPE_ALIASES[rawType] ?? null) : null;
  const rawNotes = pick(p, 'notes');
  const notesText = Array.isArray(rawNotes) ? rawNotes.map(String).join('\n') : text(rawNotes);
  const notes = notesText ? notesText.slice(0, 10_000) : null;
  const countRaw = pick(p, 'interaction_count', 'interactions_count');
  const name =
    text(pick(p, 'display_name', 'name', 'user_name'))
      ?.trim()
      .slice(0, 200) || null;
  return {
    key,
    email,
    displayName: name,
    relationshipType:
      mapped ??
      (rawType && (RELATIONSHIP_TYPES as readonly string[]).includes(rawType)
        ? (rawType as RelationshipType)
        : rawType
          ? 'other'
          : 'user'),
    trustLevel: trust(pick(p, 'trust_level', 'trust')),
    notes,
    metadata: {
      ...rest,
      ...(rawType && !mapped ? { legacyRelationshipType: rawType } : {}),
      ...(notesText && notesText.length > 10_000 ? { legacyNotes: rawNotes } : {}),
      ...(typeof pick(p, 'trust_level', 'trust') === 'number' ? { legacyTrust: pick(p, 'trust_level', 'trust') } : {}),
    },
    interactionCount: typeof countRaw === 'number' && Number.isInteger(countRaw) && countRaw > 0 ? countRaw : 0,
    firstInteractionAt: legacyTime(pick(p, 'first_interaction', 'first_met', 'created_at')),
    lastInteractionAt: legacyTime(pick(p, 'last_interaction', 'last_interaction_at', 'last_seen', 'last_contact')),
    legacyKey: `plugins.relationships.${kind}:${key}`,
  };
}

const PLACE_FIELDS = [
  'name',
  'display_name',
  'type',
  'kind',
  'environment_type',
  'description',
  'last_active',
  'last_visited',
  'last_activity',
];

function toPlace(key: string, e: Record<string, unknown>, kind: string, out: RecordCollector): LegacyPlace {
  const rest = splitEntity('plugin:environments', kind, key, e, out);
  for (const f of PLACE_FIELDS) delete rest[f];
  const rawKind = text(pick(e, 'kind', 'type', 'environment_type'))?.toLowerCase() ?? null;
  const envKind =
    rawKind && (ENVIRONMENT_KINDS as readonly string[]).includes(rawKind) ? (rawKind as EnvironmentKind) : 'other';
  const name = (text(pick(e, 'name', 'display_name'))?.trim() || key).slice(0, 200);
  const description = text(pick(e, 'description'));
  return {
    key,
    name,
    kind: envKind,
    description: description ? description.slice(0, 10_000) : null,
    lastActiveAt: legacyTime(pick(e, 'last_active', 'last_visited', 'last_activity')),
    metadata: {
      ...rest,
      ...(rawKind && envKind === 'other' && rawKind !== 'other' ? { legacyType: rawKind } : {}),
      ...(description && description.length > 10_000 ? { legacyDescription: description } : {}),
      legacyDigest: digest(e),
    },
    legacyKey: `plugins.environments.${kind}:${key}`,
  };
}
