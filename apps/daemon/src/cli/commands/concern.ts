import { CONCERN_STATUSES, CONCERN_TYPES, CONCERN_URGENCIES, oneOf } from '@genesis/mind-core';
import type { CommandContext } from '../program';
import { parseLimitOption, timeOption, unitIntervalOption } from '../options';
import { addedConcernView, concernPageView, resolvedConcernView } from '../views';

/** The follow-up of a concern added without `--follow-up`: a day from now. */
const DEFAULT_FOLLOW_UP_MS = 24 * 3600 * 1000;

interface AddOptions {
  type: string;
  description: string;
  followUp?: number;
  user?: string;
  severity?: number;
  urgency?: string;
}

interface ListOptions {
  status?: string;
  dueBefore?: number;
  user?: string;
  limit: number;
  cursor?: string;
}

export function registerConcernCommands({
  program,
  clock,
  withGenesis,
  print,
  withMind,
  mindCommand,
}: CommandContext): void {
  const concern = program.command('concern').description('add and resolve concerns (proactive follow-ups)');

  mindCommand(concern, 'add', 'add a concern to follow up on')
    .requiredOption('--type <type>', CONCERN_TYPES.join(', '))
    .requiredOption('--description <text>', 'what to follow up on')
    .option('--follow-up <iso>', 'when to check again (default: in 24 hours)', timeOption('--follow-up'))
    .option('--user <email>', 'the user it is about')
    .option('--severity <x>', 'how serious, 0..1 (default 0.5)', unitIntervalOption('--severity'))
    .option('--urgency <u>', `${CONCERN_URGENCIES.join(', ')} (default normal)`)
    .action(async (gmid: string, opts: AddOptions) =>
      withMind(gmid, async (mind) => {
        const created = await mind.concerns.create({
          type: oneOf(opts.type, CONCERN_TYPES, 'type'),
          description: opts.description,
          followUpAt: opts.followUp ?? clock.now() + DEFAULT_FOLLOW_UP_MS,
          ...(opts.user !== undefined ? { userEmail: opts.user } : {}),
          ...(opts.severity !== undefined ? { severity: opts.severity } : {}),
          ...(opts.urgency !== undefined ? { urgency: oneOf(opts.urgency, CONCERN_URGENCIES, 'urgency') } : {}),
        });
        print(addedConcernView(created));
      }),
    );

  concern
    .command('resolve')
    .description('mark a concern resolved')
    .argument('<id>', 'the concern id')
    .option('--note <text>', 'how it was resolved')
    .action(async (id: string, opts: { note?: string }) =>
      withGenesis(async (genesis) => {
        const { mind } = await genesis.findConcern(id);
        print(resolvedConcernView(await mind.concerns.resolve(id, opts.note)));
      }),
    );

  mindCommand(program, 'concerns', "list a Mind's concerns, soonest follow-up first")
    .option('--status <s>', CONCERN_STATUSES.join(', '))
    .option('--due-before <iso>', 'only those whose follow-up is before this time', timeOption('--due-before'))
    .option('--user <email>', 'only those about this user')
    .option('--limit <n>', 'page size (1..1000)', parseLimitOption, 50)
    .option('--cursor <c>', 'the nextCursor of the previous page')
    .action(async (gmid: string, opts: ListOptions) =>
      withMind(gmid, async (mind) => {
        const page = await mind.concerns.list({
          limit: opts.limit,
          cursor: opts.cursor ?? null,
          ...(opts.status !== undefined ? { status: oneOf(opts.status, CONCERN_STATUSES, 'status') } : {}),
          ...(opts.dueBefore !== undefined ? { dueBefore: opts.dueBefore } : {}),
          ...(opts.user !== undefined ? { userEmail: opts.user } : {}),
        });
        print(concernPageView(page));
      }),
    );
}
