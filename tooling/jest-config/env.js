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

/**
 * The PostgreSQL policy of every suite that needs a server: `define` runs when `probe()` says one
 * answers; otherwise one skipped test with a one-line reason — or, where the run requires
 * PostgreSQL (CI sets GENESIS_REQUIRE_POSTGRES=1), one failing test.
 */
/* global it -- called from test files, where jest defines it */
module.exports.withPostgres = function withPostgres(suite, url, probe, define) {
  const result = probe();
  if (result.available) return define();
  const reason = `${suite}: no PostgreSQL server answers at ${url} (${result.reason})`;
  if (module.exports.requirePostgres) {
    it(`${suite} (PostgreSQL is required here: GENESIS_REQUIRE_POSTGRES=1)`, () => {
      throw new Error(`${reason}. Start it, or unset GENESIS_REQUIRE_POSTGRES to skip.`);
    });
    return;
  }
  // One line, then skip: machines without PostgreSQL still pass.
  console.warn(`${reason} — skipped`);
  it.skip(reason, () => undefined);
};
