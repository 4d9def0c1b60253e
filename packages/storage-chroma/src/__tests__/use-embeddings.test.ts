import http from 'node:http';
import https from 'node:https';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { ChromaMemoryBackend } from '../chroma-memory-backend';
import { createEmbeddingProvider } from '../embeddings/factory';
import { GLOVE_PROVIDER_NAME, GloveEmbeddingProvider, MAX_EMBED_TEXT_BYTES } from '../embeddings/glove';
import { USE_PROVIDER_NAME, UseEmbeddingProvider } from '../embeddings/use';

/**
 * The use provider on the real model (from node_modules) and the real glove word vectors (cache
 * shared with the glove tests, built once per machine).
 */
const CACHE_DIR = join(tmpdir(), 'genesis-test-embeddings', GLOVE_PROVIDER_NAME.replace(/[^a-z0-9]+/gi, '-'));
jest.setTimeout(120_000);

const cos = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i]!, 0);

let provider: UseEmbeddingProvider;
let requests: jest.SpyInstance[];
beforeAll(async () => {
  // Watch the network while the model loads and embeds: it must come from disk.
  requests = [
    jest.spyOn(http, 'request'),
    jest.spyOn(https, 'request'),
    jest.spyOn(http, 'get'),
    jest.spyOn(https, 'get'),
    jest.spyOn(globalThis, 'fetch'),
  ];
  provider = await UseEmbeddingProvider.create({ cacheDir: CACHE_DIR });
  await provider.embed(['warm up']);
});
afterAll(() => requests.forEach((spy) => spy.mockRestore()));

describe('use embeddings', () => {
  test('load from node_modules without a network request', () => {
    for (const spy of requests) expect(spy).not.toHaveBeenCalled();
  });

  test('are deterministic unit vectors with a versioned name', async () => {
    expect(provider.name).toBe('use-lite+glove-sif@1');
    expect(provider.dimension).toBe(868);
    const texts = ['The cat sat on the mat', 'INC-4471 broke the build', "I don't know"];
    const [a, b] = [await provider.embed(texts), await provider.embed(texts)];
    expect(a).toEqual(b);
    for (const v of a) {
      expect(v).toHaveLength(868);
      expect(v.every(Number.isFinite)).toBe(true);
      expect(Math.hypot(...v)).toBeCloseTo(1, 5);
    }
    // Batching does not change a vector.
    expect((await provider.embed([texts[1]!]))[0]).toEqual(a[1]);
  });

  test('mix the encoder and glove-sif as 0.7 / 0.3 of the cosine', async () => {
    const glove = await GloveEmbeddingProvider.create({ cacheDir: CACHE_DIR });
    const texts = ['my dog is sick', 'the puppy has been ill since Monday'];
    const [u, v] = await provider.embed(texts);
    const [g, h] = await glove.embed(texts);
    u!.slice(512).forEach((x, j) => expect(x).toBeCloseTo(Math.sqrt(0.3) * g![j]!, 12));
    const cosUse = cos(u!.slice(0, 512), v!.slice(0, 512)) / 0.7;
    expect(cos(u!, v!)).toBeCloseTo(0.7 * cosUse + 0.3 * cos(g!, h!), 6);
  });

  test('match the TensorFlow.js graph of the model', async () => {
    // Reference vectors of the encoder part, computed by the model's graph (tfjs-converter) before
    // the forward pass was written out: stored collections depend on the vectors staying the same.
    const reference = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'use-lite-graph-vectors.json'), 'utf8')) as {
      texts: string[];
      vectors: number[][];
    };
    const vectors = await provider.embed(reference.texts);
    vectors.forEach((v, i) => {
      const encoder = v.slice(0, 512).map((x) => x / Math.sqrt(0.7));
      const expected = reference.vectors[i]!;
      expect(cos(encoder, expected)).toBeGreaterThan(0.99999);
      encoder.forEach((x, j) => expect(Math.abs(x - expected[j]!)).toBeLessThan(1e-4));
    });
  });

  test('keep no tensor alive between calls', async () => {
    const before = tf.memory().numTensors;
    await provider.embed(['a short note', 'a longer note about the plumber and the leak in the kitchen '.repeat(10)]);
    expect(tf.memory().numTensors).toBe(before);
  });

  test('embed more than one batch in order', async () => {
    const texts = Array.from({ length: 70 }, (_, i) => `note number ${i}: call the plumber about the leak`);
    const all = await provider.embed(texts);
    expect(all).toHaveLength(70);
    expect(all[65]).toEqual((await provider.embed([texts[65]!]))[0]);
  });

  test('give a text the same vector whatever the lengths of the texts embedded with it', async () => {
    // The last layer pools each text's tokens before its second feed-forward product: a text's
    // rows must not mix with its neighbours', including past the 128 tokens the model keeps.
    const texts = ['ok', 'the plumber fixed the leak under the kitchen sink on Tuesday', 'word '.repeat(200), 'x'];
    const together = await provider.embed(texts);
    for (const [i, text] of texts.entries()) expect((await provider.embed([text]))[0]).toEqual(together[i]);
  });

  test.each([
    ['worried about the exam', 'I feel anxious about my test', 'We bought a new sofa for the living room'],
    ['my dog is sick', 'the puppy has been ill since Monday', 'the stock market fell sharply today'],
    ['he lost his job', 'he was fired from work last week', 'the garden is full of flowers'],
    ['trip to Japan', 'vacation in Tokyo and Kyoto', 'the printer is out of ink'],
    ['the baby cannot sleep', 'our infant keeps waking up at night', 'the football team won the cup'],
    ['my back hurts', 'I have terrible pain in my spine', 'the train arrives at noon'],
  ])('put a paraphrase closer than unrelated text: %s', async (query, paraphrase, unrelated) => {
    const [q, p, u] = await provider.embed([query, paraphrase, unrelated]);
    expect(cos(q!, p!)).toBeGreaterThan(cos(q!, u!) + 0.1);
  });

  test('match exact names and codes', async () => {
    const [query, hit, other] = await provider.embed([
      'INC-4471',
      'INC-4471: database latency spike',
      'INC-5520: database latency spike',
    ]);
    expect(cos(query!, hit!)).toBeGreaterThan(cos(query!, other!) + 0.05);
  });

  test('embed punctuation, emoji and other scripts', async () => {
    for (const v of await provider.embed(['?!', '😀', '東京で会議', 'x'.repeat(10_000)])) {
      expect(v.every(Number.isFinite)).toBe(true);
      expect(Math.hypot(...v)).toBeCloseTo(1, 5);
    }
  });

  test('refuse empty, whitespace-only and oversized texts, naming the field', async () => {
    await expect(provider.embed(['fine', '   \n'])).rejects.toMatchObject({ code: 'INVALID_INPUT', field: 'texts[1]' });
    await expect(provider.embed([''])).rejects.toThrow(/texts\[0\] is empty or whitespace only/);
    const many = Array.from({ length: 40 }, () => 'fine');
    many[35] = ' ';
    await expect(provider.embed(many)).rejects.toMatchObject({ field: 'texts[35]' });
    await expect(provider.embed(['x'.repeat(MAX_EMBED_TEXT_BYTES + 1)])).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      field: 'texts[0]',
      message: expect.stringContaining('at most 32768 bytes'),
    });
    await expect(provider.embed([42 as unknown as string])).rejects.toMatchObject({ field: 'texts[0]' });
    await expect(provider.embed('text' as unknown as string[])).rejects.toMatchObject({ field: 'texts' });
    expect(await provider.embed(['é'.repeat(MAX_EMBED_TEXT_BYTES / 2)])).toHaveLength(1);
  });
});

describe('the embedding factory', () => {
  test('makes use on request and checks a configured dimension', async () => {
    const made = await createEmbeddingProvider({ provider: 'use', cacheDir: CACHE_DIR });
    expect(made.name).toBe(USE_PROVIDER_NAME);
    expect(made.dimension).toBe(868);
    await expect(
      createEmbeddingProvider({ provider: 'use', cacheDir: CACHE_DIR, dimension: 512 }),
    ).rejects.toMatchObject({ code: 'EMBEDDING_MISMATCH', field: 'embeddings.dimension' });
  });
});

describe('ChromaMemoryBackend.embedderFor', () => {
  let home: string;
  beforeEach(() => (home = mkdtempSync(join(tmpdir(), 'genesis-embedder-for-'))));
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  test('makes the use provider for a use collection when another provider is configured', async () => {
    const backend = new ChromaMemoryBackend({ home, embeddings: { provider: 'glove', cacheDir: CACHE_DIR } });
    const use = await backend.embedderFor({ provider: USE_PROVIDER_NAME, dimension: 868 });
    expect(use?.name).toBe(USE_PROVIDER_NAME);
    expect(await use!.embed(['same vectors'])).toEqual(await provider.embed(['same vectors']));
    expect(await backend.embedderFor({ provider: USE_PROVIDER_NAME, dimension: 512 })).toBeNull();
    expect((await backend.embedderFor({ provider: GLOVE_PROVIDER_NAME, dimension: 356 }))?.name).toBe(
      GLOVE_PROVIDER_NAME,
    );
    await backend.close();
  });
});
