import { defineImportStoreContract } from '@genesis/mind-core/testing';
import { storeContractTarget } from './support/store-contract-target';
import { sqliteTarget } from './support/targets';

const target = sqliteTarget();
afterAll(() => target.cleanup());
defineImportStoreContract(storeContractTarget(target));
