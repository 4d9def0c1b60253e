import { defineApiTokenSuite } from './support/api-token-suite';
import { postgresTarget, withPostgres } from './support/targets';

withPostgres('PostgreSQL api_tokens', () => defineApiTokenSuite(postgresTarget()));
