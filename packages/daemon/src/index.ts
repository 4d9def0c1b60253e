export { resolveHome, resolveDatabaseUrl } from './home';
export { openGenesisStorage } from './open-storage';
export type { GenesisStorage, OpenStorageOptions } from './open-storage';
export { openGenesis } from './open-genesis';
export type { Genesis, GenesisStats, OpenGenesisOptions } from './open-genesis';
export { ChromaMemoryBackend } from './memory-backend';
export type { MemoryBackendOptions } from './memory-backend';
