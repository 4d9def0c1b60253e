import { oneOf, RELATIONSHIP_TYPES } from '@genesis/mind-core';
import type { Page, RelationshipRecord, UpsertRelationshipInput } from '@genesis/mind-core';
import type { CommandContext } from '../program';
import { parseLimitOption, unitIntervalOption } from '../options';
import type { View } from '../views';

interface SetOptions {
  name?: string;
  type?: string;
  trust?: number;
  notes?: string;
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

const relationshipJson = (r: RelationshipRecord) => ({
  ...r,
  firstInteractionAt: iso(r.firstInteractionAt),
  lastInteractionAt: iso(r.lastInteractionAt),
  createdAt: iso(r.createdAt),
  updatedAt: iso(r.updatedAt),
});

const summary = (r: RelationshipRecord): string =>
  `${r.userEmail}${r.displayName ? ` (${r.displayName})` : ''}: ${r.relationshipType}, trust ${r.trustLevel}, ` +
  `${r.interactionCount} interaction${r.interactionCount === 1 ? '' : 's'}` +
  (r.lastInteractionAt === null ? '' : `, last ${iso(r.lastInteractionAt)}`);

export function relationshipPageView(page: Page<RelationshipRecord>): View {
  const lines = page.items.map(
    (r) =>
      `${(iso(r.lastInteractionAt) ?? '-').padEnd(24)}  ${String(r.interactionCount).padStart(6)}  ` +
      `${r.relationshipType.padEnd(9)} ${r.trustLevel.toFixed(2)}  ${r.userEmail}${r.displayName ? ` (${r.displayName})` : ''}`,
  );
  return {
    json: { items: page.items.map(relationshipJson), nextCursor: page.nextCursor },
    text:
      [
        ...(lines.length ? [`${'last interaction'.padEnd(24)}  ${'count'.padStart(6)}  type      trust person`] : []),
        ...lines,
        ...(page.nextCursor ? [`(more: --cursor ${page.nextCursor})`] : []),
      ].join('\n') || 'No relationships.',
  };
}

export function relationshipView(r: RelationshipRecord): View {
  return { json: relationshipJson(r), text: `Set ${summary(r)}` };
}

export function removedRelationshipView(gmid: string, email: string): View {
  return { json: { gmid, email, removed: true }, text: `Removed the relationship of ${gmid} with ${email}` };
}

/** `genesis relationships GMID`, `genesis relationship set|remove GMID EMAIL`: the people a Mind knows. */
export function registerRelationshipCommands({ program, print, withMind, mindCommand }: CommandContext): void {
  mindCommand(program, 'relationships', 'list the people a Mind knows, most recent interaction first')
    .option('--limit <n>', 'page size (1..1000)', parseLimitOption, 50)
    .option('--cursor <c>', 'the nextCursor of the previous page')
    .action(async (gmid: string, opts: { limit: number; cursor?: string }) =>
      withMind(gmid, async (mind) =>
        print(relationshipPageView(await mind.relationships.list({ limit: opts.limit, cursor: opts.cursor ?? null }))),
      ),
    );

  const relationship = program.command('relationship').description('set and remove the people a Mind knows');

  mindCommand(relationship, 'set', 'create a relationship or change the fields given')
    .argument('<email>', 'the person')
    .option('--name <name>', 'how to call them')
    .option('--type <type>', RELATIONSHIP_TYPES.join(', '))
    .option('--trust <x>', 'trust, 0..1 (0.5 for someone new)', unitIntervalOption('--trust'))
    .option('--notes <text>', 'what to remember about them')
    .action(async (gmid: string, email: string, opts: SetOptions) =>
      withMind(gmid, async (mind) => {
        const input: UpsertRelationshipInput = { email };
        if (opts.name !== undefined) input.displayName = opts.name;
        if (opts.type !== undefined) input.relationshipType = oneOf(opts.type, RELATIONSHIP_TYPES, '--type');
        if (opts.trust !== undefined) input.trustLevel = opts.trust;
        if (opts.notes !== undefined) input.notes = opts.notes;
        print(relationshipView(await mind.relationships.upsert(input)));
      }),
    );

  mindCommand(relationship, 'remove', 'forget a relationship (its messages stay)')
    .argument('<email>', 'the person')
    .action(async (gmid: string, email: string) =>
      withMind(gmid, async (mind) => {
        await mind.relationships.remove(email);
        print(removedRelationshipView(gmid, email.trim().toLowerCase()));
      }),
    );
}
