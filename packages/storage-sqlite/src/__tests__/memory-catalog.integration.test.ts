import { defineMemoryCatalogSuite } from './support/memory-catalog-suite';
import { sqliteTarget } from './support/targets';

defineMemoryCatalogSuite(sqliteTarget());
