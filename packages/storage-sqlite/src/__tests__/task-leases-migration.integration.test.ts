import { defineTaskLeasesMigrationSuite } from './support/task-leases-migration';
import { sqliteTarget } from './support/targets';

defineTaskLeasesMigrationSuite(sqliteTarget());
