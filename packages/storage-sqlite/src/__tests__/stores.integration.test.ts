import { defineStoreSuite } from './support/store-suite';
import { sqliteTarget } from './support/targets';

defineStoreSuite(sqliteTarget());
