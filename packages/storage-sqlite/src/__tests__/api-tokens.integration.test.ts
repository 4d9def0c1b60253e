import { defineApiTokenSuite } from './support/api-token-suite';
import { sqliteTarget } from './support/targets';

defineApiTokenSuite(sqliteTarget());
