import type { MindDocumentStore } from '../ports/mind-document-store';

/** Something that implements the MindDocumentStore port: each test gets a fresh, empty store. */
export interface DocumentStoreContractTarget {
  name: string;
  create(): Promise<{ store: MindDocumentStore; close(): Promise<void> }>;
}

const GMID = 'GMD-2026-4A7F-9B23';
const OTHER = 'GMID-12345678';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The behaviour every MindDocumentStore must have (files on disk, in memory): documents, backups,
 * secrets, the per-Mind lock and the errors. Uses jest's `describe`/`it`/`expect`.
 */
export function defineDocumentStoreContract(target: DocumentStoreContractTarget): void {
  const withStore = (test: (store: MindDocumentStore) => Promise<void>) => async () => {
    const { store, close } = await target.create();
    try {
      await test(store);
    } finally {
      await close();
    }
  };

  describe(`document store contract (${target.name})`, () => {
    it(
      'writes, reads, sizes and removes a document',
      withStore(async (store) => {
        expect(await store.exists(GMID)).toBe(false);
        expect(await store.read(GMID)).toBeNull();
        expect(await store.size(GMID)).toBe(0);

        const text = `${JSON.stringify({ name: 'Atlas', mood: 'café ☕' }, null, 2)}\n`;
        await store.write(GMID, text);
        expect(await store.exists(GMID)).toBe(true);
        expect(await store.exists(OTHER)).toBe(false);
        const file = await store.read(GMID);
        expect(file).toMatchObject({
          path: store.pathFor(GMID),
          value: { name: 'Atlas', mood: 'café ☕' },
          modifiedAt: expect.any(Number),
        });
        expect(file!.raw.equals(Buffer.from(text, 'utf8'))).toBe(true);
        expect(await store.size(GMID)).toBe(Buffer.byteLength(text));
        expect((await store.readFile(store.pathFor(GMID))).value).toEqual({ name: 'Atlas', mood: 'café ☕' });

        await store.write(GMID, '{"name":"Atlas II"}');
        expect((await store.read(GMID))?.value).toEqual({ name: 'Atlas II' });
        expect(await store.size(GMID)).toBe(19);

        expect(await store.remove(GMID)).toEqual({ fileRemoved: true });
        expect(await store.exists(GMID)).toBe(false);
        expect(await store.read(GMID)).toBeNull();
        expect(await store.size(GMID)).toBe(0);
        expect(await store.remove(GMID)).toEqual({ fileRemoved: false });
      }),
    );

    it(
      'names the document by its GMID inside its location',
      withStore(async (store) => {
        expect(store.pathFor(GMID)).toContain(GMID);
        expect(store.pathFor(GMID).startsWith(store.location)).toBe(true);
        expect(store.pathFor(OTHER)).not.toBe(store.pathFor(GMID));
      }),
    );

    it(
      'keeps byte-identical backups, once per content, that survive removing the document',
      withStore(async (store) => {
        // Odd spacing, CRLF, non-ASCII, no final newline: kept byte for byte, never re-serialized.
        const raw = Buffer.from('{ "identity" : {"name":"Ø\\u00e9"} ,\r\n\t"x": 1.50 }  ', 'utf8');
        const path = await store.backup(GMID, raw);
        expect(await store.backup(GMID, Buffer.from(raw))).toBe(path);
        const other = await store.backup(GMID, Buffer.from('{"identity":{}}'));
        expect(other).not.toBe(path);
        await store.write(GMID, '{}');
        await store.remove(GMID);
        const copy = await store.readFile(path);
        expect(copy.raw.equals(raw)).toBe(true);
        expect(copy.path).toBe(path);
        expect((await store.readFile(other)).value).toEqual({ identity: {} });
      }),
    );

    it(
      'tells whether a file holds exactly given bytes, without parsing it',
      withStore(async (store) => {
        // Larger than one comparison chunk of the file store (1 MB), differing only in its last byte.
        const raw = Buffer.from(`"${'é'.repeat(700_000)}"`, 'utf8');
        const path = await store.backup(GMID, raw);
        expect(await store.holdsBytes(path, Buffer.from(raw))).toBe(true);
        const changed = Buffer.from(raw);
        changed[changed.length - 2] = 0x41;
        expect(await store.holdsBytes(path, changed)).toBe(false);
        expect(await store.holdsBytes(path, raw.subarray(0, raw.length - 1))).toBe(false);
        expect(await store.holdsBytes(`${path}.missing`, raw)).toBe(false);
      }),
    );

    it(
      'merges secrets, keeps them out of the document, and removes them with it',
      withStore(async (store) => {
        expect(await store.readSecrets(GMID)).toEqual({});
        await store.write(GMID, '{"name":"Atlas"}');
        await store.writeSecrets(GMID, { '$.intelligence.api_key': 'sk-first', shared: 1 });
        await store.writeSecrets(GMID, { '$.plugins.token': 'tok-second', shared: 2 });
        await store.writeSecrets(GMID, {});
        expect(await store.readSecrets(GMID)).toEqual({
          '$.intelligence.api_key': 'sk-first',
          '$.plugins.token': 'tok-second',
          shared: 2,
        });
        expect(await store.readSecrets(OTHER)).toEqual({});
        const file = await store.read(GMID);
        expect(file!.raw.toString('utf8')).not.toMatch(/sk-first|tok-second/);
        expect(file!.value).toEqual({ name: 'Atlas' });
        await store.remove(GMID);
        expect(await store.readSecrets(GMID)).toEqual({});
      }),
    );

    it(
      'serializes two concurrent critical sections of the same Mind, and releases the lock on failure',
      withStore(async (store) => {
        const events: string[] = [];
        const section = (name: string) => async () => {
          events.push(`${name} in`);
          await sleep(30);
          events.push(`${name} out`);
          return name;
        };
        const results = await Promise.all([store.withLock(GMID, section('a')), store.withLock(GMID, section('b'))]);
        expect(results).toEqual(['a', 'b']);
        expect([events.slice(0, 2), events.slice(2)]).toEqual(
          events[0] === 'a in'
            ? [
                ['a in', 'a out'],
                ['b in', 'b out'],
              ]
            : [
                ['b in', 'b out'],
                ['a in', 'a out'],
              ],
        );

        const boom = new Error('inside the lock');
        await expect(
          store.withLock(GMID, async () => {
            throw boom;
          }),
        ).rejects.toBe(boom);
        expect(await store.withLock(GMID, async () => 'free again')).toBe('free again');
      }),
    );

    it(
      'refuses an invalid GMID everywhere it names a file',
      withStore(async (store) => {
        for (const bad of ['../../etc/passwd', 'GMD-2026-zzzz-0000', '']) {
          let thrown: unknown;
          try {
            store.pathFor(bad);
          } catch (error) {
            thrown = error;
          }
          expect(thrown).toMatchObject({ code: 'INVALID_GMID' });
          await expect(store.exists(bad)).rejects.toMatchObject({ code: 'INVALID_GMID' });
          await expect(store.read(bad)).rejects.toMatchObject({ code: 'INVALID_GMID' });
          await expect(store.write(bad, '{}')).rejects.toMatchObject({ code: 'INVALID_GMID' });
          await expect(store.withLock(bad, async () => 1)).rejects.toMatchObject({ code: 'INVALID_GMID' });
        }
      }),
    );

    it(
      'reports a file that is not JSON without quoting it, and a missing file as MIND_NOT_FOUND',
      withStore(async (store) => {
        await store.write(GMID, 'not json at all SECRET-CONTENTS-1234 {');
        const error = await store.read(GMID).then(
          () => undefined,
          (e: unknown) => e as { code?: string; message?: string },
        );
        expect(error).toMatchObject({
          code: 'INVALID_MIND_FILE',
          message: expect.stringContaining(store.pathFor(GMID)),
        });
        expect(error!.message).not.toMatch(/SECRET-CONTENTS|not json at all/);
        await expect(store.readFile(store.pathFor(OTHER))).rejects.toMatchObject({ code: 'MIND_NOT_FOUND' });
      }),
    );
  });
}
