/**
 * Retrieval quality per embedding provider on the project's paraphrase set (retrieval-set.ts):
 * recall@1, recall@5 and MRR for paraphrase queries, exact-name queries and overall, by exact
 * cosine ranking over all memories. Offline providers only: `hash`, `glove` and `use` when they
 * load, and `transformers` when GENESIS_TRANSFORMERS_MODEL_DIR names a local model.
 *
 * Prints a table, then the figures as JSON. BENCH_RETRIEVAL_CACHE_DIR moves the providers' cache
 * (default: genesis-retrieval-bench-cache under the OS temp folder, reused between runs);
 * BENCH_RETRIEVAL_MISSES=1 lists the queries whose answer is not in a provider's top 5.
 */
import { offlineProviders, evaluateRetrieval, RETRIEVAL_CACHE_DIR, type RetrievalReport } from './retrieval-eval';
import { RETRIEVAL_SET } from './retrieval-set';
import type { RetrievalScores } from './retrieval-metrics';

const cacheDir = process.env.BENCH_RETRIEVAL_CACHE_DIR || RETRIEVAL_CACHE_DIR;
const showMisses = process.env.BENCH_RETRIEVAL_MISSES === '1';
const transformersModelDir = process.env.GENESIS_TRANSFORMERS_MODEL_DIR || undefined;

const countBy = <T>(items: readonly T[], key: (item: T) => string) =>
  items.reduce<Record<string, number>>((acc, item) => ({ ...acc, [key(item)]: (acc[key(item)] ?? 0) + 1 }), {});

const f3 = (x: number) => x.toFixed(3);

function table(rows: Array<{ provider: string; loadMs: number; report: RetrievalReport }>): string {
  const header = ['provider', 'queries', 'R@1', 'R@5', 'MRR', 'load ms', 'embed ms'];
  const lines: string[][] = [];
  for (const { provider, loadMs, report } of rows) {
    const part = (label: string, s: RetrievalScores, timings: boolean) => [
      `${provider} ${label}`,
      String(s.queries),
      f3(s.recallAt1),
      f3(s.recallAt5),
      f3(s.mrr),
      timings ? String(loadMs) : '',
      timings ? String(report.embedMs) : '',
    ];
    lines.push(part('paraphrase', report.paraphrase, false));
    lines.push(part('exact-name', report.exact, false));
    lines.push(part('overall', report.overall, true));
  }
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const fmt = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [fmt(header), widths.map((w) => '-'.repeat(w)).join('  '), ...lines.map(fmt)].join('\n');
}

(async () => {
  const set = RETRIEVAL_SET;
  const dataset = {
    memories: set.memories.length,
    memoriesByType: countBy(set.memories, (m) => m.type),
    users: new Set(set.memories.map((m) => m.user ?? '(shared)')).size,
    queries: set.queries.length,
    queriesByKind: countBy(set.queries, (q) => q.kind),
  };
  console.log(
    `Retrieval set ${set.name} v${set.version}: ${dataset.memories} memories ${JSON.stringify(dataset.memoriesByType)}, ` +
      `${dataset.queries} queries ${JSON.stringify(dataset.queriesByKind)}; provider cache ${cacheDir}`,
  );

  const rows: Array<{ provider: string; loadMs: number; report: RetrievalReport }> = [];
  const skipped: string[] = [];
  for (const choice of await offlineProviders({
    cacheDir,
    ...(transformersModelDir ? { transformersModelDir } : {}),
  })) {
    if ('skipped' in choice) {
      console.log(choice.skipped);
      skipped.push(choice.skipped);
      continue;
    }
    const report = await evaluateRetrieval(choice.provider, set);
    rows.push({ provider: report.provider, loadMs: choice.loadMs, report });
    if (showMisses) {
      for (const o of report.outcomes.filter((x) => x.rank === null || x.rank > 5)) {
        console.log(
          `  ${report.provider} miss ${o.id} (${o.kind}) "${o.text}" → want ${o.relevant} rank ${o.rank}; top: ${o.top5}`,
        );
      }
    }
  }
  console.log(table(rows));
  console.log(
    JSON.stringify(
      {
        benchmark: 'retrieval-quality',
        dataset,
        providers: rows.map(({ loadMs, report }) => ({
          provider: report.provider,
          dimension: report.dimension,
          paraphrase: report.paraphrase,
          exact: report.exact,
          overall: report.overall,
          paraphraseByMemoryType: report.paraphraseByMemoryType,
          loadMs,
          embedMs: report.embedMs,
        })),
        skipped,
      },
      null,
      2,
    ),
  );
})().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
