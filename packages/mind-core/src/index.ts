// @genesis/mind-core — the Mind API, its domain rules, and the ports that storage packages implement.
// tsyringe needs the decorator metadata polyfill before it loads: this entry point brings it.
import 'reflect-metadata';

// shared
export {
  GenesisError,
  toGenesisError,
  isGenesisError,
  invalidInput,
  type GenesisErrorCode,
  type GenesisErrorJson,
  type GenesisErrorOptions,
} from './shared/errors';
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
  shown,
  type TimeInput,
} from './shared/validation';
export { isGmid, parseGmid, newGmid } from './shared/gmid';
export { decodeCursor, toPage, type CursorPosition } from './shared/cursor';
export { processAlive } from './shared/process';
export { FileLock, type FileLockOptions } from './shared/file-lock';

// ports
export { type Page, type EpochMs } from './ports/page';
export { type Clock, systemClock } from './ports/clock';
export { type Logger, type LogFn, silentLogger } from './ports/logger';
export { type UnitOfWork, type TransactionStores } from './ports/unit-of-work';
export { type MindDocumentStore, type DocumentFile } from './ports/mind-document-store';
export {
  type MessageRole,
  type StoredMessage,
  type NewMessage,
  type MessageFilter,
  type MessageQuery,
  type AppendResult,
  type MessageStore,
  MESSAGE_ROLES,
} from './ports/message-store';
export {
  type ConcernType,
  type ConcernUrgency,
  type ConcernStatus,
  type StoredConcern,
  type NewConcern,
  type ConcernPatch,
  type ConcernFilter,
  type ConcernQuery,
  type ConcernStore,
  type ConcernFire,
  type DuePosition,
  type StatusGuard,
  CONCERN_TYPES,
  CONCERN_URGENCIES,
  CONCERN_STATUSES,
} from './ports/concern-store';
export {
  type TaskStatus,
  type StoredTask,
  type NewTask,
  type TaskQuery,
  type TaskFilter,
  type ClaimOptions,
  type TaskLease,
  type TaskCompletion,
  type TaskStore,
  TASK_STATUSES,
} from './ports/task-store';
export {
  type StoredSchedule,
  type ScheduleInput,
  type ScheduleQuery,
  type ScheduleStore,
} from './ports/schedule-store';
export { type TaskNotifier, TASK_CHANNEL } from './ports/task-notifier';
export { type MindLease, type LeaseClaim, type AcquireResult, type MindLeaseStore } from './ports/mind-lease-store';
export { type MindStatus, type RegisteredMind, type MindRegistry, MIND_STATUSES } from './ports/mind-registry';
export {
  type EnvironmentKind,
  type EnvironmentRecord,
  type EnvironmentInput,
  type EnvironmentStore,
  ENVIRONMENT_KINDS,
} from './ports/environment-store';
export {
  type RelationshipType,
  type RelationshipRecord,
  type RelationshipInput,
  type RelationshipStore,
  RELATIONSHIP_TYPES,
} from './ports/relationship-store';
export { type StoredRecord, type NewRecord, type RecordQuery, type RecordStore } from './ports/record-store';
export {
  type VectorScalar,
  type VectorRecord,
  type StoredVector,
  type VectorHit,
  type VectorFilter,
  type VectorClause,
  type EmbeddingInfo,
  type ReindexOptions,
  type MemoryStore,
  type EmbeddingProvider,
  type MemoryBackend,
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
  TASK_NOTIFIER,
  SCHEDULE_STORE,
  MIND_LEASE_STORE,
  MIND_DOCUMENT_STORE,
  MIND_OPTIONS,
  MEMORY_BACKEND,
} from './ports/tokens';

// mind
export {
  MIND_SCHEMA_VERSION,
  MAX_MIND_FILE_BYTES,
  MAX_EMOTIONS,
  mindDocumentSchema,
  validateMindDocument,
  type MindDocument,
  type MindIdentity,
  type EmotionalState,
  type NewMindInput,
} from './mind/mind-document';
export { FileMindDocumentStore, type FileDocumentStoreOptions } from './mind/file-document-store';
export { Mind, type SaveResult, type MindDependencies } from './mind/mind';
export { MindService, MindStores, type MindOptions, type MindStats } from './mind/mind-service';

// conversation, concerns, memory
export {
  ConversationManager,
  DEFAULT_MAX_MESSAGE_BYTES,
  type AddMessageInput,
  type ListMessagesInput,
  type MessageCountFilter,
} from './conversation/conversation-manager';
export {
  ConcernManager,
  MAX_DUE_LIMIT,
  MAX_CREATE_MANY,
  type CreateConcernInput,
  type ListConcernsInput,
  type ConcernFilterInput,
  type DueConcernsInput,
  type ConcernFollowUpOptions,
} from './concerns/concern-manager';
export { newConcernRow, checkConcernPatch, checkConcernFire, checkDueAfter } from './concerns/new-concern';
export {
  DEFAULT_FOLLOW_UP_POLICY,
  checkFollowUpPolicy,
  firstCheckAt,
  decideFire,
  nextCheckAfterFire,
  followUpZone,
  outOfQuietHours,
  localTime,
  taskDeadline,
  answeredSinceLastFollowUp,
  unansweredFollowUps,
  type FollowUpPolicyConfig,
  type FollowUpPolicyOverrides,
  type FollowUpRateLimit,
  type FollowUpSubject,
  type FollowUpTimes,
  type FireContext,
  type FirstCheck,
  type FirstCheckReason,
  type FollowUpDecision,
  type DeferReason,
  type NextCheck,
} from './concerns/follow-up-policy';
export {
  newTaskRow,
  newTaskRows,
  checkClaim,
  checkLease,
  checkCompletions,
  completeTask,
  type CheckedClaim,
  DEFAULT_MAX_ATTEMPTS,
  MAX_TASK_PAYLOAD_BYTES,
  MAX_TASK_TIMEOUT_MS,
} from './tasks/new-task';
export { retryDelayMs, type BackoffOptions } from './tasks/backoff';
export { TASK_HANDLERS, type TaskHandler, type TaskHandlers, type TaskContext } from './tasks/task-handler';
export { TaskManager, type EnqueueInput, type ListTasksInput } from './tasks/task-manager';
export { ScheduleManager, type ScheduleDefinition } from './schedules/schedule-manager';
export { CronSchedule, parseTimezone } from './schedules/cron';
export { scheduleFields, scheduleMind, checkDue, checkFire, type ScheduleFields } from './schedules/new-schedule';
export { checkLeaseClaim, leaseEnd } from './leases/lease-claim';
export {
  MemoryManager,
  type SearchMemoriesInput,
  type MemorySearchHit,
  type MemoryOptions,
} from './memory/memory-manager';
export {
  MemoryType,
  MEMORY_TYPES,
  RELATIONSHIP_CONTEXTS,
  MAX_MEMORY_CONTENT_BYTES,
  type Memory,
  type RelationshipContext,
  type AddMemoryInput,
} from './memory/memory-input';
export { matchesVectorFilter } from './memory/vector-filter';

// people and places
export {
  RelationshipManager,
  MAX_DISPLAY_NAME,
  MAX_RELATIONSHIP_NOTES,
  type UpsertRelationshipInput,
  type ListRelationshipsInput,
} from './relationships/relationship-manager';
export {
  EnvironmentManager,
  MAX_ENVIRONMENT_NAME,
  MAX_ENVIRONMENT_DESCRIPTION,
  type UpsertEnvironmentInput,
} from './environments/environment-manager';

// retention
export { type MessagePosition, type RetentionBatch, type RetentionStore } from './ports/retention-store';
export {
  type ArchiveBatch,
  type ArchiveEntry,
  type PendingArchive,
  type MessageArchive,
} from './ports/message-archive';
export { RETENTION_STORE, MESSAGE_ARCHIVE } from './ports/tokens';
export {
  RETENTION_STORES,
  DEFAULT_RETENTION_POLICY,
  MAX_RETENTION_BATCH,
  retentionPolicyInputSchema,
  parseRetentionPolicyInput,
  mergeRetentionPolicy,
  cutoff as retentionCutoff,
  type RetentionStoreName,
  type RetentionPolicy,
  type RetentionPolicyInput,
  type Days,
} from './retention/retention-policy';
export { MindRetention } from './retention/mind-retention';
export {
  RetentionService,
  type RetentionReport,
  type StoreRetention,
  type MessageRetention,
  type ApplyRetentionOptions,
} from './retention/retention-service';
export { FileMessageArchive, type FileMessageArchiveOptions } from './retention/file-message-archive';

// old-format files
export { isLegacyMindFile } from './legacy/detect';
export { convertLegacyMind, type LegacyConversion } from './legacy/convert';

// moving a Mind between homes (genesis mind export / import)
export {
  MIND_EXPORT_FORMAT,
  MIND_EXPORT_VERSION,
  MIND_EXPORT_TYPES,
  type MindExportType,
  type MindExportCounts,
  type MindExportHeader,
  type MindExportItem,
  type MindExportMind,
} from './transfer/format';
export type { MindTransferPorts } from './transfer/transfer-ports';
export {
  MindExporter,
  type ExportMindOptions,
  type ExportTarget,
  type MindExportSummary,
} from './transfer/mind-exporter';
export { MindImporter, type ImportMindOptions, type MindImportReport } from './transfer/mind-importer';
export {
  checkImportedMessage,
  checkImportedRecord,
  checkImportedRelationship,
  checkImportedEnvironment,
  checkImportedSchedule,
  checkImportedMemory,
} from './transfer/imported-rows';

// rows of an earlier (Python) Genesis database
export {
  type LegacyRowSource,
  type LegacyTableInfo,
  type LegacyRow,
  type LegacyRowQuery,
} from './ports/legacy-row-source';
export {
  mapPythonRow,
  pythonTimeMs,
  pythonJson,
  pythonBool,
  readablePythonRow,
  stableId,
  pythonNamespace,
  pythonSourceKey,
  PYTHON_IMPORT_ORDER,
  PYTHON_HOME_TABLES,
  PYTHON_TASK_TYPE,
  type PythonMindIdentity,
  type PythonRowContext,
  type PythonRowMapping,
} from './legacy/python-rows';
export {
  importPythonRows,
  type ImportPythonRowsOptions,
  type PythonImportReport,
  type PythonTableReport,
} from './legacy/python-import';
export { checkImportedTask } from './tasks/imported-task';
export { checkImportedConcern } from './concerns/imported-concern';
export { legacyMemories, legacyMemory, legacyList, type LegacyMemoryImport } from './legacy/memories';
export {
  importLegacyChroma,
  legacyChromaMemory,
  type ImportLegacyChromaOptions,
  type LegacyChromaMapping,
  type LegacyChromaRecord,
  type LegacyChromaReport,
  type LegacyChromaSkip,
} from './legacy/chroma-memories';
// Old-format Mind files: the per-file import report (MindService.importLegacyMind)
export type { ImportLegacyOptions } from './mind/mind-service';
export type { LegacyFileReport, MovedCount } from './legacy/report';
export { mergeHistories, historyTimes } from './legacy/history';
export { isGrowing as isGrowingPluginState, GROWING_ITEMS, GROWING_BYTES } from './legacy/plugins';
export { LEGACY_TARGET_BYTES } from './legacy/fit';
export { type StoredApiToken, type NewApiToken, type ApiTokenStore } from './ports/api-token-store';
export { API_TOKEN_STORE } from './ports/tokens';
export { pathExists } from './shared/files';
export {
  type CatalogState,
  type CatalogEntry,
  type CatalogFilter,
  type CatalogCursor,
  type MemoryCatalogStore,
  type QueuedVectors,
  type QueuedVector,
  type MergedMemory,
  type MergedMemories,
} from './ports/memory-catalog';
export { MEMORY_CATALOG } from './ports/tokens';
export { type CatalogRepair, repairCatalog, catalogEntry } from './memory/catalog-sync';
export { checkCatalogEntry, checkQueuedVectors, checkMerged, CATALOG_STATES } from './memory/catalog-entry';
export { settleMemoryWrites, forgetMemoryWrites } from './memory/write-behind';
