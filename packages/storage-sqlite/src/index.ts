import 'reflect-metadata';

export { SqlDatabase, isPostgresUrl, redactUrl } from './sql-database';
export type { SqlDatabaseOptions, SqlDialect, SqlTransaction } from './sql-database';
export { openSqlStorage, createSqlStores, registerSqlStorage } from './sql-storage';
export type { SqlStores } from './sql-storage';
export { SQL_DATABASE } from './tokens';
export { StorageError } from './errors';
export type { StorageErrorCode } from './errors';
export { SqlMessageStore } from './repositories/message.repository';
export { SqlConcernStore } from './repositories/concern.repository';
export { SqlTaskStore } from './repositories/task.repository';
export { SqlMindRegistry } from './repositories/mind.repository';
export { SqlEnvironmentStore } from './repositories/environment.repository';
export { SqlRelationshipStore } from './repositories/relationship.repository';
export { SqlRecordStore } from './repositories/record.repository';
export { MIGRATIONS } from './migrations';
