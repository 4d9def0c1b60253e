// @genesis/mind-core/testing — FakeClock, in-memory reference implementations of every port, and
// the contract suites (jest) that every implementation of a port must pass.

export { FakeClock } from './fake-clock';
export { RecordingLogger, type LogLevel, type LogLine } from './recording-logger';
export { tempHome } from './temp-home';
export { seededRandom } from './seeded-random';

// In-memory reference implementations
export { createInMemoryState, type InMemoryState } from './in-memory-state';
export { InMemoryMessageStore } from './in-memory-message-store';
export { InMemoryConcernStore } from './in-memory-concern-store';
export { InMemoryTaskStore } from './in-memory-task-store';
export { InMemoryMindRegistry } from './in-memory-mind-registry';
export { InMemoryEnvironmentStore } from './in-memory-environment-store';
export { InMemoryRelationshipStore } from './in-memory-relationship-store';
export { InMemoryRecordStore } from './in-memory-record-store';
export { InMemoryScheduleStore } from './in-memory-schedule-store';
export { InMemoryMindLeaseStore } from './in-memory-mind-lease-store';
export { InMemoryRetentionStore } from './in-memory-retention-store';
export { InMemoryMessageArchive } from './in-memory-message-archive';
export { InMemoryUnitOfWork, createInMemoryStores } from './in-memory-unit-of-work';
export { InMemoryMemoryStore, createInMemoryMemoryBackend, cosineSimilarity } from './in-memory-memory-store';
export { InMemoryMindDocumentStore } from './in-memory-document-store';
export { InMemoryMemoryCatalog } from './in-memory-memory-catalog';
export { HashEmbedder } from './hash-embedder';

// Contract suites
export { defineStoreContract } from './store-contract';
export type { StoreContractTarget } from './store-contract-support';
export { defineRuntimeStoreContract } from './runtime-store-contract';
export { defineMemoryStoreContract, type MemoryStoreContractTarget } from './memory-store-contract';
export { defineDocumentStoreContract, type DocumentStoreContractTarget } from './document-store-contract';
export { defineMemoryCatalogContract, type MemoryCatalogContractTarget } from './memory-catalog-contract';

// Moving a Mind between homes: a Mind with every kind of item, and every item read back
export { fillMindForTransfer, snapshotMind, type MindSnapshot } from './mind-transfer-fixture';
export { defineTransferImportContract } from './transfer-import-contract';
export { defineImportStoreContract } from './import-store-contract';

// Old-format (Python Genesis) Mind files
export { legacyMindFile, type LegacyMindShape } from './legacy-mind-file';
