import { Presets, SingleBar } from 'cli-progress';
import { MEMORY_TYPES, oneOf } from '@genesis/mind-core';
import type { CommandContext } from '../program';
import { parseLimitOption, unitIntervalOption } from '../options';
import { addedMemoryView, memoryHitsView, reindexView } from '../views';

interface AddOptions {
  type: string;
  content: string;
  importance?: number;
  user?: string;
  shared?: boolean;
}

interface SearchOptions {
  limit: number;
  type?: string;
  user?: string;
}

export function registerMemoryCommands({ program, io, print, withMind, mindCommand }: CommandContext): void {
  const memory = program.command('memory').description("add, search and re-index a Mind's long-term memories");

  mindCommand(memory, 'add', 'add a memory (a near-duplicate of the same type strengthens the existing one)')
    .requiredOption('--type <type>', MEMORY_TYPES.join(', '))
    .requiredOption('--content <text>', 'what to remember')
    .option('--importance <x>', 'how important, 0..1 (default 0.5)', unitIntervalOption('--importance'))
    .option('--user <email>', 'the user it is about')
    .option('--shared', 'visible to every user (default: personal when --user is given)')
    .action(async (gmid: string, opts: AddOptions) =>
      withMind(gmid, async (mind) => {
        const added = await mind.memory.addMemory({
          content: opts.content,
          memoryType: oneOf(opts.type, MEMORY_TYPES, 'memoryType'),
          ...(opts.importance !== undefined ? { importance: opts.importance } : {}),
          ...(opts.user !== undefined ? { userEmail: opts.user } : {}),
          // Shared when asked; else personal to the user it is about, if any.
          ...(opts.shared
            ? { relationshipContext: 'shared' as const }
            : opts.user !== undefined
              ? { relationshipContext: 'personal' as const }
              : {}),
        });
        // The near-duplicate check runs as the memory is written: wait for it, then show what was kept.
        await mind.memory.settle();
        print(addedMemoryView(added, await mind.memory.getMemory(added.id)));
      }),
    );

  mindCommand(memory, 'search', 'find memories by meaning, best first')
    .argument('<query>', 'what to look for')
    .option('--limit <n>', 'how many (1..1000)', parseLimitOption, 5)
    .option('--type <type>', `only this type: ${MEMORY_TYPES.join(', ')}`)
    .option('--user <email>', 'as seen by this user (theirs, shared and user-less memories)')
    .action(async (gmid: string, query: string, opts: SearchOptions) =>
      withMind(gmid, async (mind) => {
        const hits = await mind.memory.searchMemories({
          query,
          limit: opts.limit,
          ...(opts.type !== undefined ? { memoryType: oneOf(opts.type, MEMORY_TYPES, 'memoryType') } : {}),
          ...(opts.user !== undefined ? { userEmail: opts.user } : {}),
        });
        print(memoryHitsView(hits));
      }),
    );

  mindCommand(memory, 'reindex', 're-embed every memory of a Mind with the configured embedding provider').action(
    async (gmid: string) =>
      withMind(gmid, async (mind) => {
        const bar = new SingleBar(
          {
            format: 'reindex {bar} {value}/{total} memories',
            stream: io.progress,
            noTTYOutput: false,
            hideCursor: true,
          },
          Presets.shades_classic,
        );
        let begun = false;
        let count: number;
        try {
          count = await mind.memory.reindex((done, total) => {
            if (begun) return bar.update(done);
            bar.start(total, done);
            begun = true;
          });
        } finally {
          if (begun) bar.stop();
        }
        print(reindexView(gmid, count));
      }),
  );
}
