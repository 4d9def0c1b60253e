import { createInMemoryStores, defineTransferImportContract } from '../../testing';

defineTransferImportContract({
  name: 'in-memory',
  create: async (clock) => ({ ...createInMemoryStores(clock), close: async () => undefined }),
});
