import type { StoreContractTarget } from '@genesis/mind-core/testing';
import { SqlDatabase } from '../../sql-database';
import { createSqlStores } from '../../sql-stores';
import { SqlUnitOfWork } from '../../sql-unit-of-work';
import type { TestTarget } from './targets';

/** mind-core's store contract on SQL: every test gets a fresh, migrated database of `target`. */
export function storeContractTarget(target: TestTarget): StoreContractTarget {
  return {
    name: target.name,
    async create(clock) {
      const { db } = await SqlDatabase.openMigrated({ url: await target.create() });
      return { stores: createSqlStores(db, clock), unitOfWork: new SqlUnitOfWork(db, clock), close: () => db.close() };
    },
  };
}
