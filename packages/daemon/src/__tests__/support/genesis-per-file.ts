import { type FakeClock, tempHome } from '@genesis/mind-core/testing';
import { openGenesis, type Genesis, type OpenGenesisOptions } from '../../composition/open-genesis';

/**
 * One Genesis on a fresh home for a whole test file, opened before its tests and closed (the home
 * removed) after them. The environment is ignored, so GENESIS_* of the machine cannot leak in.
 * A test may replace `genesis` (after closing it) to reopen the same home.
 */
export function genesisPerFile(
  clock: FakeClock,
  options: OpenGenesisOptions = {},
): { home: ReturnType<typeof tempHome>; genesis: Genesis } {
  const file = { home: tempHome(), genesis: undefined as unknown as Genesis };
  beforeAll(async () => {
    file.genesis = await openGenesis({ home: file.home.path, clock, env: { GENESIS_EMBEDDINGS: 'hash' }, ...options });
  });
  afterAll(async () => {
    await file.genesis.close();
    file.home.cleanup();
  });
  return file;
}
