import { defineImportStoreContract } from '@genesis/mind-core/testing';
import { storeContractTarget } from './support/store-contract-target';
import { postgresTarget, withPostgres } from './support/targets';

withPostgres('PostgreSQL import store contract', () => {
  const target = postgresTarget();
  afterAll(() => target.cleanup());
  defineImportStoreContract(storeContractTarget(target));
});
