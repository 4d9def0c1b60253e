import 'reflect-metadata';

export type { Page, EpochMs } from './ports/page';
export type { Clock } from './ports/clock';
export { systemClock } from './ports/clock';
export type {
  MessageRole,
  StoredMessage,
  NewMessage,
  MessageFilter,
  MessageQuery,
  AppendResult,
  MessageStore,
} from './ports/message-store';
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
export type { MindStatus, MindRecord, MindRegistry } from './ports/mind-registry';
export { MIND_STATUSES } from './ports/mind-registry';
export type { EnvironmentKind, EnvironmentRecord, EnvironmentStore } from './ports/environment-store';
export { ENVIRONMENT_KINDS } from './ports/environment-store';
export type { RelationshipType, RelationshipRecord, RelationshipStore } from './ports/relationship-store';
export { RELATIONSHIP_TYPES } from './ports/relationship-store';
export type { StoredRecord, NewRecord, RecordStore } from './ports/record-store';
export {
  CLOCK,
  RECORD_STORE,
  MESSAGE_STORE,
  CONCERN_STORE,
  TASK_STORE,
  MIND_REGISTRY,
  ENVIRONMENT_STORE,
  RELATIONSHIP_STORE,
} from './tokens';
export { MIND_OPTIONS } from './tokens';
export { MindError } from './errors';
export type { MindErrorCode } from './errors';
export { isGmid, parseGmid, newGmid } from './gmid';
export { toEpochMs, parseEmail } from './validation';
export type { TimeInput } from './validation';
export {
  MIND_SCHEMA_VERSION,
  MAX_MIND_FILE_BYTES,
  MAX_EMOTIONS,
  mindDocumentSchema,
  validateMindDocument,
} from './mind-document';
export type { MindDocument, MindIdentity, EmotionalState, NewMindInput } from './mind-document';
export { isLegacyMindFile, convertLegacyMind } from './legacy';
export { MindFiles } from './mind-files';
export { Mind } from './mind';
export type { SaveResult, MindDependencies } from './mind';
export { ConversationManager, DEFAULT_MAX_MESSAGE_BYTES } from './conversation-manager';
export type { AddMessageInput, ListMessagesInput, MessageCountFilter } from './conversation-manager';
export { ConcernManager } from './concern-manager';
export type { CreateConcernInput, ListConcernsInput } from './concern-manager';
export { MindService } from './mind-service';
export type { MindOptions, MindStats } from './mind-service';
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
export { MEMORY_BACKEND } from './tokens';
export { MemoryManager, MEMORY_TYPES, RELATIONSHIP_CONTEXTS } from './memory-manager';
export type { Memory, MemoryType, RelationshipContext, AddMemoryInput, SearchMemoriesInput, MemorySearchHit, MemoryOptions } from './memory-manager';
