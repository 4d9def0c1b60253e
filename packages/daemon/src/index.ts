// @genesis/daemon — the composition of the Genesis tiers (and, next, the 24/7 runtime).
import 'reflect-metadata';
export { openGenesis } from './composition/open-genesis';
export type { Genesis, GenesisStats, GenesisStatus, OpenGenesisOptions } from './composition/open-genesis';
export { resolveConfig, genesisConfigSchema } from './composition/config';
export type { GenesisConfig, GenesisConfigInput, ResolveConfigOptions } from './composition/config';
export { composeGenesis } from './composition/container';
export type { ComposedGenesis, GenesisRuntime } from './composition/container';
export { resolveHome, resolveDatabaseUrl } from './composition/home';
