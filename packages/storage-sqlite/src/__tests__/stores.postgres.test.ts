import { defineStoreSuite } from './support/store-suite';
import { postgresTarget, withPostgres } from './support/targets';

withPostgres('PostgreSQL store suite', () => defineStoreSuite(postgresTarget()));
