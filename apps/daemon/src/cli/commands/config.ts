import type { CommandContext } from '../program';

const SECRET = /(token|key|password|secret)$/i;

/** A copy with secret values (and passwords inside URLs) masked. */
function masked(value: unknown, key = ''): unknown {
  if (typeof value === 'string') {
    if (SECRET.test(key)) return '***';
    return value.replace(/(\/\/[^:/@]+):[^@]*@/, '$1:***@');
  }
  if (Array.isArray(value)) return value.map((v) => masked(v));
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, masked(v, k)]));
  return value;
}

export function registerConfigCommands({ program, withGenesis, print }: CommandContext): void {
  const config = program.command('config').description('the configuration in effect');
  config
    .command('show')
    .description('the resolved configuration (options > GENESIS_* > genesis.config.json > defaults), secrets masked')
    .action(async () =>
      withGenesis(
        async (genesis) => {
          const shown = masked(genesis.config);
          print({ json: shown, text: JSON.stringify(shown, null, 2) });
        },
        { migrate: false },
      ),
    );
}
