import {
  CONCERN_STATUSES,
  CONCERN_TYPES,
  CONCERN_URGENCIES,
  MAX_DUE_LIMIT,
  invalidInput,
  oneOf,
} from '@genesis/mind-core';
import type { StoredConcern } from '@genesis/mind-core';
import type { CommandContext } from '../program';
import { parseLimitOption, timeOption, unitIntervalOption } from '../options';
import { addedConcernView, concernPageView, dueConcernsView, resolvedConcernView } from '../views';

interface AddOptions {
  type: string;
  description: string;
  followUp?: number;
  user?: string;
  severity?: number;
  urgency?: string;
}

interface ListOptions {
  due?: boolean;
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
    .option(
      '--follow-up <iso>',
      'when to check first (default: the follow-up policy decides, from type, urgency and time)',
      timeOption('--follow-up'),
    )
    .option('--user <email>', 'the user it is about')
    .option('--severity <x>', 'how serious, 0..1 (default 0.5)', unitIntervalOption('--severity'))
    .option('--urgency <u>', `${CONCERN_URGENCIES.join(', ')} (default normal)`)
    .action(async (gmid: string, opts: AddOptions) =>
      withMind(gmid, async (mind) => {
        const created = await mind.concerns.create({
          type: oneOf(opts.type, CONCERN_TYPES, 'type'),
          description: opts.description,
          ...(opts.followUp !== undefined ? { followUpAt: opts.followUp } : {}),
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

  mindCommand(program, 'concerns', "list a Mind's concerns, soonest follow-up first, with the checks that fired")
    .option(
      '--due',
      'only those whose next check has come: all of them, soonest first (wakes snoozed ones whose time has come and expires old ones first)',
    )
    .option('--status <s>', CONCERN_STATUSES.join(', '))
    .option('--due-before <iso>', 'only those whose follow-up is before this time', timeOption('--due-before'))
    .option('--user <email>', 'only those about this user')
    .option('--limit <n>', 'page size (1..1000; --due lists every due concern)', parseLimitOption, 50)
    .option('--cursor <c>', 'the nextCursor of the previous page')
    .action(async (gmid: string, opts: ListOptions) =>
      withMind(gmid, async (mind) => {
        if (opts.due) {
          for (const [given, flag] of [
            [opts.status, '--status'],
            [opts.dueBefore, '--due-before'],
            [opts.user, '--user'],
            [opts.cursor, '--cursor'],
          ] as const)
            if (given !== undefined) throw invalidInput(flag, 'cannot be combined with --due');
          // Every due concern, batch after batch of the largest size (no cap).
          const now = clock.now();
          const due: StoredConcern[] = [];
          const batch = MAX_DUE_LIMIT;
          let after: { nextCheckAt: number; id: string } | null = null;
          for (;;) {
            const items: StoredConcern[] = await mind.concerns.due({ now, limit: batch, after });
            due.push(...items);
            const last = items[items.length - 1];
            if (items.length < batch || last === undefined) break;
            after = { nextCheckAt: last.nextCheckAt, id: last.id };
          }
          print(dueConcernsView(due, await mind.concerns.fires(due.map((c) => c.id)), now));
          return;
        }
        const page = await mind.concerns.list({
          limit: opts.limit,
          cursor: opts.cursor ?? null,
          ...(opts.status !== undefined ? { status: oneOf(opts.status, CONCERN_STATUSES, 'status') } : {}),
          ...(opts.dueBefore !== undefined ? { dueBefore: opts.dueBefore } : {}),
          ...(opts.user !== undefined ? { userEmail: opts.user } : {}),
        });
        print(concernPageView(page, await mind.concerns.fires(page.items.map((c) => c.id))));
      }),
    );
}
