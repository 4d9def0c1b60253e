import { TASK_STATUSES, oneOf, type Mind } from '@genesis/mind-core';
import type { CommandContext } from '../program';
import { integerOption, jsonOption, parseLimitOption, positiveIntegerOption, timeOption } from '../options';
import { taskPageView, taskView } from '../views';

interface EnqueueOptions {
  type: string;
  payload?: unknown;
  runAt?: number;
  idempotencyKey?: string;
  priority?: number;
  maxAttempts?: number;
  timeoutMs?: number;
}

export function registerTaskCommands({ program, withGenesis, withMind, print, mindCommand }: CommandContext): void {
  const task = program.command('task').description('enqueue, cancel and retry background tasks');

  mindCommand(task, 'enqueue', "add a task to a Mind's queue (run by the daemon that holds the Mind)")
    .requiredOption('--type <type>', 'the task type (a handler of that type runs it)')
    .option('--payload <json>', 'the task input, JSON (at most 1 MB)', jsonOption())
    .option('--run-at <iso>', 'not before this time (default: now)', timeOption('--run-at'))
    .option('--idempotency-key <key>', 'enqueueing the same key again returns the first task')
    .option('--priority <n>', 'higher runs first (default 0)', integerOption('--priority'))
    .option(
      '--max-attempts <n>',
      'attempts before the task is dead (default 5)',
      positiveIntegerOption('--max-attempts', 1000),
    )
    .option(
      '--timeout-ms <ms>',
      'an attempt running longer is aborted',
      positiveIntegerOption('--timeout-ms', 86_400_000),
    )
    .action(async (gmid: string, opts: EnqueueOptions) =>
      withMind(gmid, async (mind) => {
        const { task: queued, created } = await mind.tasks.enqueue({
          type: opts.type,
          ...(opts.payload !== undefined ? { payload: opts.payload } : {}),
          ...(opts.runAt !== undefined ? { runAt: opts.runAt } : {}),
          ...(opts.idempotencyKey !== undefined ? { idempotencyKey: opts.idempotencyKey } : {}),
          ...(opts.priority !== undefined ? { priority: opts.priority } : {}),
          ...(opts.maxAttempts !== undefined ? { maxAttempts: opts.maxAttempts } : {}),
          ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
        });
        print(taskView(queued, created));
      }),
    );

  task
    .command('show')
    .description('one task, with its status, attempts, progress and last error')
    .argument('<id>', 'the task id')
    .action(async (id: string) => withGenesis(async (genesis) => print(taskView((await genesis.findTask(id)).task))));

  const changes = [
    ['cancel', 'cancel a pending or running task', (mind: Mind, id: string) => mind.tasks.cancel(id)],
    [
      'retry',
      'put a dead or failed task back in the queue, with fresh attempts',
      (mind: Mind, id: string) => mind.tasks.retry(id),
    ],
  ] as const;
  for (const [name, description, change] of changes) {
    task
      .command(name)
      .description(description)
      .argument('<id>', 'the task id')
      .action(async (id: string) =>
        withGenesis(async (genesis) => print(taskView(await change((await genesis.findTask(id)).mind, id)))),
      );
  }

  mindCommand(program, 'tasks', "list a Mind's tasks by run time")
    .option('--status <s>', TASK_STATUSES.join(', '))
    .option('--type <type>', 'only tasks of this type')
    .option('--limit <n>', 'page size (1..1000)', parseLimitOption, 50)
    .option('--cursor <c>', 'the nextCursor of the previous page')
    .action(async (gmid: string, opts: { status?: string; type?: string; limit: number; cursor?: string }) =>
      withMind(gmid, async (mind) => {
        const page = await mind.tasks.list({
          limit: opts.limit,
          cursor: opts.cursor ?? null,
          ...(opts.status !== undefined ? { status: oneOf(opts.status, TASK_STATUSES, 'status') } : {}),
          ...(opts.type !== undefined ? { type: opts.type } : {}),
        });
        print(taskPageView(page));
      }),
    );
}
