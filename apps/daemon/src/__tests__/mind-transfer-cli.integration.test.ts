import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FakeClock, tempHome } from '@genesis/mind-core/testing';
import { inProcessCli } from './support/cli';

/** `genesis mind export` and `genesis mind import`, in-process, between two temp homes (SQLite + their own Chroma). */
const clock = new FakeClock(Date.UTC(2030, 0, 1, 12));
let from: ReturnType<typeof tempHome>;
let to: ReturnType<typeof tempHome>;
beforeEach(() => {
  from = tempHome('genesis-cli-export-');
  to = tempHome('genesis-cli-import-');
});
afterEach(() => {
  from.cleanup();
  to.cleanup();
});

const { run: genesis, ok, json } = inProcessCli(clock);

test('export to a file, import into another home, import again: every item there once', async () => {
  const { gmid } = await json(from.path, 'mind', 'create', '--name', 'Ada');
  await ok(from.path, 'message', 'add', gmid, '--role', 'user', '--content', 'hallo Ärger ✓', '--user', 'ann@x.io');
  await ok(from.path, 'message', 'add', gmid, '--role', 'assistant', '--content', 'hello Ann');
  await ok(
    from.path,
    'concern',
    'add',
    gmid,
    '--type',
    'health',
    '--description',
    'knee',
    '--follow-up',
    '2030-01-02T10:00:00Z',
  );
  await ok(from.path, 'task', 'enqueue', gmid, '--type', 'echo', '--payload', '{"a":1}');
  await ok(from.path, 'memory', 'add', gmid, '--type', 'semantic', '--content', 'Ada likes tea', '--importance', '0.7');
  const file = join(from.path, 'ada.jsonl');

  const exported = await json(from.path, 'mind', 'export', gmid, '--out', file);
  expect(exported).toMatchObject({
    gmid,
    file,
    secrets: false,
    counts: { mind: 1, message: 2, concern: 1, task: 1, memory: 1, relationship: 1 },
  });
  expect(statSync(file).mode & 0o777).toBe(0o600);
  expect(await ok(from.path, 'mind', 'export', gmid, '--out', file)).toContain(`Exported ${gmid} to ${file}`);

  const text = await ok(to.path, 'mind', 'import', file);
  expect(text).toContain(`Imported ${gmid} from ${file}: its document written.`);
  expect(text).toContain('Added: 1 mind, 1 relationship, 2 message, 1 concern, 1 task, 1 memory.');
  const shown = await json(to.path, 'messages', gmid);
  expect(shown.items.map((m: { content: string }) => m.content)).toEqual(['hello Ann', 'hallo Ärger ✓']);
  expect((await json(to.path, 'memory', 'search', gmid, 'tea')).items[0]).toMatchObject({
    content: 'Ada likes tea',
    importance: 0.7,
  });
  expect(await json(to.path, 'stats', gmid)).toMatchObject({ messages: 2, concerns: 1, tasks: 1 });

  const again = await json(to.path, 'mind', 'import', file);
  expect(again.document).toBe('kept');
  for (const result of Object.values(again.items) as Array<{ inserted: number }>) expect(result.inserted).toBe(0);
  expect(again.items.message).toEqual({ inserted: 0, skipped: 2 });
  expect(await ok(to.path, 'mind', 'import', file)).toContain('Added: nothing.');
});

test('export without --out writes the document to stdout, line by line, and the summary to stderr', async () => {
  const { gmid } = await json(from.path, 'mind', 'create', '--name', 'Ada');
  await ok(from.path, 'message', 'add', gmid, '--role', 'user', '--content', 'one\ntwo');
  const res = await genesis(from.path, 'mind', 'export', gmid);
  expect(res.code).toBe(0);
  const lines = res.stdout.split('\n').map((l) => JSON.parse(l) as { type?: string; format?: string });
  expect(lines[0]).toMatchObject({ format: 'genesis-mind', version: 1, gmid });
  expect(lines.map((l) => l.type)).toEqual([undefined, 'mind', 'message']);
  expect(res.stderr).toContain(`Exported ${gmid} (`);
  expect(res.stderr).toContain('Secrets were not exported');
  const file = join(to.path, 'piped.jsonl');
  writeFileSync(file, `${res.stdout}\n`);
  await ok(to.path, 'mind', 'import', file);
  expect((await json(to.path, 'messages', gmid)).items[0].content).toBe('one\ntwo');
});

test('a bad file fails with exit code 1 naming the line, and nothing is imported', async () => {
  const { gmid } = await json(from.path, 'mind', 'create', '--name', 'Ada');
  await ok(from.path, 'message', 'add', gmid, '--role', 'user', '--content', 'hi');
  const file = join(from.path, 'ada.jsonl');
  await ok(from.path, 'mind', 'export', gmid, '--out', file);
  const lines = readFileSync(file, 'utf8').split('\n');
  lines[2] = lines[2]!.slice(0, 20);
  writeFileSync(file, lines.join('\n'));
  const res = await genesis(to.path, 'mind', 'import', file);
  expect(res.code).toBe(1);
  expect(res.stderr).toMatch(/^genesis: INVALID_EXPORT_FILE: Export file .*ada\.jsonl line 3 is not JSON/);
  expect((await json(to.path, 'mind', 'list')).items).toEqual([]);
  expect((await genesis(to.path, 'mind', 'import', join(to.path, 'missing.jsonl'))).stderr).toContain(
    'INVALID_EXPORT_FILE: Cannot read the export file',
  );
});
