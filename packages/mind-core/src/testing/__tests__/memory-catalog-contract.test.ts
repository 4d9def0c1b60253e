import { InMemoryMemoryCatalog } from '../in-memory-memory-catalog';
import { defineMemoryCatalogContract } from '../memory-catalog-contract';

defineMemoryCatalogContract({
  name: 'in-memory',
  create: async () => ({ store: new InMemoryMemoryCatalog(), close: async () => undefined }),
});
