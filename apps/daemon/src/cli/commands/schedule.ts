import type { CommandContext } from '../program';
import { jsonOption } from '../options';
import { scheduleListView, scheduleView } from '../views';

interface AddOptions {
  name: string;
  cron: string;
  type: string;
  payload?: unknown;
  timezone?: string;
}

export function registerScheduleCommands({ program, withMind, print, mindCommand }: CommandContext): void {
  const schedule = program.command('schedule').description('recurring tasks of a Mind');

  mindCommand(schedule, 'add', 'add or replace a schedule: each cron slot enqueues one task, at most once')
    .requiredOption('--name <name>', 'unique per Mind; adding the same name replaces it')
    .requiredOption('--cron <expr>', 'a cron expression, e.g. "0 9 * * *" (6 fields: seconds first)')
    .requiredOption('--type <type>', 'the task type each slot enqueues')
    .option('--payload <json>', 'the task input, JSON', jsonOption())
    .option('--timezone <tz>', 'IANA time zone the expression is read in (default UTC)')
    .action(async (gmid: string, opts: AddOptions) =>
      withMind(gmid, async (mind) => {
        const saved = await mind.schedules.upsert({
          name: opts.name,
          cron: opts.cron,
          type: opts.type,
          ...(opts.payload !== undefined ? { payload: opts.payload } : {}),
          ...(opts.timezone !== undefined ? { timezone: opts.timezone } : {}),
        });
        print(scheduleView(saved));
      }),
    );

  mindCommand(schedule, 'remove', 'remove a schedule')
    .argument('<name>', 'its name')
    .action(async (gmid: string, name: string) =>
      withMind(gmid, async (mind) => {
        const removed = await mind.schedules.remove(name);
        print({ json: { removed }, text: removed ? `Removed schedule ${name}.` : `No schedule ${name}.` });
      }),
    );

  mindCommand(program, 'schedules', "list a Mind's schedules, soonest first").action(async (gmid: string) =>
    withMind(gmid, async (mind) => print(scheduleListView(await mind.schedules.list()))),
  );
}
