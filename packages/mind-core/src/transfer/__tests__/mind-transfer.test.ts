import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { buildMindService } from '../../mind/__tests__/support';
import type { UnitOfWork } from '../../ports/unit-of-work';
import {
  FakeClock,
  HashEmbedder,
  createInMemoryMemoryBackend,
  fillMindForTransfer,
  snapshotMind,
  tempHome,
} from '../../testing';
import { MIND_EXPORT_TYPES, type MindExportHeader } from '../format';
import { MindExporter } from '../mind-exporter';
import { MindImporter } from '../mind-importer';
import type { MindTransferPorts } from '../transfer-ports';

/** One home in memory: its stores, documents and memory tier, a MindService over them, and the transfer ports. */
function home(clock: FakeClock, options: { unitOfWork?: (inner: UnitOfWork) => UnitOfWork } = {}) {
  const memory = createInMemoryMemoryBackend(new HashEmbedder(64));
  const { service, stores, state, unitOfWork, documents, catalog } = buildMindService({
    clock,
    backend: memory,
    ...(options.unitOfWork ? { wrapUnitOfWork: options.unitOfWork } : {}),
  });
  const ports: MindTransferPorts = { stores, unitOfWork, memory, memoryCatalog: catalog, documents, clock };
  return { stores, state, documents, memory, service, ports };
}

const clock = new FakeClock(Date.UTC(2026, 10, 1, 9));
let dir: ReturnType<typeof tempHome>;
beforeEach(() => {
  dir = tempHome('genesis-transfer-');
});
afterEach(() => dir.cleanup());

async function filledHome() {
  const source = home(clock);
  const mind = await source.service.createMind({ name: 'Atlas', creatorEmail: 'ann@example.com' });
  await fillMindForTransfer(mind, source.stores, clock);
  return { source, gmid: mind.gmid };
}

const lines = (file: string) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as { type: string; data: Record<string, unknown> });

test('export → import into an empty home keeps every item, field by field; importing again changes nothing', async () => {
  const { source, gmid } = await filledHome();
  const file = join(dir.path, 'atlas.genesis.jsonl');
  const summary = await new MindExporter(source.ports).export(gmid, { file });

  const [header, ...items] = lines(file);
  expect(header).toMatchObject({ format: 'genesis-mind', version: 1, gmid, secrets: false });
  expect((header as unknown as MindExportHeader).exportedAt).toBe(new Date(clock.now()).toISOString());
  // The header's counts are the lines that follow, type by type, in the format's order.
  const counted = Object.fromEntries(MIND_EXPORT_TYPES.map((t) => [t, items.filter((i) => i.type === t).length]));
  expect((header as unknown as MindExportHeader).counts).toEqual(counted);
  expect(summary.counts).toEqual(counted);
  expect(counted).toMatchObject({
    mind: 1,
    secrets: 0,
    environment: 2,
    relationship: 2,
    message: 5,
    concern: 3,
    concernFire: 1,
    task: 2,
    schedule: 1,
    record: 3,
    memory: 2,
  });
  const order = items.map((i) => MIND_EXPORT_TYPES.indexOf(i.type as never));
  expect(order).toEqual([...order].sort((a, b) => a - b));
  // Secrets stay home unless asked for.
  expect(readFileSync(file, 'utf8')).not.toContain('sk-secret-weather');
  expect(items.find((i) => i.type === 'message' && i.data.archived === true)).toBeDefined();
  expect(items.find((i) => i.type === 'memory')?.data).not.toHaveProperty('embedding');

  const target = home(clock);
  const report = await new MindImporter(target.ports).import(file);
  expect(report.document).toBe('written');
  for (const t of MIND_EXPORT_TYPES) expect(report.items[t]).toEqual({ inserted: counted[t], skipped: 0 });

  const before = await snapshotMind(source.ports, gmid);
  const after = await snapshotMind(target.ports, gmid);
  expect(before.messages).toHaveLength(5);
  expect(before.memories[0]!.accessCount + before.memories[1]!.accessCount).toBeGreaterThan(0);
  expect(after).toEqual({ ...before, secrets: {} });

  // The imported Mind loads and works in its new home.
  const moved = await target.service.loadMind(gmid);
  expect(moved.name).toBe('Atlas');
  expect((await moved.memory.searchMemories({ query: 'coffee', limit: 1 }))[0]?.content).toBe(
    'Ann loves strong black coffee',
  );

  // Twice: nothing new, nothing changed.
  const snapshot = structuredClone(target.state);
  const again = await new MindImporter(target.ports).import(file);
  expect(again.document).toBe('kept');
  for (const t of MIND_EXPORT_TYPES) expect(again.items[t]).toEqual({ inserted: 0, skipped: counted[t] });
  expect(target.state).toEqual(snapshot);
});

test('secrets travel only when asked for; a stream target gets the same document', async () => {
  const { source, gmid } = await filledHome();
  const file = join(dir.path, 'with-secrets.jsonl');
  const summary = await new MindExporter(source.ports).export(gmid, { file }, { includeSecrets: true });
  expect(summary).toMatchObject({ secrets: true, counts: { secrets: 1 } });
  const target = home(clock);
  await new MindImporter(target.ports).import(file);
  expect(await target.documents.readSecrets(gmid)).toEqual(await source.documents.readSecrets(gmid));
  expect(JSON.stringify(await target.documents.readSecrets(gmid))).toContain('sk-secret-weather');

  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(Buffer.from(chunk));
      done();
    },
  });
  const streamed = await new MindExporter(source.ports).export(gmid, { stream });
  const text = Buffer.concat(chunks).toString('utf8');
  expect(Buffer.byteLength(text)).toBe(streamed.bytes);
  const plain = readFileSync(join(dir.path, 'with-secrets.jsonl'), 'utf8').split('\n');
  expect(text.split('\n').slice(1)).toEqual(plain.slice(1).filter((l) => !l.startsWith('{"type":"secrets"')));
});

test('a bad line is reported with its number and nothing is written; a truncated file is recognised', async () => {
  const { source, gmid } = await filledHome();
  const file = join(dir.path, 'atlas.jsonl');
  await new MindExporter(source.ports).export(gmid, { file });
  const text = readFileSync(file, 'utf8').split('\n');
  const messageLine = text.findIndex((l) => l.startsWith('{"type":"message"'));

  const broken = [...text];
  broken[messageLine] = broken[messageLine]!.replace(/"createdAt":\d+/, '"createdAt":"yesterday"');
  writeFileSync(join(dir.path, 'broken.jsonl'), broken.join('\n'));
  const target = home(clock);
  await expect(new MindImporter(target.ports).import(join(dir.path, 'broken.jsonl'))).rejects.toMatchObject({
    code: 'INVALID_EXPORT_FILE',
    message: expect.stringContaining(`line ${messageLine + 1} (message): data.createdAt must be epoch milliseconds`),
  });
  const notJson = [...text];
  notJson[messageLine] = '{"type":"message", "data": {';
  writeFileSync(join(dir.path, 'not-json.jsonl'), notJson.join('\n'));
  await expect(new MindImporter(target.ports).import(join(dir.path, 'not-json.jsonl'))).rejects.toThrow(
    `line ${messageLine + 1} is not JSON`,
  );
  const foreign = [...text];
  foreign[messageLine] = foreign[messageLine]!.replace(`"mindId":"${gmid}"`, '"mindId":"GMD-2026-0000-0000"');
  writeFileSync(join(dir.path, 'foreign.jsonl'), foreign.join('\n'));
  await expect(new MindImporter(target.ports).import(join(dir.path, 'foreign.jsonl'))).rejects.toThrow(
    `line ${messageLine + 1} belongs to "GMD-2026-0000-0000"`,
  );
  writeFileSync(join(dir.path, 'truncated.jsonl'), text.slice(0, -2).join('\n'));
  await expect(new MindImporter(target.ports).import(join(dir.path, 'truncated.jsonl'))).rejects.toMatchObject({
    code: 'INVALID_EXPORT_FILE',
    message: expect.stringContaining('announces 2 memory item(s) but holds 1: it is truncated'),
  });
  writeFileSync(join(dir.path, 'other.jsonl'), '{"hello":1}\n');
  await expect(new MindImporter(target.ports).import(join(dir.path, 'other.jsonl'))).rejects.toThrow(
    'line 1 is not the header of a Mind export',
  );
  // Nothing of any of them was written.
  expect(await target.documents.exists(gmid)).toBe(false);
  expect(target.state.messages).toHaveLength(0);
  expect(target.state.minds).toHaveLength(0);
});

test('each batch of lines commits as one unit of work; a failed batch leaves nothing of itself, and a rerun completes', async () => {
  const { source, gmid } = await filledHome();
  const file = join(dir.path, 'atlas.jsonl');
  await new MindExporter(source.ports).export(gmid, { file });
  let runs = 0;
  const target = home(clock, {
    // The third unit of work fails after its work wrote everything (as a failed commit would).
    unitOfWork: (inner) => ({
      run: (work) =>
        inner.run(async (stores) => {
          const result = await work(stores);
          if (++runs === 3) throw new Error('disk full');
          return result;
        }),
    }),
  });
  // Batches of 4 lines: environments + relationships, then 4 messages, then message + concerns (fails).
  await expect(new MindImporter(target.ports).import(file, { batchSize: 4 })).rejects.toThrow(
    /stopped at lines \d+-\d+: disk full/,
  );
  expect(target.state.environments).toHaveLength(2);
  expect(target.state.messages).toHaveLength(4);
  expect(target.state.concerns).toHaveLength(0);
  const report = await new MindImporter(target.ports).import(file, { batchSize: 4 });
  expect(report.items.message).toEqual({ inserted: 1, skipped: 4 });
  expect(report.items.environment).toEqual({ inserted: 0, skipped: 2 });
  expect(await snapshotMind(target.ports, gmid)).toEqual({
    ...(await snapshotMind(source.ports, gmid)),
    secrets: {},
  });
});

test('exporting a Mind that is not there, or into a folder that is not there, names it; so does importing a folder', async () => {
  const { source, gmid } = await filledHome();
  await expect(
    new MindExporter(source.ports).export(gmid, { file: join(dir.path, 'missing', 'x.jsonl') }),
  ).rejects.toMatchObject({ code: 'INVALID_INPUT', message: expect.stringContaining('its folder does not exist') });
  await expect(new MindImporter(source.ports).import(dir.path)).rejects.toMatchObject({
    code: 'INVALID_EXPORT_FILE',
    message: expect.stringContaining('it is not a file'),
  });
  const target = home(clock);
  await expect(
    new MindExporter(target.ports).export('GMD-2026-0000-0000', { file: join(dir.path, 'x.jsonl') }),
  ).rejects.toMatchObject({ code: 'MIND_NOT_FOUND' });
});

test('a memory added just before the export (its vector still queued) is exported', async () => {
  const { source, gmid } = await filledHome();
  const mind = await source.service.loadMind(gmid);
  const late = await mind.memory.addMemory({ content: 'Added a moment before the export', memoryType: 'working' });
  const file = join(dir.path, 'late.genesis.jsonl');
  await new MindExporter(source.ports).export(gmid, { file });
  const memories = lines(file).filter((l) => l.type === 'memory');
  expect(memories.map((m) => m.data.id)).toContain(late.id);
  expect(memories.find((m) => m.data.id === late.id)?.data.content).toBe('Added a moment before the export');
});
