import { inject, injectable } from 'tsyringe';
import { CLOCK, type Clock, type TransactionStores, type UnitOfWork } from '@genesis/mind-core';
import type { SqlDatabase } from './sql-database';
import { createSqlStores } from './sql-stores';
import { SQL_DATABASE } from './tokens';

/**
 * The unit of work of the SQL tier: one write transaction, and the stores built over it. On SQLite
 * the transaction may be shared with other callers' writes (group commit, see `SqlDatabase.write`):
 * `work` still commits or rolls back as one, and `run` resolves once it is committed. A run that met
 * another process's write lock, or shared a transaction with a write that failed after changing
 * rows, is rolled back and run again, so keep effects outside the database (HTTP calls, files) out
 * of `work`.
 */
@injectable()
export class SqlUnitOfWork implements UnitOfWork {
  constructor(
    @inject(SQL_DATABASE) private readonly db: SqlDatabase,
    @inject(CLOCK) private readonly clock: Clock,
  ) {}

  run<T>(work: (stores: TransactionStores) => Promise<T>): Promise<T> {
    return this.db.write((tx) => work(createSqlStores(tx, this.clock)));
  }
}
