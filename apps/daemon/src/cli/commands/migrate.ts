import { Presets, SingleBar } from 'cli-progress';
import { GenesisError } from '@genesis/mind-core';
import type { CommandContext } from '../program';
import { homeMigrationView } from '../views';

interface MigrateOptions {
  dryRun?: boolean;
}

export function registerMigrateCommand({ program, io, withGenesis, print }: CommandContext): void {
  program
    .command('migrate')
    .description(
      'bring the home up to date: apply schema migrations, then import what an earlier (Python) Genesis left in it — safe to run any number of times',
    )
    .option('--dry-run', 'report what would move, changing nothing')
    .action(async (options: MigrateOptions) =>
      withGenesis(
        async (genesis) => {
          const bar = new SingleBar(
            {
              format: '{gmid} ({mind}/{minds}) {step} {bar} {value}/{total}',
              stream: io.progress,
              noTTYOutput: false,
              hideCursor: true,
            },
            Presets.shades_classic,
          );
          let current: string | null = null;
          let running = false;
          let report;
          try {
            report = await genesis.migrateHome({
              ...(options.dryRun ? { dryRun: true } : {}),
              onProgress: (p) => {
                const payload = { gmid: p.gmid, mind: p.mind, minds: p.minds, step: p.step };
                if (current !== p.gmid) {
                  if (running) bar.stop();
                  bar.start(p.total, p.done, payload);
                  current = p.gmid;
                  running = true;
                  return;
                }
                bar.setTotal(p.total);
                bar.update(p.done, payload);
              },
            });
          } finally {
            if (running) bar.stop();
          }
          print(homeMigrationView(report));
          if (report.totals.failedMinds > 0)
            throw new GenesisError(
              'MIGRATE_INCOMPLETE',
              `${report.totals.failedMinds} of ${report.minds.length} Minds could not be migrated (see the report); the others were. Fix what the report names and run genesis migrate again.`,
            );
        },
        { migrate: false },
      ),
    );
}
