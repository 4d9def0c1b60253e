import { defineMemoryCatalogSuite } from './support/memory-catalog-suite';
import { postgresTarget, withPostgres } from './support/targets';

withPostgres('PostgreSQL memory_catalog', () => defineMemoryCatalogSuite(postgresTarget()));
