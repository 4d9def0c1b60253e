import { defineDocumentStoreContract } from '../document-store-contract';
import { InMemoryMindDocumentStore } from '../in-memory-document-store';
import { InMemoryMemoryStore } from '../in-memory-memory-store';
import { createInMemoryStores } from '../in-memory-unit-of-work';
import { defineMemoryStoreContract } from '../memory-store-contract';
import { defineRuntimeStoreContract } from '../runtime-store-contract';
import { defineStoreContract } from '../store-contract';
import type { StoreContractTarget } from '../store-contract-support';

const inMemoryStores: StoreContractTarget = {
  name: 'in-memory',
  create: async (clock) => ({ ...createInMemoryStores(clock), close: async () => undefined }),
};
defineStoreContract(inMemoryStores);
defineRuntimeStoreContract(inMemoryStores);

defineMemoryStoreContract({
  name: 'in-memory',
  create: async () => ({ store: new InMemoryMemoryStore(), close: async () => undefined }),
});

defineDocumentStoreContract({
  name: 'in-memory',
  create: async () => ({ store: new InMemoryMindDocumentStore(), close: async () => undefined }),
});
