import { defineTransferImportContract } from '@genesis/mind-core/testing';
import { storeContractTarget } from './support/store-contract-target';
import { postgresTarget, withPostgres } from './support/targets';

withPostgres('PostgreSQL import contract', () => {
  const target = postgresTarget();
  afterAll(() => target.cleanup());
  defineTransferImportContract(storeContractTarget(target));
});
