import type { InjectionToken } from 'tsyringe';
import type { SqlDatabase, SqlExecutor } from './sql-database';

/** The open database (migrations, counts, close). */
export const SQL_DATABASE: InjectionToken<SqlDatabase> = Symbol('SqlDatabase');
/** What the stores run their SQL on: the database, or one transaction inside a unit of work. */
export const SQL_EXECUTOR: InjectionToken<SqlExecutor> = Symbol('SqlExecutor');
