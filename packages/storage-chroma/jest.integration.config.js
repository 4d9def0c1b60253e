module.exports = require('@genesis/jest-config').integration(__dirname);
