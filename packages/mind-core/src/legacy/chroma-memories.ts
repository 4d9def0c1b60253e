import { buildMemory, MEMORY_TYPES, type MemoryType } from '../memory/memory-input';
import type { Mind } from '../mind/mind';
import { invalidInput, toGenesisError, type GenesisErrorJson } from '../shared/errors';
import { legacyMemory, type LegacyMemoryImport } from './memories';

/**
 * The memories of an old per-Mind Chroma store (`<home>/data/chroma/{GMID}/`, collection
 * `mind_{GMID}`) into the Mind's collection: each record's metadata mapped as the old Mind file's
 * inline memories are (one shared mapping), its document as the content, its id kept — so an
 * import run twice, or after the inline memories moved, stores each memory once — and embedded
 * again by the configured provider.
 */

/** A record of an old Chroma store, as `openLegacyChromaStore` of @genesis/storage-chroma reads it. */
export interface LegacyChromaRecord {
  id: string;
  document: string | null;
  metadata: Record<string, unknown>;
}

export type LegacyChromaMapping = { ok: true; memory: LegacyMemoryImport } | { ok: false; reason: string };

/**
 * One old Chroma record as a memory import. Fails (with the reason) for a record without an id or
 * without document text.
 */
export function legacyChromaMemory(record: LegacyChromaRecord, fallbackTime: number): LegacyChromaMapping {
  if (typeof record?.id !== 'string' || record.id.trim() === '') return { ok: false, reason: 'the record has no id' };
  if (typeof record.document !== 'string' || record.document.trim() === '')
    return { ok: false, reason: 'the record has no document text' };
  // The record's own id and document win over metadata keys of the same name.
  const { id: metadataId, content: metadataContent, ...metadata } = record.metadata ?? {};
  const memory = legacyMemory(record.id, { ...metadata, id: record.id, content: record.document }, fallbackTime);
  const shadowed = {
    ...(metadataId !== undefined && metadataId !== record.id ? { id: metadataId } : {}),
    ...(metadataContent !== undefined ? { content: metadataContent } : {}),
  };
  if (Object.keys(shadowed).length > 0) {
    const legacy = (memory.metadata!.legacy as Record<string, unknown> | undefined) ?? {};
    memory.metadata = { ...memory.metadata, legacy: { ...legacy, ...shadowed } };
  }
  return { ok: true, memory };
}

export interface LegacyChromaSkip {
  id: string;
  reason: string;
}

export interface LegacyChromaReport {
  /** Records read from the old store. */
  read: number;
  /** Memories stored in the Mind's collection by this run (with `dryRun`: that would be). */
  moved: number;
  /** Records whose id the Mind's collection already held (an earlier run, or the Mind file's inline memories). */
  alreadyThere: number;
  /** Records not imported, and why (no document, a duplicate id in the store, a field that cannot be stored). */
  skipped: LegacyChromaSkip[];
  /** The old store stopped being readable part way: what was read before is imported; the rest is not. */
  failed?: GenesisErrorJson;
}

export interface ImportLegacyChromaOptions {
  /**
   * The Mind the memories belong to. Null only with `dryRun` for a Mind not made yet (a dry run of
   * a home migration): records are read and checked, and none counts as already there.
   */
  mind: Mind | null;
  /** The old store's records (e.g. `store.records()` of `openLegacyChromaStore`). */
  records: AsyncIterable<LegacyChromaRecord>;
  /**
   * Read, map and check everything, and count what is already there; store nothing. (Checking ids
   * opens the Mind's collection, creating it empty if it has none yet.)
   */
  dryRun?: boolean;
  /** The time of records that carry none. Default: the Mind's birth. */
  fallbackTime?: number;
  /** Records embedded and stored per call. Default 256. */
  batchSize?: number;
  /** Told the counts so far after every batch. */
  onProgress?: (progress: Readonly<LegacyChromaReport>) => void;
}

/**
 * Imports an old Chroma store's records into `mind`'s memories. A record that cannot be imported is
 * skipped with its reason; a store that fails while being read ends the import with `failed` set
 * (what was read before is imported) instead of throwing. Failures of the memory tier itself
 * (Chroma down, the embedding provider failing) throw: nothing is half-stored, and running again
 * stores what is missing. Without `dryRun`, when memories moved, the Mind's memory counts are
 * brought up to date in its document and the Mind is saved.
 */
export async function importLegacyChroma(options: ImportLegacyChromaOptions): Promise<LegacyChromaReport> {
  const { mind, dryRun = false } = options;
  if (!mind && !dryRun) throw invalidInput('mind', 'is required unless dryRun is set');
  const fallbackTime = options.fallbackTime ?? (mind ? Date.parse(mind.document.identity.birthTimestamp) : Date.now());
  const batchSize = Math.max(1, Math.min(1000, Math.floor(options.batchSize ?? 256)));
  const report: LegacyChromaReport = { read: 0, moved: 0, alreadyThere: 0, skipped: [] };
  const movedByType: Partial<Record<MemoryType, number>> = {};
  const seen = new Set<string>();
  let batch: LegacyMemoryImport[] = [];

  const flush = async () => {
    if (batch.length === 0) return;
    const current = batch;
    batch = [];
    const existing = new Set(mind ? await mind.memory.existingIds(current.map((m) => m.id)) : []);
    const fresh = current.filter((m) => !existing.has(m.id));
    report.alreadyThere += existing.size;
    if (fresh.length > 0 && !dryRun && mind) {
      const { imported, skipped } = await mind.memory.importMemories(fresh);
      report.moved += imported;
      report.alreadyThere += skipped; // stored by someone else between the check and the import
    } else if (dryRun) report.moved += fresh.length;
    for (const m of fresh) movedByType[m.memoryType] = (movedByType[m.memoryType] ?? 0) + 1;
    options.onProgress?.({ ...report, skipped: [...report.skipped] });
  };

  const iterator = options.records[Symbol.asyncIterator]();
  for (;;) {
    let next: IteratorResult<LegacyChromaRecord>;
    try {
      next = await iterator.next();
    } catch (error) {
      report.failed = toGenesisError(error).toJSON();
      break;
    }
    if (next.done) break;
    const record = next.value;
    report.read += 1;
    const id = typeof record?.id === 'string' ? record.id : String(record?.id);
    const mapped = legacyChromaMemory(record, fallbackTime);
    if (!mapped.ok) {
      report.skipped.push({ id, reason: mapped.reason });
      continue;
    }
    if (seen.has(mapped.memory.id)) {
      report.skipped.push({ id, reason: 'another record of the store has the same id' });
      continue;
    }
    seen.add(mapped.memory.id);
    try {
      buildMemory(mapped.memory, fallbackTime); // what importMemories would refuse, refused here one by one
    } catch (error) {
      const e = toGenesisError(error);
      report.skipped.push({ id, reason: `${e.field ? `${e.field}: ` : ''}${e.message}` });
      continue;
    }
    batch.push(mapped.memory);
    if (batch.length >= batchSize) await flush();
  }
  await flush();
  if (!dryRun && mind && report.moved > 0) {
    await recount(mind, movedByType);
    await mind.save();
  } else if (!dryRun && mind && report.alreadyThere > 0 && mind.document.memory.notYetMoved === 0) {
    // Nothing moved, the store's memories are there: a run killed after storing its last batch and
    // before saving the counts left them behind the memory tier. Counted again, saved if they differ.
    if (await recount(mind, {})) await mind.save();
  }
  return report;
}

/**
 * The Mind file's memory counts after an import. With no inline memories still pending they are
 * counted again from the memory tier (exact whatever came before); otherwise the moved ones are
 * added, as adding memories does. True when the counts changed (the Mind then needs a save).
 */
async function recount(mind: Mind, movedByType: Partial<Record<MemoryType, number>>): Promise<boolean> {
  if (mind.document.memory.notYetMoved > 0) {
    mind.update((d) => {
      for (const [type, n] of Object.entries(movedByType)) {
        d.memory.byType[type] = (d.memory.byType[type] ?? 0) + n;
        d.memory.totalMemories += n;
      }
    });
    return true;
  }
  const total = await mind.memory.countMemories();
  const byType: Record<string, number> = {};
  for (const type of MEMORY_TYPES) {
    const n = await mind.memory.countMemories({ memoryType: type });
    if (n > 0) byType[type] = n;
  }
  const { memory } = mind.document;
  const same =
    memory.totalMemories === total &&
    Object.entries(memory.byType).filter(([, n]) => n > 0).length === Object.keys(byType).length &&
    Object.entries(byType).every(([type, n]) => memory.byType[type] === n);
  if (same) return false;
  mind.update((d) => {
    d.memory.totalMemories = total;
    d.memory.byType = byType;
  });
  return true;
}
