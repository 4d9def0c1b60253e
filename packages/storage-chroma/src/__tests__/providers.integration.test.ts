import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createEmbeddingProvider } from '../embeddings/factory';
import { OpenAIEmbeddingProvider } from '../embeddings/openai';
import { TransformersEmbeddingProvider } from '../embeddings/transformers';
import * as testEnv from '@genesis/jest-config/env';

describe('openai-compatible provider against a local /v1/embeddings server', () => {
  let server: Server;
  let baseUrl: string;
  const seen: Array<{ auth: string | undefined; body: { model: string; input: string[] } }> = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        const parsed = JSON.parse(body) as { model: string; input: string[] };
        seen.push({ auth: req.headers.authorization, body: parsed });
        if (parsed.model === 'missing') {
          res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"model not found"}');
          return;
        }
        // Deterministic 8-dimensional vectors, returned out of order to check index handling.
        const data = parsed.input.map((text, index) => ({
          index,
          embedding: Array.from({ length: 8 }, (_, i) => (text.length + i) % 5),
        }));
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ data: data.reverse(), model: parsed.model }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  test('probes the dimension, batches, sends the key, keeps input order', async () => {
    const provider = await OpenAIEmbeddingProvider.create({
      baseUrl,
      model: 'nomic-embed',
      apiKey: 'k-123',
      batchSize: 2,
    });
    expect(provider.dimension).toBe(8);
    expect(provider.name).toBe('openai:nomic-embed');
    const out = await provider.embed(['a', 'bb', 'ccc']);
    expect(out.map((v) => v[0])).toEqual([1, 2, 3]);
    expect(seen.at(-1)).toEqual({ auth: 'Bearer k-123', body: { model: 'nomic-embed', input: ['ccc'] } });
  });

  test('an endpoint error is a clear error, never a hang', async () => {
    await expect(createEmbeddingProvider({ provider: 'openai', url: baseUrl, model: 'missing' })).rejects.toMatchObject(
      {
        code: 'EMBEDDING_UNAVAILABLE',
        message: expect.stringContaining('answered 404 for model missing'),
      },
    );
    await expect(
      createEmbeddingProvider({ provider: 'openai', url: 'http://127.0.0.1:9/v1', model: 'x' }),
    ).rejects.toMatchObject({ code: 'EMBEDDING_UNAVAILABLE' });
    await expect(createEmbeddingProvider({ provider: 'openai' })).rejects.toThrow(
      /needs a url \(embeddings.url \/ GENESIS_EMBEDDINGS_URL/,
    );
  });
});

describe('transformers provider (all-MiniLM-L6-v2)', () => {
  const modelDir = testEnv.transformersModelDir ?? join(__dirname, '..', '..', 'models');
  const present = existsSync(join(TransformersEmbeddingProvider.modelPath({ modelDir }), 'onnx'));

  test('without the model, says where to put it instead of downloading or hanging', async () => {
    const started = Date.now();
    await expect(
      createEmbeddingProvider({ provider: 'transformers', modelDir: '/nonexistent-models' }),
    ).rejects.toMatchObject({
      code: 'EMBEDDING_UNAVAILABLE',
      message: expect.stringContaining(
        'The Xenova/all-MiniLM-L6-v2 model is not in /nonexistent-models/Xenova/all-MiniLM-L6-v2',
      ),
    });
    expect(Date.now() - started).toBeLessThan(1000);
  });

  if (!present) {
    console.warn(
      `transformers embedding test skipped: no all-MiniLM-L6-v2 model in ${modelDir} (set GENESIS_TRANSFORMERS_MODEL_DIR)`,
    );
    test.skip(`embeds with all-MiniLM-L6-v2 (model absent from ${modelDir})`, () => undefined);
  } else {
    test('embeds with all-MiniLM-L6-v2 into 384 normalised dimensions', async () => {
      const provider = await TransformersEmbeddingProvider.create({ modelDir });
      const [v] = await provider.embed(['hello world']);
      expect(v).toHaveLength(384);
      expect(Math.sqrt(v!.reduce((s, x) => s + x * x, 0))).toBeCloseTo(1, 3);
    });
  }
});
