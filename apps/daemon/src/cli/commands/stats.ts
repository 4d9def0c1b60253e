import type { CommandContext } from '../program';
import { parseGmidArgument } from '../options';
import { allStatsView, mindStatsView } from '../views';

export function registerStatsCommand({ program, withGenesis, print }: CommandContext): void {
  program
    .command('stats')
    .description('JSON file size and row counts, for one Mind or all')
    .argument('[gmid]', 'the Mind', parseGmidArgument)
    .action(async (gmid?: string) =>
      withGenesis(async (genesis) =>
        print(gmid !== undefined ? mindStatsView(await genesis.stats(gmid)) : allStatsView(await genesis.statsAll())),
      ),
    );
}
