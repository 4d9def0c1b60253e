import 'reflect-metadata';
import { defineStoreSuite } from './support/store-suite';
import { POSTGRES_ADMIN_URL, postgresTarget, probePostgres } from './support/targets';

const probe = probePostgres();
if (probe.available) {
  defineStoreSuite(postgresTarget());
} else {
  // One line, then skip: machines without PostgreSQL still pass.
  console.warn(`PostgreSQL store suite skipped: no server answers at ${POSTGRES_ADMIN_URL} (${probe.reason})`);
  it.skip(`PostgreSQL store suite (no server at ${POSTGRES_ADMIN_URL})`, () => undefined);
}
