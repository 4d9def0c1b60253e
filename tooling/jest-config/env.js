'use strict';

/**
 * The settings tests take from the environment, read in this one place (packages never read
 * process.env themselves).
 */
const env = process.env;

module.exports = {
  /** The PostgreSQL server of the Postgres suites (trust auth, database `test`). */
  postgresUrl: env.GENESIS_TEST_POSTGRES_URL || 'postgres://postgres@127.0.0.1:5432/test',
  /** Set by CI: an unreachable PostgreSQL fails the run instead of skipping its suites. */
  requirePostgres: env.GENESIS_REQUIRE_POSTGRES === '1',
  /** Where a local copy of the all-MiniLM-L6-v2 model may be (its tests skip without it). */
  transformersModelDir: env.GENESIS_TRANSFORMERS_MODEL_DIR || undefined,
};
