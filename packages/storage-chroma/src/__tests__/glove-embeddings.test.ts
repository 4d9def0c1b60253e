import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChromaMemoryBackend } from '../chroma-memory-backend';
import { createEmbeddingProvider, DEFAULT_EMBEDDING_PROVIDER } from '../embeddings/factory';
import { GLOVE_PROVIDER_NAME, GloveEmbeddingProvider, MAX_EMBED_TEXT_BYTES } from '../embeddings/glove';
import { HashEmbeddingProvider } from '../embeddings/hash';

/**
 * The glove provider on the real word vectors. Its cache is built once per machine (a few seconds)
 * in a folder under the temp dir keyed by the provider version, and shared by later runs.
 */
const CACHE_DIR = join(tmpdir(), 'genesis-test-embeddings', GLOVE_PROVIDER_NAME.replace(/[^a-z0-9]+/gi, '-'));
jest.setTimeout(120_000);

const cos = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i]!, 0);

let provider: GloveEmbeddingProvider;
beforeAll(async () => {
  provider = await GloveEmbeddingProvider.create({ cacheDir: CACHE_DIR });
});

describe('glove embeddings', () => {
  test('are deterministic unit vectors with a versioned name', async () => {
    expect(provider.name).toBe('glove-sif@1');
    expect(provider.dimension).toBe(356);
    const texts = ['The cat sat on the mat', 'INC-4471 broke the build', "I don't know"];
    const [a, b] = [await provider.embed(texts), await provider.embed(texts)];
    expect(a).toEqual(b);
    for (const v of a) {
      expect(v).toHaveLength(356);
      expect(v.every(Number.isFinite)).toBe(true);
      expect(Math.hypot(...v)).toBeCloseTo(1, 6);
    }
    // Batching does not change a vector.
    expect((await provider.embed([texts[1]!]))[0]).toEqual(a[1]);
  });

  test.each([
    ['worried about the exam', 'I feel anxious about my test', 'We bought a new sofa for the living room'],
    ['my dog is sick', 'the puppy has been ill since Monday', 'the stock market fell sharply today'],
    ['he lost his job', 'he was fired from work last week', 'the garden is full of flowers'],
    ['trip to Japan', 'vacation in Tokyo and Kyoto', 'the printer is out of ink'],
    ['the baby cannot sleep', 'our infant keeps waking up at night', 'the football team won the cup'],
    ["I don't like coffee", 'he dislikes espresso and drinks tea instead', 'the museum opens at nine'],
    ['my back hurts', 'I have terrible pain in my spine', 'the train arrives at noon'],
  ])('put a paraphrase closer than unrelated text: %s', async (query, paraphrase, unrelated) => {
    const [q, p, u] = await provider.embed([query, paraphrase, unrelated]);
    expect(cos(q!, p!)).toBeGreaterThan(cos(q!, u!) + 0.1);
  });

  test('match exact names and codes through their characters', async () => {
    const [query, hit, other, name, nameHit, nameOther] = await provider.embed([
      'INC-4471',
      'INC-4471: database latency spike',
      'INC-5520: database latency spike',
      'what did Okonkwo-Lindqvist say',
      'a message from Okonkwo-Lindqvist about the contract',
      'a message from Andersson about the contract',
    ]);
    expect(cos(query!, hit!)).toBeGreaterThan(cos(query!, other!) + 0.1);
    expect(cos(name!, nameHit!)).toBeGreaterThan(cos(name!, nameOther!) + 0.1);
  });

  test('answer a query of stop words only, or of no words at all', async () => {
    const [stop, doc, punct] = await provider.embed(['what is it about', 'what is it about the weather', '?!']);
    for (const v of [stop!, punct!]) {
      expect(v.every(Number.isFinite)).toBe(true);
      expect(Math.hypot(...v)).toBeCloseTo(1, 6);
    }
    expect(cos(stop!, doc!)).toBeGreaterThan(0.2);
  });

  test('understand curly apostrophes, hyphens, plurals and -ing forms', async () => {
    const [curly, straight] = await provider.embed(['I don’t want it', "I don't want it"]);
    expect(cos(curly!, straight!)).toBeCloseTo(1, 6);
    const [a, b] = await provider.embed(['zorbing-ish adventures', 'zorbing adventure']);
    expect(cos(a!, b!)).toBeGreaterThan(0.5);
  });

  test('refuse empty, whitespace-only and oversized texts, naming the field', async () => {
    await expect(provider.embed(['fine', '   \n'])).rejects.toMatchObject({ code: 'INVALID_INPUT', field: 'texts[1]' });
    await expect(provider.embed([''])).rejects.toThrow(/texts\[0\] is empty or whitespace only/);
    await expect(provider.embed(['x'.repeat(MAX_EMBED_TEXT_BYTES + 1)])).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      field: 'texts[0]',
      message: expect.stringContaining('at most 32768 bytes'),
    });
    await expect(provider.embed([42 as unknown as string])).rejects.toMatchObject({ field: 'texts[0]' });
    expect(await provider.embed(['é'.repeat(MAX_EMBED_TEXT_BYTES / 2)])).toHaveLength(1);
  });

  test('give the same vectors whether the word vectors are in memory or read from the file', async () => {
    const texts = [
      'The cat sat on the mat',
      'a message from Andersson about the contract',
      'perspicacious sesquipedalian obfuscation, quixotic ephemera and defenestration',
      "the otorhinolaryngologist's appointment was rescheduled",
    ];
    const fromFile = await GloveEmbeddingProvider.create({
      cacheDir: CACHE_DIR,
      shareLoaded: false,
      residentWords: 0,
      cachedWords: 2,
    });
    expect(await fromFile.embed(texts)).toEqual(await provider.embed(texts));
    expect(await fromFile.embed(texts.slice().reverse())).toEqual(await provider.embed(texts.slice().reverse()));
  });

  test('load the cache warm without rebuilding it', async () => {
    const mtime = statSync(provider.cacheFile).mtimeMs;
    const started = performance.now();
    const again = await GloveEmbeddingProvider.create({ cacheDir: CACHE_DIR, shareLoaded: false });
    expect(performance.now() - started).toBeLessThan(5_000); // ~70 ms on a quiet machine
    expect(again.builtCache).toBe(false);
    expect(statSync(provider.cacheFile).mtimeMs).toBe(mtime);
    expect(await again.embed(['same vectors'])).toEqual(await provider.embed(['same vectors']));
  });
});

describe('the embedding factory', () => {
  test('makes the use provider by default, glove when asked, and refuses unknown providers, naming the field', async () => {
    expect(DEFAULT_EMBEDDING_PROVIDER).toBe('use');
    const made = await createEmbeddingProvider({ provider: 'glove', cacheDir: CACHE_DIR });
    expect(made.name).toBe(GLOVE_PROVIDER_NAME);
    await expect(createEmbeddingProvider({ provider: 'magic' as never })).rejects.toMatchObject({
      code: 'EMBEDDING_UNAVAILABLE',
      field: 'embeddings.provider',
    });
    await expect(
      createEmbeddingProvider({ provider: 'glove', cacheDir: CACHE_DIR, dimension: 384 }),
    ).rejects.toMatchObject({
      code: 'EMBEDDING_MISMATCH',
      field: 'embeddings.dimension',
    });
  });
});

describe('ChromaMemoryBackend.embedderFor', () => {
  let home: string;
  beforeEach(() => (home = mkdtempSync(join(tmpdir(), 'genesis-embedder-for-'))));
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  test('keeps the provider a collection was made with until it is reindexed', async () => {
    const backend = new ChromaMemoryBackend({ home, embeddings: { provider: 'glove', cacheDir: CACHE_DIR } });
    const configured = await backend.embedderFor({ provider: GLOVE_PROVIDER_NAME, dimension: 356 });
    expect(configured?.name).toBe(GLOVE_PROVIDER_NAME);

    const hash = await backend.embedderFor({ provider: 'hash', dimension: 128 });
    expect(hash).toBeInstanceOf(HashEmbeddingProvider);
    expect(hash?.dimension).toBe(128);
    expect(await backend.embedderFor({ provider: 'hash', dimension: 128 })).toBe(hash); // made once

    expect(await backend.embedderFor({ provider: 'glove-sif@0', dimension: 356 })).toBeNull();
    expect(await backend.embedderFor({ provider: GLOVE_PROVIDER_NAME, dimension: 100 })).toBeNull();
    expect(await backend.embedderFor({ provider: 'openai:text-embedding-3-small', dimension: 1536 })).toBeNull();
    // The transformers model is not in this home: null, not an error.
    expect(await backend.embedderFor({ provider: 'transformers:all-MiniLM-L6-v2', dimension: 384 })).toBeNull();
    await backend.close();
  });

  test('makes the glove provider for a glove collection when another provider is configured', async () => {
    const backend = new ChromaMemoryBackend({ home, embeddings: { provider: 'hash', cacheDir: CACHE_DIR } });
    const glove = await backend.embedderFor({ provider: GLOVE_PROVIDER_NAME, dimension: 356 });
    expect(glove?.name).toBe(GLOVE_PROVIDER_NAME);
    expect((await backend.embedderFor({ provider: 'hash', dimension: 384 }))?.name).toBe('hash');
    await backend.close();
  });
});
