import { defineTaskLeasesMigrationSuite } from './support/task-leases-migration';
import { postgresTarget, withPostgres } from './support/targets';

withPostgres('PostgreSQL TaskLeases migration', () => defineTaskLeasesMigrationSuite(postgresTarget()));
