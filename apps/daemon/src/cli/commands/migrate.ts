import type { CommandContext } from '../program';
import { migrateView } from '../views';

export function registerMigrateCommand({ program, withGenesis, print }: CommandContext): void {
  program
    .command('migrate')
    .description('create or upgrade the SQL schema (safe to run any number of times)')
    .action(async () =>
      withGenesis(
        async (genesis) => {
          const applied = await genesis.migrate();
          print(migrateView({ home: genesis.home, database: genesis.database, applied }));
        },
        { migrate: false },
      ),
    );
}
