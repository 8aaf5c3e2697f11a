/**
 * The timeline's unit tests (event schemas and the hash chain): pure code, so no globalSetup. The store's
 * timeline tests need FerretDB and run under the root config.
 */
const path = require('node:path');

module.exports = {
  rootDir: path.resolve(__dirname, '../..'),
  testEnvironment: 'node',
  roots: ['<rootDir>/test/timeline'],
  testMatch: ['<rootDir>/test/timeline/**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
};
