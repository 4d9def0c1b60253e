'use strict';

/**
 * ESLint 9 flat config shared by the whole Genesis monorepo (the root eslint.config.js re-exports it).
 *
 * - `@eslint/js` recommended + `typescript-eslint` recommended (syntax only, no type information: fast).
 * - Architecture boundaries, via `no-restricted-imports`:
 *   - `typeorm` is imported only inside `packages/storage-sqlite/`;
 *   - the global tsyringe `container` is used only by the composition root
 *     (`packages/daemon/src/composition/**` and `apps/daemon/src/**`); everyone else takes a
 *     `DependencyContainer` from its caller;
 *   - `@genesis/<pkg>/src/...` deep imports are never allowed: import a package by its name.
 * - `eslint-config-prettier` last, so no rule fights the formatter.
 *
 * File globs are relative to the directory of the eslint.config.js that loads this (the repo root).
 * ESLint merges rule options by replacement, not by union, so every scope that relaxes one
 * import restriction re-states the others (see `restrictedImports`).
 */
const js = require('@eslint/js');
const tseslint = require('typescript-eslint');
const prettier = require('eslint-config-prettier/flat');
const globals = require('globals');

const TS_FILES = ['**/*.ts', '**/*.tsx', '**/*.mts', '**/*.cts'];
const JS_FILES = ['**/*.js', '**/*.cjs', '**/*.mjs'];
const TEST_FILES = ['**/__tests__/**', '**/*.test.ts', '**/*.spec.ts'];

const TYPEORM_ONLY_IN = ['packages/storage-sqlite/**'];
const COMPOSITION_ROOT = ['packages/daemon/src/composition/**', 'apps/daemon/src/**'];

const NO_TYPEORM = {
  group: ['typeorm', 'typeorm/*'],
  message: 'TypeORM stays inside @genesis/storage-sqlite',
};
const NO_DEEP_GENESIS = {
  group: ['@genesis/*/src', '@genesis/*/src/*'],
  message: 'Import a @genesis package by its name (its public index), not a deep path into its src/',
};
const NO_GLOBAL_CONTAINER = {
  name: 'tsyringe',
  importNames: ['container'],
  message:
    'The global tsyringe container belongs to the composition root (packages/daemon/src/composition, apps/daemon/src): take a DependencyContainer as a parameter instead',
};

/** Full `no-restricted-imports` setting for one scope; each flag lifts one restriction. */
function restrictedImports({ allowTypeorm = false, allowGlobalContainer = false } = {}) {
  return [
    'error',
    {
      paths: allowGlobalContainer ? [] : [NO_GLOBAL_CONTAINER],
      patterns: [...(allowTypeorm ? [] : [NO_TYPEORM]), NO_DEEP_GENESIS],
    },
  ];
}

module.exports = [
  {
    name: 'genesis/ignores',
    ignores: [
      '**/dist/**',
      '**/dist-bench/**',
      '**/node_modules/**',
      '**/coverage/**',
      '**/.turbo/**',
      '**/bench-results/**',
      '**/.genesis/**',
    ],
  },

  js.configs.recommended,
  ...tseslint.configs.recommended,

  {
    name: 'genesis/base',
    files: [...TS_FILES, ...JS_FILES],
    rules: {
      'no-empty': ['error', { allowEmptyCatch: false }],
      'no-console': 'error',
      'no-restricted-imports': restrictedImports(),
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrorsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
          ignoreRestSiblings: true,
        },
      ],
      '@typescript-eslint/no-explicit-any': 'warn',
      // TypeORM entity and migration lists are typed `Function[]`.
      '@typescript-eslint/no-unsafe-function-type': 'off',
    },
  },

  {
    name: 'genesis/typeorm-inside-storage-sqlite',
    files: TYPEORM_ONLY_IN,
    rules: { 'no-restricted-imports': restrictedImports({ allowTypeorm: true }) },
  },
  {
    name: 'genesis/composition-root',
    files: COMPOSITION_ROOT,
    rules: { 'no-restricted-imports': restrictedImports({ allowGlobalContainer: true }) },
  },

  {
    name: 'genesis/tests',
    files: TEST_FILES,
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-require-imports': 'off',
      'no-console': 'off',
    },
  },
  {
    name: 'genesis/console-allowed',
    files: ['**/bench/**', 'tooling/**'],
    rules: { 'no-console': 'off' },
  },

  {
    name: 'genesis/commonjs',
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { ...globals.node } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    name: 'genesis/esm-scripts',
    files: ['**/*.mjs'],
    languageOptions: { sourceType: 'module', globals: { ...globals.node } },
  },

  prettier,
];
