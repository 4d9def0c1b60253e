import { ENVIRONMENT_KINDS, oneOf } from '@genesis/mind-core';
import type { EnvironmentRecord, UpsertEnvironmentInput } from '@genesis/mind-core';
import type { CommandContext } from '../program';
import type { View } from '../views';

interface SetOptions {
  kind: string;
  description?: string;
  primary?: boolean;
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

const environmentJson = (e: EnvironmentRecord) => ({
  ...e,
  lastActiveAt: iso(e.lastActiveAt),
  createdAt: iso(e.createdAt),
  updatedAt: iso(e.updatedAt),
});

const summary = (e: EnvironmentRecord): string =>
  `${e.name} (${e.kind}${e.isPrimary ? ', primary' : ''}), ${e.visitCount} visit${e.visitCount === 1 ? '' : 's'}` +
  `${e.lastActiveAt === null ? '' : `, last active ${iso(e.lastActiveAt)}`}: ${e.id}`;

export function environmentListView(environments: readonly EnvironmentRecord[]): View {
  const lines = environments.map(
    (e) =>
      `${(iso(e.lastActiveAt) ?? '-').padEnd(24)}  ${String(e.visitCount).padStart(6)}  ${e.kind.padEnd(6)} ` +
      `${e.isPrimary ? '*' : ' '} ${e.name}  ${e.id}${e.description ? `  ${e.description.replace(/\s+/g, ' ').slice(0, 60)}` : ''}`,
  );
  return {
    json: { items: environments.map(environmentJson) },
    text: lines.length
      ? [`${'last active'.padEnd(24)}  ${'visits'.padStart(6)}  kind   (* primary) name  id`, ...lines].join('\n')
      : 'No environments.',
  };
}

export function environmentView(e: EnvironmentRecord, verb: string): View {
  return { json: environmentJson(e), text: `${verb} ${summary(e)}` };
}

/** `genesis environments GMID`, `genesis environment set|visit|remove GMID …`: where a Mind lives and talks. */
export function registerEnvironmentCommands({ program, print, withMind, mindCommand }: CommandContext): void {
  mindCommand(program, 'environments', "list a Mind's environments, most recently active first").action(
    async (gmid: string) => withMind(gmid, async (mind) => print(environmentListView(await mind.environments.list()))),
  );

  const environment = program.command('environment').description('set, visit and remove where a Mind lives and talks');

  mindCommand(environment, 'set', 'create an environment or change the one with this name')
    .argument('<name>', 'its name (unique per Mind)')
    .requiredOption('--kind <kind>', ENVIRONMENT_KINDS.join(', '))
    .option('--description <text>', 'what it is')
    .option('--primary', "make it the Mind's primary environment (the others stop being primary)")
    .option('--no-primary', 'make it not primary')
    .action(async (gmid: string, name: string, opts: SetOptions) =>
      withMind(gmid, async (mind) => {
        const input: UpsertEnvironmentInput = { name, kind: oneOf(opts.kind, ENVIRONMENT_KINDS, '--kind') };
        if (opts.description !== undefined) input.description = opts.description;
        if (opts.primary !== undefined) input.isPrimary = opts.primary;
        print(environmentView(await mind.environments.upsert(input), 'Set'));
      }),
    );

  mindCommand(environment, 'visit', 'the Mind is there now: mark it active and count the visit')
    .argument('<environment>', 'its id or name')
    .action(async (gmid: string, idOrName: string) =>
      withMind(gmid, async (mind) => print(environmentView(await mind.environments.visit(idOrName), 'Visited'))),
    );

  mindCommand(environment, 'remove', 'delete an environment (messages keep its id)')
    .argument('<environment>', 'its id or name')
    .action(async (gmid: string, idOrName: string) =>
      withMind(gmid, async (mind) => print(environmentView(await mind.environments.remove(idOrName), 'Removed'))),
    );
}
