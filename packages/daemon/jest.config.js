module.exports = require('@genesis/jest-config').unit(__dirname);
