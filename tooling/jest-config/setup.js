'use strict';
// TypeORM entities and tsyringe both read decorator metadata.
require('reflect-metadata');

// Tests embed with the fast hash provider unless a run asks for another: the default provider of
// new homes (glove) builds a word-vector cache on first use, which no suite should pay for in
// every temporary home. Child processes spawned by tests inherit this. Suites that pass their own
// `env` to resolveConfig/openGenesis are not covered: they choose `embeddings` themselves.
process.env.GENESIS_EMBEDDINGS ??= 'hash';
