import type { CommandContext } from '../program';
import { createdMindView, deletedMindView, mindListView, mindView } from '../views';

interface CreateOptions {
  name: string;
  creator?: string;
  creatorEmail?: string;
  purpose?: string;
  template?: string;
}

export function registerMindCommands({ program, withGenesis, print, mindCommand }: CommandContext): void {
  const mind = program.command('mind').description('create, list, show and delete Minds');

  mind
    .command('create')
    .description('create a new Mind')
    .requiredOption('--name <name>', 'its name')
    .option('--creator <name>', 'who created it')
    .option('--creator-email <email>', "its creator's email")
    .option('--purpose <text>', 'its primary purpose')
    .option('--template <name>', 'the template it was made from')
    .action(async (opts: CreateOptions) =>
      withGenesis(async (genesis) => {
        const created = await genesis.createMind({
          name: opts.name,
          creator: opts.creator ?? null,
          creatorEmail: opts.creatorEmail ?? null,
          primaryPurpose: opts.purpose ?? null,
          template: opts.template ?? null,
        });
        print(createdMindView(created));
      }),
    );

  mind
    .command('list')
    .description('list registered Minds')
    .action(async () => withGenesis(async (genesis) => print(mindListView(await genesis.listMinds()))));

  mindCommand(mind, 'show', "show a Mind's JSON document").action(async (gmid: string) =>
    withGenesis(async (genesis) => print(mindView(await genesis.loadMind(gmid)))),
  );

  mindCommand(
    mind,
    'delete',
    'delete a Mind: its SQL rows, JSON file and secrets (backups of old files are kept)',
  ).action(async (gmid: string) =>
    withGenesis(async (genesis) => print(deletedMindView(await genesis.deleteMind(gmid)))),
  );
}
