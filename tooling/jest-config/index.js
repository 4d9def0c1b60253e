'use strict';

/**
 * Jest presets shared by every Genesis package.
 *
 * - `unit(dir)`: `src/**\/__tests__/*.test.ts`, excluding integration and Postgres suites.
 * - `integration(dir)`: `*.integration.test.ts` and `*.postgres.test.ts`; run one file at a time
 *   because they start real databases and servers.
 */
const path = require('node:path');

function base(dir) {
  return {
    rootDir: dir,
    testEnvironment: 'node',
    transform: {
      '^.+\\.ts$': [require.resolve('ts-jest'), { tsconfig: path.join(dir, 'tsconfig.json'), diagnostics: false }],
    },
    moduleFileExtensions: ['ts', 'js', 'json'],
    setupFiles: [require.resolve('./setup.js')],
    testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  };
}

function unit(dir) {
  return {
    ...base(dir),
    displayName: 'unit',
    testMatch: ['<rootDir>/src/**/__tests__/**/*.test.ts'],
    testPathIgnorePatterns: ['/node_modules/', '/dist/', '\\.integration\\.test\\.ts$', '\\.postgres\\.test\\.ts$'],
  };
}

function integration(dir) {
  return {
    ...base(dir),
    displayName: 'integration',
    testMatch: [
      '<rootDir>/src/**/__tests__/**/*.integration.test.ts',
      '<rootDir>/src/**/__tests__/**/*.postgres.test.ts',
    ],
    testTimeout: 120_000,
    maxWorkers: 1,
  };
}

module.exports = { unit, integration };
