import type { InjectionToken } from 'tsyringe';
import type { SqlDatabase } from './sql-database';

export const SQL_DATABASE: InjectionToken<SqlDatabase> = Symbol('SqlDatabase');
