// @genesis/storage-chroma — the memory tier: a Chroma server per home (or a remote one), one
// collection per Mind, embedding providers. Wired into an application by registerChromaMemory.
export { registerChromaMemory } from './register';
export { CHROMA_MEMORY_BACKEND, CHROMA_MEMORY_OPTIONS } from './tokens';
export { ChromaMemoryBackend, type ChromaMemoryOptions } from './chroma-memory-backend';
export { ChromaMemoryStore, type ChromaStoreOptions } from './chroma-memory-store';
export { openMemoryTier, type MemoryTier, type MemoryTierOptions } from './memory-tier';
export { chromaDataDir, startEmbeddedChroma, type ChromaServerHandle, type StartOptions } from './chroma-server';
export { MemoryTierError, type MemoryTierErrorCode } from './errors';
export {
  createEmbeddingProvider,
  DEFAULT_EMBEDDING_PROVIDER,
  type EmbeddingConfig,
  type EmbeddingProviderName,
  type EmbeddingRuntime,
} from './embeddings/factory';
export {
  GloveEmbeddingProvider,
  GLOVE_PROVIDER_NAME,
  MAX_EMBED_TEXT_BYTES,
  type GloveEmbeddingOptions,
} from './embeddings/glove';
export { HashEmbeddingProvider } from './embeddings/hash';
export { OpenAIEmbeddingProvider, type OpenAIEmbeddingOptions } from './embeddings/openai';
export {
  TransformersEmbeddingProvider,
  MINILM_MODEL,
  type TransformersEmbeddingOptions,
} from './embeddings/transformers';
export { UseEmbeddingProvider, USE_PROVIDER_NAME, type UseEmbeddingOptions } from './embeddings/use';
export {
  findLegacyChromaStores,
  openLegacyChromaStore,
  LEGACY_CHROMA_FILE,
  type LegacyChromaCollection,
  type LegacyChromaRecord,
  type LegacyChromaStore,
  type LegacyChromaStoreLocation,
  type LegacyMetadataScalar,
  type LegacyMetadataValue,
  type OpenLegacyChromaOptions,
} from './legacy/legacy-chroma-store';
