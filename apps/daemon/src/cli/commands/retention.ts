import { isRetentionFailure, type RetentionRun } from '@genesis/daemon';
import { GenesisError, type RetentionPolicy, type RetentionReport } from '@genesis/mind-core';
import type { CommandContext } from '../program';
import { parseGmidArgument } from '../options';
import type { View } from '../views';

interface ApplyOptions {
  dryRun?: boolean;
}

const STORES = [
  ['messages', 'messages'],
  ['concerns', 'closed concerns'],
  ['tasks', 'finished tasks'],
  ['concernFires', 'concern fires'],
  ['scheduleFires', 'schedule fires'],
] as const;

/** A run as JSON: per Mind and per store what went (or would go), the archive files written. */
function runJson(run: RetentionRun) {
  const report = (r: RetentionReport) => ({
    mindId: r.mindId,
    messages: r.messages,
    concerns: r.concerns,
    tasks: r.tasks,
    concernFires: r.concernFires,
    scheduleFires: r.scheduleFires,
    policy: r.policy,
    tookMs: r.tookMs,
  });
  return {
    dryRun: run.dryRun,
    now: new Date(run.now).toISOString(),
    minds: run.minds.map((m) => (isRetentionFailure(m) ? m : report(m))),
    home: run.home ? { scheduleFires: run.home.scheduleFires } : null,
    tookMs: run.tookMs,
  };
}

export function retentionRunView(run: RetentionRun): View {
  const lines = [
    `${run.dryRun ? 'Dry run (nothing written)' : 'Retention applied'} at ${new Date(run.now).toISOString()} in ${run.tookMs} ms`,
  ];
  const row = (mind: string, store: string, removed: number | string, archived: number | string) =>
    `${mind.padEnd(20)} ${store.padEnd(16)} ${String(removed).padStart(12)} ${String(archived).padStart(14)}`;
  lines.push(row('MIND', 'STORE', run.dryRun ? 'WOULD REMOVE' : 'REMOVED', run.dryRun ? 'WOULD ARCHIVE' : 'ARCHIVED'));
  for (const m of run.minds) {
    if (isRetentionFailure(m)) {
      lines.push(`${m.mindId.padEnd(20)} failed: ${m.error.code}: ${m.error.message.split('\n')[0]}`);
      continue;
    }
    STORES.forEach(([key, label], i) => {
      const store = m[key];
      lines.push(row(i === 0 ? (m.mindId ?? '') : '', label, store.removed, key === 'messages' ? store.archived : '-'));
    });
    if (m.messages.recovered > 0)
      lines.push(`${''.padEnd(20)} (${m.messages.recovered} messages of an interrupted earlier run deleted now)`);
    if (m.messages.files.length > 0)
      lines.push(`${''.padEnd(20)} archive: ${m.messages.files.length} file(s) in archive/${m.mindId}/`);
  }
  if (run.home) lines.push(row('(daemon schedules)', 'schedule fires', run.home.scheduleFires.removed, '-'));
  if (run.minds.length === 0) lines.push('(no Minds)');
  return { json: runJson(run), text: lines.join('\n') };
}

export function retentionPolicyView(gmid: string | null, policy: RetentionPolicy, override: unknown): View {
  const days = (d: number | null) => (d === null ? 'forever' : `${d} days`);
  const text = [
    `Retention policy${gmid ? ` of ${gmid}` : ' (the home defaults)'}${override ? ' (with its own override)' : ''}:`,
    `  messages        keep ${days(policy.messages.maxAgeDays)}, at most ${policy.messages.maxPerMind ?? 'unlimited'} per Mind, ${policy.messages.archive ? 'archived before deletion' : 'not archived'}`,
    `  closed concerns keep ${days(policy.concerns.closedMaxAgeDays)}`,
    `  finished tasks  keep ${days(policy.tasks.finishedMaxAgeDays)}`,
    `  concern fires   keep ${days(policy.concernFires.maxAgeDays)}`,
    `  schedule fires  keep ${days(policy.scheduleFires.maxAgeDays)}`,
    `  batch size      ${policy.batchSize} rows per transaction`,
  ].join('\n');
  return { json: { gmid, policy, override: override ?? null }, text };
}

export function registerRetentionCommands({ program, withGenesis, print }: CommandContext): void {
  const retention = program
    .command('retention')
    .description(
      'keep every store bounded: old messages (archived first), closed concerns, finished tasks, fire records',
    );

  retention
    .command('apply')
    .description('apply the retention policies now, to one Mind or to every Mind (the daemon does it daily)')
    .argument('[gmid]', 'one Mind (default: every Mind of the home)', parseGmidArgument)
    .option('--dry-run', 'report what would be removed or archived, and write nothing')
    .action(async (gmid: string | undefined, opts: ApplyOptions) =>
      withGenesis(async (genesis) => {
        const run = await genesis.retention.apply({
          ...(gmid !== undefined ? { gmid } : {}),
          dryRun: opts.dryRun === true,
        });
        print(retentionRunView(run));
        const failed = run.minds.filter(isRetentionFailure);
        if (failed.length > 0) {
          const first = failed[0]!;
          throw new GenesisError(
            first.error.code as GenesisError['code'],
            `retention failed for ${failed.length} Mind(s), first ${first.mindId}: ${first.error.message}`,
          );
        }
      }),
    );

  retention
    .command('policy')
    .description("show the policy in force: the home's defaults, or a Mind's (with its override)")
    .argument('[gmid]', 'a Mind', parseGmidArgument)
    .action(async (gmid: string | undefined) =>
      withGenesis(async (genesis) => {
        if (gmid === undefined) return print(retentionPolicyView(null, genesis.retention.defaults, null));
        const mind = await genesis.loadMind(gmid);
        print(retentionPolicyView(gmid, mind.retention.effective(genesis.retention.defaults), mind.retention.get()));
      }),
    );
}
