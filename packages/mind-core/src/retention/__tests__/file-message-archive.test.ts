import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { StoredMessage } from '../../ports/message-store';
import { tempHome } from '../../testing';
import { FileMessageArchive } from '../file-message-archive';

const A = 'GMD-2026-AAAA-0001';
const message = (i: number): StoredMessage => ({
  id: `0190aaaa-0000-7000-8000-${String(i).padStart(12, '0')}`,
  mindId: A,
  role: 'user',
  content: `hello ${i} — ünïcode\nand a newline`,
  userEmail: null,
  environmentId: null,
  metadata: { i },
  createdAt: 1_700_000_000_000 + i,
  archived: false,
  sourceKey: null,
});

describe('FileMessageArchive', () => {
  let home: ReturnType<typeof tempHome>;
  beforeEach(() => (home = tempHome('genesis-archive-')));
  afterEach(() => home.cleanup());

  test('a batch is pending (durably) until committed, then a gzip JSONL file named by its first message', async () => {
    const archive = new FileMessageArchive(home.path);
    const batch = [message(1), message(2), message(3)];
    await archive.withLock(A, async () => {
      const written = await archive.write(A, batch);
      expect(written).toMatchObject({ name: `messages-${1_700_000_000_001}-${batch[0]!.id}.jsonl.gz`, messages: 3 });
      expect(await archive.list(A)).toEqual([]);
      expect(await archive.pending(A)).toEqual([{ name: written.name, ids: batch.map((m) => m.id) }]);
      await archive.commit(A, written.name);
      expect(await archive.pending(A)).toEqual([]);
    });
    const [entry] = await archive.list(A);
    expect(entry!.location).toBe(join(home.path, 'archive', A, entry!.name));
    const lines = gunzipSync(readFileSync(entry!.location)).toString('utf8').split('\n');
    expect(lines.pop()).toBe('');
    expect(lines.map((l) => JSON.parse(l))).toEqual(batch);
    expect(await archive.read(A, entry!.name)).toEqual(batch);
  });

  test('temp files of a writer that died are dropped (their rows were never deleted)', async () => {
    const archive = new FileMessageArchive(home.path);
    const dir = join(home.path, 'archive', A);
    await archive.withLock(A, async () => {
      writeFileSync(join(dir, '.abc.99999.tmp'), 'partial');
      expect(await archive.pending(A)).toEqual([]);
    });
    expect(readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  test('names are checked, and a GMID outside the archive folder is refused', async () => {
    const archive = new FileMessageArchive(home.path);
    await expect(archive.read(A, '../../secrets/x.json')).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    expect(() => archive.dirOf('../etc')).toThrow(/GMID|gmid/);
    expect(existsSync(join(home.path, 'archive'))).toBe(false);
  });
});
