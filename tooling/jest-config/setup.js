'use strict';
// TypeORM entities and tsyringe both read decorator metadata.
require('reflect-metadata');
