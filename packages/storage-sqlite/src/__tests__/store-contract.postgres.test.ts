import { defineRuntimeStoreContract, defineStoreContract } from '@genesis/mind-core/testing';
import { storeContractTarget } from './support/store-contract-target';
import { postgresTarget, withPostgres } from './support/targets';

withPostgres('PostgreSQL store contract', () => {
  const target = postgresTarget();
  afterAll(() => target.cleanup());
  defineStoreContract(storeContractTarget(target));
  defineRuntimeStoreContract(storeContractTarget(target));
});
