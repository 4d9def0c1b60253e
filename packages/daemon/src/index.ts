// @genesis/daemon — the composition of the Genesis tiers (and, next, the 24/7 runtime).
import 'reflect-metadata';
export { openGenesis } from './composition/open-genesis';
export type {
  Genesis,
  GenesisStats,
  GenesisStatus,
  OpenGenesisOptions,
  RuntimeStatus,
} from './composition/open-genesis';
export { resolveConfig, genesisConfigSchema } from './composition/config';
export type { GenesisConfig, GenesisConfigInput, ResolveConfigOptions } from './composition/config';
export { composeGenesis } from './composition/container';
export type { ComposedGenesis, GenesisRuntime } from './composition/container';
export { resolveHome, resolveDatabaseUrl } from './composition/home';
export { GenesisDaemon, DAEMON_DEFAULTS, type DaemonOptions, type DaemonStatus } from './runtime/genesis-daemon';
export { BUILT_IN_HANDLERS } from './runtime/handlers';
export { limitHeapGrowth, DAEMON_HEAP_GROWTH_PERCENT } from './runtime/heap-growth';
export { describeHolder } from './runtime/mind-lease';
export { FOLLOW_UP_TASK, followUpSignature, defaultFollowUpText, webhookBody } from './runtime/follow-ups';
export type { ComposeFollowUp, FollowUpDelivery, FollowUpPayload } from './runtime/follow-ups';
export type { FollowUpsConfig, FollowUpsConfigInput } from './composition/follow-up-config';
export {
  DEFAULT_MAINTENANCE_SCHEDULES,
  MAINTENANCE_TASKS,
  type MaintenanceKey,
  type MaintenanceSchedule,
  type MaintenanceSchedulesInput,
} from './composition/retention-config';
export { isRetentionFailure } from './composition/retention';
export type { GenesisRetention, RetentionRun, RetentionRunOptions, RetentionFailure } from './composition/retention';
export { RETENTION_APPLY_TASK, MIND_COMPACT_TASK, retentionSummary } from './runtime/handlers';
export { migrateHome, findLegacyMinds, type MigrateHomeOptions } from './home-migration/home-migrator';
export type { HomeMigrationReport, MindMigrationReport, ItemCount, MigrationProgress } from './home-migration/report';
export { backupLegacyHome, LEGACY_BACKUP_FOLDER, type HomeBackup, type BackupEntry } from './home-migration/backup';
export type { GenesisEvent, GenesisEventListener } from './composition/genesis-events';
export type { GenesisHealth } from './composition/health';
export { ApiTokens, hashApiToken, API_TOKEN_PREFIX } from './composition/api-tokens';
export type { ApiTokenInfo } from './composition/api-tokens';
export { iso, messageJson, concernJson, memoryJson, taskJson, scheduleJson } from './views/wire';
