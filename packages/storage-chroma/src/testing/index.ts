// @genesis/storage-chroma/testing — fixtures for tests of the memory tier and of what builds on it.

export { writeLegacyChromaStore } from './legacy-chroma-store';
export type {
  LegacyChromaItem,
  LegacyChromaStoreOptions,
  LegacyChromaVersion,
  WrittenLegacyChromaStore,
} from './legacy-chroma-store';
