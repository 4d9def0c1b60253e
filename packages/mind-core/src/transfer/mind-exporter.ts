import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { withCatalogCounters } from '../memory/catalog-sync';
import { fromStoredVector } from '../memory/memory-codec';
import { embedOnly, writeQueue } from '../memory/write-behind';
import { silentLogger } from '../ports/logger';
import { GenesisError } from '../shared/errors';
import { parseGmid } from '../shared/gmid';
import { isRecord } from '../shared/validation';
import {
  emptyCounts,
  MIND_EXPORT_FORMAT,
  MIND_EXPORT_VERSION,
  type MindExportCounts,
  type MindExportHeader,
  type MindExportItem,
} from './format';
import { LineWriter } from './line-files';
import type { MindTransferPorts } from './transfer-ports';

/** Rows read per page from each store (the stores' largest page). */
const PAGE = 1000;
/** Memories read per page from the memory tier. */
const MEMORY_PAGE = 500;

export interface ExportMindOptions {
  /**
   * Also write the Mind's secrets (API keys kept apart from its JSON file). Default false: an
   * export can be shared or backed up without them; the importing home then has none for it.
   */
  includeSecrets?: boolean;
  /** Told how many items were written so far. */
  onProgress?: (written: number) => void;
}

export interface MindExportSummary {
  gmid: string;
  /** The file written (absent when written to a stream). */
  file?: string;
  counts: MindExportCounts;
  /** Size of the document, header included. */
  bytes: number;
  secrets: boolean;
}

/** Where an export goes: a file (written beside it, then renamed into place) or an open stream (stdout). */
export type ExportTarget = { file: string } | { stream: NodeJS.WritableStream };

/**
 * Writes the portable document of one Mind (see `format.ts`), streaming: every store is read a
 * page at a time with its keyset cursor and each item written as a line at once, so a Mind of any
 * size is never held in memory. The items go to a scratch file first (counted as they go), then
 * the header with the counts and the items are written to the target: a file appears complete
 * or not at all.
 */
export class MindExporter {
  constructor(private readonly ports: MindTransferPorts) {}

  async export(gmidInput: string, target: ExportTarget, options: ExportMindOptions = {}): Promise<MindExportSummary> {
    const gmid = parseGmid(gmidInput);
    const includeSecrets = options.includeSecrets === true;
    const suffix = `${process.pid}.${randomBytes(4).toString('hex')}`;
    const file = 'file' in target ? resolve(target.file) : undefined;
    const scratch = file
      ? join(dirname(file), `.${basename(file)}.${suffix}.items`)
      : join(tmpdir(), `genesis-export-${suffix}.items`);
    if (file) {
      const folder = await stat(dirname(file)).catch(() => undefined);
      if (!folder?.isDirectory())
        throw new GenesisError('INVALID_INPUT', `Cannot write the export file ${file}: its folder does not exist.`, {
          field: 'file',
        });
    }
    const counts = emptyCounts();
    let written = 0;
    let secrets = false;
    try {
      const items = new LineWriter(scratch);
      try {
        for await (const item of this.items(gmid, includeSecrets)) {
          await items.write(`${JSON.stringify(item)}\n`);
          counts[item.type]++;
          if (item.type === 'secrets') secrets = true;
          if (++written % 1000 === 0) options.onProgress?.(written);
        }
      } finally {
        await items.close();
      }
      options.onProgress?.(written);
      const header: MindExportHeader = {
        format: MIND_EXPORT_FORMAT,
        version: MIND_EXPORT_VERSION,
        gmid,
        exportedAt: new Date(this.ports.clock.now()).toISOString(),
        counts,
        secrets,
      };
      const headerLine = `${JSON.stringify(header)}\n`;
      const bytes = Buffer.byteLength(headerLine) + items.bytes;
      if (file) {
        const partial = join(dirname(file), `.${basename(file)}.${suffix}.tmp`);
        try {
          const out = new LineWriter(partial);
          try {
            await out.write(headerLine);
            for await (const chunk of createReadStream(scratch, { encoding: 'utf8' })) await out.write(chunk as string);
          } finally {
            await out.close();
          }
          await rename(partial, file);
        } finally {
          await rm(partial, { force: true });
        }
        return { gmid, file, counts, bytes, secrets };
      }
      const { stream } = target as { stream: NodeJS.WritableStream };
      await new Promise<void>((done, fail) => stream.write(headerLine, (e) => (e ? fail(e) : done())));
      await pipeline(createReadStream(scratch), stream, { end: false });
      return { gmid, counts, bytes, secrets };
    } finally {
      await rm(scratch, { force: true });
    }
  }

  /** The items of the Mind, in the order of the format, read a page at a time. */
  async *items(gmid: string, includeSecrets: boolean): AsyncGenerator<MindExportItem> {
    const { stores, documents } = this.ports;
    const file = await documents.read(gmid);
    if (!file)
      throw new GenesisError('MIND_NOT_FOUND', `No Mind ${gmid} to export (no file ${documents.pathFor(gmid)})`, {
        field: 'gmid',
      });
    if (!isRecord(file.value) || !('schemaVersion' in file.value))
      throw new GenesisError(
        'INVALID_MIND_FILE',
        `Mind file ${file.path} is in an old format: load the Mind once (genesis mind show ${gmid}) so it is converted, then export it.`,
        { field: 'schemaVersion' },
      );
    const registered = await stores.minds.get(gmid);
    yield { type: 'mind', data: { document: file.value, status: registered?.status ?? 'active' } };
    if (includeSecrets) {
      const secrets = await documents.readSecrets(gmid);
      if (Object.keys(secrets).length > 0) yield { type: 'secrets', data: secrets };
    }
    for (const data of await stores.environments.list(gmid)) yield { type: 'environment', data };
    yield* paged((cursor) => stores.relationships.list({ mindId: gmid, limit: PAGE, cursor }), 'relationship');
    yield* paged(
      (cursor) => stores.messages.list({ mindId: gmid, includeArchived: true, order: 'asc', limit: PAGE, cursor }),
      'message',
    );
    let cursor: string | null = null;
    do {
      const page = await stores.concerns.list({ mindId: gmid, limit: PAGE, cursor });
      for (const data of page.items) yield { type: 'concern', data };
      if (page.items.length > 0) {
        const fires = await stores.concerns.fires(
          gmid,
          page.items.map((c) => c.id),
        );
        for (const data of fires) yield { type: 'concernFire', data };
      }
      cursor = page.nextCursor;
    } while (cursor);
    yield* paged((c) => stores.tasks.list({ mindId: gmid, limit: PAGE, cursor: c }), 'task');
    yield* paged((c) => stores.schedules.list({ mindId: gmid, limit: PAGE, cursor: c }), 'schedule');
    yield* paged((c) => stores.records.listAll({ mindId: gmid, limit: PAGE, cursor: c }), 'record');
    yield* this.memories(gmid);
  }

  private async *memories(gmid: string): AsyncGenerator<MindExportItem> {
    const log = this.ports.logger ?? silentLogger;
    const { store, embedder } = await this.ports.memory.connect();
    // Reading needs no embeddings: a collection built by another provider exports as well.
    await store.open(gmid, { provider: embedder.name, dimension: embedder.dimension }, { allowMismatch: true });
    // The export reads the vector store: memories whose vectors are still queued (in this process,
    // or in SQL by one that ended) are written there first.
    await writeQueue(this.ports.memoryCatalog, gmid, log).writeAll(store, embedOnly(embedder));
    for (let offset = 0; ; offset += MEMORY_PAGE) {
      const rows = await store.scan(gmid, { limit: MEMORY_PAGE, offset });
      const memories = rows.map((row) =>
        fromStoredVector(row, (field, err) =>
          log.warn(
            { mindId: gmid, memoryId: row.id, field, err },
            'memory metadata field is not valid JSON; exported as empty',
          ),
        ),
      );
      for (const data of await withCatalogCounters(this.ports.memoryCatalog, gmid, memories))
        yield { type: 'memory', data };
      if (rows.length < MEMORY_PAGE) return;
    }
  }
}

/** Every item of a keyset-paged listing, a page at a time. */
async function* paged<T, K extends MindExportItem['type']>(
  list: (cursor: string | null) => Promise<{ items: T[]; nextCursor: string | null }>,
  type: K,
): AsyncGenerator<MindExportItem> {
  let cursor: string | null = null;
  do {
    const page = await list(cursor);
    for (const data of page.items) yield { type, data } as MindExportItem;
    cursor = page.nextCursor;
  } while (cursor);
}
