// @genesis/storage-sqlite — the SQL tier: TypeORM entities and migrations (they stay here), and
// keyset-paginated stores over SQLite (WAL) or PostgreSQL that implement mind-core's ports.
export { SqlDatabase, TABLES, isPostgresUrl, redactUrl } from './sql-database';
export type { SqlDatabaseOptions, SqlDialect, SqlExecutor } from './sql-database';
export { registerSqlStorage, openSqlStorage } from './sql-storage';
export { createSqlStores } from './sql-stores';
export { SqlUnitOfWork } from './sql-unit-of-work';
export { RetentionRepository } from './repositories/retention.repository';
export { ApiTokenRepository } from './repositories/api-token.repository';
export { MemoryCatalogRepository } from './repositories/memory-catalog.repository';
export { SQL_DATABASE, SQL_EXECUTOR } from './tokens';
export { StorageError } from './errors';
export type { StorageErrorCode } from './errors';
export { MIGRATIONS } from './migrations';
export { legacyTables, LEGACY_PREFIX } from './migrations/python-tables';
export type { LegacyTable } from './migrations/python-tables';
export { preserveForeignFile, isForeignSqliteFile } from './foreign-file';
export { PythonRowSource } from './legacy/python-row-source';
export { sha256 } from './foreign-file';
