import type { CommandContext } from '../program';
import { statusView } from '../views';

export function registerStatusCommand({ program, withGenesis, print }: CommandContext): void {
  program
    .command('status')
    .description(
      'open the home (applying pending migrations) and show its database, row counts and any tables left by an earlier Genesis',
    )
    .action(async () => withGenesis(async (genesis) => print(statusView(await genesis.status()))));
}
