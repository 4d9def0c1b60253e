export { resolveHome, resolveDatabaseUrl } from './home';
export { openGenesisStorage } from './open-storage';
export type { GenesisStorage, OpenStorageOptions } from './open-storage';
