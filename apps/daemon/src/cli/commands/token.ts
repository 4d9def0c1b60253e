import type { ApiTokenInfo } from '@genesis/daemon';
import type { CommandContext } from '../program';
import { parseGmidArgument } from '../options';
import type { View } from '../views';

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

const tokenJson = (t: ApiTokenInfo) => ({
  ...t,
  createdAt: iso(t.createdAt),
  lastUsedAt: iso(t.lastUsedAt),
  revokedAt: iso(t.revokedAt),
});

function tokenListView(tokens: readonly ApiTokenInfo[]): View {
  const lines = tokens.map(
    (t) =>
      `${t.id}  ${(t.mindId ?? '(admin)').padEnd(18)}  ${(iso(t.createdAt) ?? '').padEnd(24)}  ` +
      `${(iso(t.lastUsedAt) ?? '-').padEnd(24)}  ${t.revokedAt === null ? 'live   ' : 'revoked'}  ${t.name}`,
  );
  return {
    json: { items: tokens.map(tokenJson) },
    text: lines.length
      ? [
          `${'id'.padEnd(36)}  ${'mind'.padEnd(18)}  ${'created'.padEnd(24)}  ${'last used'.padEnd(24)}  state    name`,
          ...lines,
        ].join('\n')
      : 'No API tokens (the admin token is GENESIS_API_TOKEN or <home>/secrets/api-token).',
  };
}

/** `genesis token create GMID [--name N]`, `token list [--mind GMID]`, `token revoke ID`: tokens of the HTTP API. */
export function registerTokenCommands({ program, withGenesis, print }: CommandContext): void {
  const token = program
    .command('token')
    .description("tokens of the daemon's HTTP API: each reaches one Mind, is shown once and stored as a hash");

  token
    .command('create')
    .description('make a token that reaches only this Mind (printed once: keep it secret)')
    .argument('<gmid>', 'the Mind', parseGmidArgument)
    .option('--name <name>', 'what it is for (default: "token for GMID")')
    .action(async (gmid: string, opts: { name?: string }) =>
      withGenesis(async (genesis) => {
        await genesis.loadMind(gmid); // MIND_NOT_FOUND before a token for nothing is made
        const { token: secret, info } = await genesis.apiTokens.create({
          mindId: gmid,
          ...(opts.name !== undefined ? { name: opts.name } : {}),
        });
        print({
          json: { ...tokenJson(info), token: secret },
          text:
            `Created API token ${info.id} for ${gmid} ("${info.name}"). It is shown this once; keep it secret:\n` +
            `${secret}\nUse it as: Authorization: Bearer <token>  (revoke: genesis token revoke ${info.id})`,
        });
      }),
    );

  token
    .command('list')
    .description('every API token (never the token): its Mind, name, created, last used, revoked')
    .option('--mind <gmid>', "only this Mind's tokens", parseGmidArgument)
    .action(async (opts: { mind?: string }) =>
      withGenesis(async (genesis) =>
        print(tokenListView(await genesis.apiTokens.list(opts.mind !== undefined ? { mindId: opts.mind } : {}))),
      ),
    );

  token
    .command('revoke')
    .description('revoke a token by its id: it stops working at once')
    .argument('<id>', 'the token id (genesis token list)')
    .action(async (id: string) =>
      withGenesis(async (genesis) => {
        const info = await genesis.apiTokens.revoke(id);
        print({
          json: tokenJson(info),
          text: `Revoked API token ${info.id} (${info.mindId ?? 'admin'}, "${info.name}").`,
        });
      }),
    );
}
