import { FileMindDocumentStore } from '../../mind/file-document-store';
import { defineDocumentStoreContract } from '../document-store-contract';
import { tempHome } from '../temp-home';

defineDocumentStoreContract({
  name: 'files',
  create: async () => {
    const home = tempHome('genesis-documents-');
    return { store: await FileMindDocumentStore.open(home.path), close: async () => home.cleanup() };
  },
});
