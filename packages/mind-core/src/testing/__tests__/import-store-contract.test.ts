import { createInMemoryStores } from '../in-memory-unit-of-work';
import { defineImportStoreContract } from '../import-store-contract';

defineImportStoreContract({
  name: 'in-memory',
  create: async (clock) => ({ ...createInMemoryStores(clock), close: async () => undefined }),
});
