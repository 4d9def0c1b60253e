import type { EmbeddingProvider } from '@genesis/mind-core';
import { MemoryTierError } from '../errors';

export interface OpenAIEmbeddingOptions {
  /** Base URL of an OpenAI-compatible API, e.g. https://api.openai.com/v1 or http://localhost:11434/v1 (Ollama). */
  baseUrl: string;
  model: string;
  apiKey?: string;
  /** Known dimension; when omitted, one probe request finds it. */
  dimension?: number;
  /** Texts per request. Default 64. */
  batchSize?: number;
  timeoutMs?: number;
}

/** Any OpenAI-compatible `/v1/embeddings` endpoint: OpenAI, Ollama, LM Studio, … */
export class OpenAIEmbeddingProvider implements EmbeddingProvider {
  readonly name: string;

  private constructor(
    private readonly options: OpenAIEmbeddingOptions,
    readonly dimension: number,
  ) {
    this.name = `openai:${options.model}`;
  }

  static async create(options: OpenAIEmbeddingOptions): Promise<OpenAIEmbeddingProvider> {
    if (options.dimension !== undefined) return new OpenAIEmbeddingProvider(options, options.dimension);
    const probe = new OpenAIEmbeddingProvider(options, 0);
    const [vector] = await probe.request(['dimension probe']);
    return new OpenAIEmbeddingProvider(options, vector!.length);
  }

  async embed(texts: string[]): Promise<number[][]> {
    const size = this.options.batchSize ?? 64;
    const out: number[][] = [];
    for (let i = 0; i < texts.length; i += size) out.push(...(await this.request(texts.slice(i, i + size))));
    return out;
  }

  private async request(input: string[]): Promise<number[][]> {
    const url = `${this.options.baseUrl.replace(/\/+$/, '')}/embeddings`;
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(this.options.apiKey ? { authorization: `Bearer ${this.options.apiKey}` } : {}),
        },
        body: JSON.stringify({ model: this.options.model, input }),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 30_000),
      });
    } catch (cause) {
      throw new MemoryTierError(
        'EMBEDDING_UNAVAILABLE',
        `Cannot reach the embeddings endpoint ${url}: ${(cause as Error).message}`,
        { cause },
      );
    }
    if (!res.ok) {
      // The status is the error; the body only adds detail when it can be read.
      const body = (await res.text().catch(() => '')).slice(0, 300);
      throw new MemoryTierError(
        'EMBEDDING_UNAVAILABLE',
        `The embeddings endpoint ${url} answered ${res.status} for model ${this.options.model}: ${body}`,
      );
    }
    const json = (await res.json()) as { data?: Array<{ embedding: number[]; index?: number }> };
    const data = json.data;
    if (!Array.isArray(data) || data.length !== input.length || data.some((d) => !Array.isArray(d.embedding))) {
      throw new MemoryTierError(
        'EMBEDDING_UNAVAILABLE',
        `The embeddings endpoint ${url} returned no embeddings for ${input.length} texts`,
      );
    }
    const sorted = [...data].sort((a, b) => (a.index ?? 0) - (b.index ?? 0)).map((d) => d.embedding);
    if (this.dimension && sorted.some((v) => v.length !== this.dimension)) {
      throw new MemoryTierError(
        'EMBEDDING_MISMATCH',
        `Model ${this.options.model} returned vectors of ${sorted[0]!.length} dimensions, expected ${this.dimension}`,
      );
    }
    return sorted;
  }
}
