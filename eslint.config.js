'use strict';

// The whole monorepo is linted from the root (`pnpm lint`); the preset lives in tooling/eslint-config.
module.exports = require('@genesis/eslint-config');
