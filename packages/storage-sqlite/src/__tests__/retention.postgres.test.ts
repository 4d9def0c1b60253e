import { defineRetentionSuite } from './support/retention-suite';
import { postgresTarget, withPostgres } from './support/targets';

withPostgres('PostgreSQL retention suite', () => defineRetentionSuite(postgresTarget()));
