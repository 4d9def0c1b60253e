// @genesis/mind-core — the Mind API, its domain rules, and the ports that storage packages implement.
// tsyringe needs the decorator metadata polyfill before it loads: this entry point brings it.
import 'reflect-metadata';

// shared
export { GenesisError, toGenesisError, isGenesisError, invalidInput } from './shared/errors';
export type { GenesisErrorCode, GenesisErrorJson, GenesisErrorOptions } from './shared/errors';
export {
  toEpochMs,
  epochMs,
  count,
  integer,
  parseLimit,
  unitInterval,
  oneOf,
  nonEmptyText,
  stringList,
  isEmail,
  parseEmail,
  jsonValue,
  jsonObject,
  isRecord,
  shown,
} from './shared/validation';
export type { TimeInput } from './shared/validation';
export { isGmid, parseGmid, newGmid } from './shared/gmid';
export { encodeCursor, decodeCursor, toPage } from './shared/cursor';
export type { CursorPosition } from './shared/cursor';
export { processAlive } from './shared/process';

// ports
export type { Page, EpochMs } from './ports/page';
export type { Clock } from './ports/clock';
export { systemClock } from './ports/clock';
export type { Logger, LogFn } from './ports/logger';
export { silentLogger } from './ports/logger';
export type { UnitOfWork, TransactionStores } from './ports/unit-of-work';
export type { MindDocumentStore, DocumentFile } from './ports/mind-document-store';
export type { MessageRole, StoredMessage, NewMessage, MessageFilter, MessageQuery, AppendResult, MessageStore } from './ports/message-store';
export { MESSAGE_ROLES } from './ports/message-store';
export type {
  ConcernType,
  ConcernUrgency,
  ConcernStatus,
  StoredConcern,
  NewConcern,
  ConcernPatch,
  ConcernFilter,
  ConcernQuery,
  ConcernStore,
} from './ports/concern-store';
export { CONCERN_TYPES, CONCERN_URGENCIES, CONCERN_STATUSES } from './ports/concern-store';
export type { TaskStatus, StoredTask, NewTask, TaskQuery, ClaimOptions, TaskStore } from './ports/task-store';
export { TASK_STATUSES } from './ports/task-store';
export type { MindStatus, RegisteredMind, MindRegistry } from './ports/mind-registry';
export { MIND_STATUSES } from './ports/mind-registry';
export type { EnvironmentKind, EnvironmentRecord, EnvironmentStore } from './ports/environment-store';
export { ENVIRONMENT_KINDS } from './ports/environment-store';
export type { RelationshipType, RelationshipRecord, RelationshipStore } from './ports/relationship-store';
export { RELATIONSHIP_TYPES } from './ports/relationship-store';
export type { StoredRecord, NewRecord, RecordStore } from './ports/record-store';
export type {
  VectorScalar,
  VectorRecord,
  StoredVector,
  VectorHit,
  VectorFilter,
  VectorClause,
  EmbeddingInfo,
  MemoryStore,
  EmbeddingProvider,
  MemoryBackend,
} from './ports/memory-store';
export {
  CLOCK,
  LOGGER,
  MESSAGE_STORE,
  CONCERN_STORE,
  TASK_STORE,
  MIND_REGISTRY,
  ENVIRONMENT_STORE,
  RELATIONSHIP_STORE,
  RECORD_STORE,
  UNIT_OF_WORK,
  MIND_DOCUMENT_STORE,
  MIND_OPTIONS,
  MEMORY_BACKEND,
} from './ports/tokens';

// mind
export { MIND_SCHEMA_VERSION, MAX_MIND_FILE_BYTES, MAX_EMOTIONS, mindDocumentSchema, validateMindDocument } from './mind/mind-document';
export type { MindDocument, MindIdentity, EmotionalState, NewMindInput } from './mind/mind-document';
export { FileMindDocumentStore } from './mind/file-document-store';
export type { FileDocumentStoreOptions } from './mind/file-document-store';
export { Mind } from './mind/mind';
export type { SaveResult, MindDependencies } from './mind/mind';
export { MindService } from './mind/mind-service';
export type { MindOptions, MindStats } from './mind/mind-service';

// conversation, concerns, memory
export { ConversationManager, DEFAULT_MAX_MESSAGE_BYTES } from './conversation/conversation-manager';
export type { AddMessageInput, ListMessagesInput, MessageCountFilter } from './conversation/conversation-manager';
export { ConcernManager } from './concerns/concern-manager';
export type { CreateConcernInput, ListConcernsInput } from './concerns/concern-manager';
export { MemoryManager } from './memory/memory-manager';
export type { SearchMemoriesInput, MemorySearchHit, MemoryOptions } from './memory/memory-manager';
export { MemoryType, MEMORY_TYPES, RELATIONSHIP_CONTEXTS } from './memory/memory-input';
export type { Memory, RelationshipContext, AddMemoryInput } from './memory/memory-input';

// old-format files
export { isLegacyMindFile } from './legacy/detect';
export { convertLegacyMind } from './legacy/convert';
export type { LegacyConversion } from './legacy/convert';
