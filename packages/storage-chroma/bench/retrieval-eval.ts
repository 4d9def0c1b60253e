/**
 * Runs the retrieval-quality set through an embedding provider: every memory and every query is
 * embedded, the memories are ranked by exact cosine similarity to each query, and recall@1,
 * recall@5 and MRR are reported for paraphrase queries, exact-name queries and all of them.
 * Shared by `retrieval.bench.ts` and the quality test.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EmbeddingProvider } from '@genesis/mind-core';
import { createEmbeddingProvider, type EmbeddingConfig, type EmbeddingProviderName } from '../src/embeddings/factory';
import { firstRelevantRank, rankByCosine, scoreRanks, type RetrievalScores } from './retrieval-metrics';
import type { RetrievalMemoryType, RetrievalQueryKind, RetrievalSet } from './retrieval-set';

/** Where the benchmark and the quality test keep providers' caches, so later runs reuse them. */
export const RETRIEVAL_CACHE_DIR = join(tmpdir(), 'genesis-retrieval-bench-cache');

const BATCH = 64;

export interface QueryOutcome {
  id: string;
  kind: RetrievalQueryKind;
  text: string;
  relevant: string[];
  /** 1-based rank of the first relevant memory (null if none ranked). */
  rank: number | null;
  /** The first five memories ranked. */
  top5: string[];
}

export interface RetrievalReport {
  provider: string;
  dimension: number;
  memories: number;
  paraphrase: RetrievalScores;
  exact: RetrievalScores;
  overall: RetrievalScores;
  /** Paraphrase queries by the memory type of their (first) answer. */
  paraphraseByMemoryType: Partial<Record<RetrievalMemoryType, RetrievalScores>>;
  /** Time to embed all memories and queries. */
  embedMs: number;
  outcomes: QueryOutcome[];
}

async function embedAll(provider: EmbeddingProvider, texts: string[]): Promise<number[][]> {
  const vectors: number[][] = [];
  for (let i = 0; i < texts.length; i += BATCH) vectors.push(...(await provider.embed(texts.slice(i, i + BATCH))));
  if (vectors.length !== texts.length) {
    throw new Error(`${provider.name} returned ${vectors.length} vectors for ${texts.length} texts`);
  }
  return vectors;
}

/** Embeds the set with `provider` and scores its rankings. */
export async function evaluateRetrieval(provider: EmbeddingProvider, set: RetrievalSet): Promise<RetrievalReport> {
  const ids = new Set(set.memories.map((m) => m.id));
  for (const q of set.queries) {
    const unknown = q.relevant.filter((id) => !ids.has(id));
    if (q.relevant.length === 0 || unknown.length) throw new Error(`query ${q.id} names unknown memories: ${unknown}`);
  }
  const start = process.hrtime.bigint();
  const memoryVectors = await embedAll(
    provider,
    set.memories.map((m) => m.text),
  );
  const queryVectors = await embedAll(
    provider,
    set.queries.map((q) => q.text),
  );
  const embedMs = Number(process.hrtime.bigint() - start) / 1e6;

  const outcomes = set.queries.map((q, i): QueryOutcome => {
    const ranking = rankByCosine(queryVectors[i]!, memoryVectors).map((j) => set.memories[j]!.id);
    return {
      id: q.id,
      kind: q.kind,
      text: q.text,
      relevant: q.relevant,
      rank: firstRelevantRank(ranking, q.relevant),
      top5: ranking.slice(0, 5),
    };
  });
  const ranksOf = (kind?: RetrievalQueryKind) => outcomes.filter((o) => !kind || o.kind === kind).map((o) => o.rank);
  const typeOf = new Map(set.memories.map((m) => [m.id, m.type]));
  const byType: Partial<Record<RetrievalMemoryType, Array<number | null>>> = {};
  for (const o of outcomes.filter((x) => x.kind === 'paraphrase')) {
    (byType[typeOf.get(o.relevant[0]!)!] ??= []).push(o.rank);
  }
  return {
    provider: provider.name,
    dimension: provider.dimension,
    memories: set.memories.length,
    paraphrase: scoreRanks(ranksOf('paraphrase')),
    exact: scoreRanks(ranksOf('exact')),
    overall: scoreRanks(ranksOf()),
    paraphraseByMemoryType: Object.fromEntries(
      Object.entries(byType).map(([type, ranks]) => [type, scoreRanks(ranks)]),
    ) as RetrievalReport['paraphraseByMemoryType'],
    embedMs: Math.round(embedMs),
    outcomes,
  };
}

export type ProviderChoice =
  { name: string; provider: EmbeddingProvider; loadMs: number } | { name: string; skipped: string };

async function timed(name: string, make: () => Promise<EmbeddingProvider>): Promise<ProviderChoice> {
  const start = process.hrtime.bigint();
  try {
    const provider = await make();
    return { name, provider, loadMs: Math.round(Number(process.hrtime.bigint() - start) / 1e6) };
  } catch (error) {
    return { name, skipped: `${name} skipped: ${(error as Error).message.split('\n')[0]}` };
  }
}

/** The configuration of a provider by name (none: the default), with the providers' cache folder. */
function config(provider: EmbeddingProviderName | undefined, cacheDir: string): EmbeddingConfig {
  return { ...(provider ? { provider } : {}), cacheDir };
}

/** The default provider (`createEmbeddingProvider` with no provider named). */
export function defaultProvider(cacheDir = RETRIEVAL_CACHE_DIR): Promise<ProviderChoice> {
  return timed('default', () => createEmbeddingProvider(config(undefined, cacheDir)));
}

/**
 * The providers that work offline: `hash` always, `glove` and `use` (each skipped with the reason if it
 * cannot load), and `transformers` when a local model folder is given.
 */
export async function offlineProviders(options: {
  cacheDir?: string;
  transformersModelDir?: string;
}): Promise<ProviderChoice[]> {
  const cacheDir = options.cacheDir ?? RETRIEVAL_CACHE_DIR;
  const choices = [await timed('hash', () => createEmbeddingProvider({ provider: 'hash' }))];
  choices.push(await timed('glove', () => createEmbeddingProvider(config('glove', cacheDir))));
  choices.push(await timed('use', () => createEmbeddingProvider(config('use', cacheDir))));
  choices.push(
    options.transformersModelDir
      ? await timed('transformers', () =>
          createEmbeddingProvider({ provider: 'transformers', modelDir: options.transformersModelDir! }),
        )
      : { name: 'transformers', skipped: 'transformers skipped: no local model (set GENESIS_TRANSFORMERS_MODEL_DIR)' },
  );
  return choices;
}
