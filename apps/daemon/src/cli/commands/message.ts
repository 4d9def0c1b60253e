import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { invalidInput, MESSAGE_ROLES, oneOf } from '@genesis/mind-core';
import type { Io } from '../io';
import type { CommandContext } from '../program';
import { parseLimitOption, timeOption } from '../options';
import { addedMessageView, messagePageView } from '../views';

interface AddOptions {
  role: string;
  content?: string;
  contentFile?: string;
  user?: string;
  environment?: string;
}

interface ListOptions {
  limit: number;
  cursor?: string;
  since?: number;
  until?: number;
  user?: string;
  role?: string;
}

/** Bytes as text, refusing anything that is not UTF-8 (a BOM is kept: the content is stored byte for byte). */
function utf8(bytes: Buffer, field: string, source: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch (cause) {
    throw invalidInput(field, `must be UTF-8 text, got other bytes from ${source}`, cause);
  }
}

const UNREADABLE: Record<string, string> = {
  ENOENT: 'no such file',
  EISDIR: 'it is a folder',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
};

/** The message content, exactly as given: `--content TEXT`, `--content -` (stdin) or `--content-file FILE`. */
async function readContent(opts: AddOptions, io: Io, command: Command): Promise<string> {
  if (opts.contentFile !== undefined) {
    const file = resolve(opts.contentFile);
    let bytes: Buffer;
    try {
      bytes = await readFile(file);
    } catch (cause) {
      const code = (cause as NodeJS.ErrnoException).code ?? '';
      const reason = UNREADABLE[code] ?? `${code || 'read error'}: ${(cause as Error).message}`;
      throw invalidInput('--content-file', `must name a readable file, got ${JSON.stringify(file)} (${reason})`, cause);
    }
    return utf8(bytes, '--content-file', file);
  }
  if (opts.content === '-') return utf8(await io.readStdin(), '--content', 'stdin');
  if (opts.content !== undefined) return opts.content;
  return command.error("error: one of the options '--content <text>' and '--content-file <file>' is required", {
    exitCode: 2,
    code: 'genesis.missingContent',
  });
}

export function registerMessageCommands({ program, io, print, withMind, mindCommand }: CommandContext): void {
  const message = program.command('message').description('add messages');

  mindCommand(message, 'add', "add a message to a Mind's conversation")
    .requiredOption('--role <role>', MESSAGE_ROLES.join(', '))
    .addOption(new Option('--content <text>', 'the message; - reads it from stdin').conflicts('contentFile'))
    .option('--content-file <file>', 'read the message from this file')
    .option('--user <email>', 'the user the message is with')
    .option('--environment <id>', 'the environment it happened in')
    .action(async (gmid: string, opts: AddOptions, command: Command) => {
      const content = await readContent(opts, io, command);
      await withMind(gmid, async (mind) => {
        const added = await mind.conversation.addMessage({
          role: oneOf(opts.role, MESSAGE_ROLES, 'role'),
          content,
          ...(opts.user !== undefined ? { userEmail: opts.user } : {}),
          ...(opts.environment !== undefined ? { environmentId: opts.environment } : {}),
        });
        print(addedMessageView(added));
      });
    });

  mindCommand(program, 'messages', "list a Mind's messages, newest first")
    .option('--limit <n>', 'page size (1..1000)', parseLimitOption, 20)
    .option('--cursor <c>', 'the nextCursor of the previous page')
    .option('--since <iso>', 'only messages at or after this time', timeOption('--since'))
    .option('--until <iso>', 'only messages before this time', timeOption('--until'))
    .option('--user <email>', 'only messages with this user')
    .option('--role <role>', `only messages of this role: ${MESSAGE_ROLES.join(', ')}`)
    .action(async (gmid: string, opts: ListOptions) =>
      withMind(gmid, async (mind) => {
        const page = await mind.conversation.listMessages({
          limit: opts.limit,
          cursor: opts.cursor ?? null,
          ...(opts.since !== undefined ? { since: opts.since } : {}),
          ...(opts.until !== undefined ? { until: opts.until } : {}),
          ...(opts.user !== undefined ? { userEmail: opts.user } : {}),
          ...(opts.role !== undefined ? { role: oneOf(opts.role, MESSAGE_ROLES, 'role') } : {}),
        });
        print(messagePageView(page));
      }),
    );
}
