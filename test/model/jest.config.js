/**
 * The runbook language's unit tests (model/ and the validate/plan/schema CLI commands). Pure code, so no
 * globalSetup: these run without the Temporal, FerretDB and SMTP servers the root config starts.
 */
const path = require('node:path');

module.exports = {
  rootDir: path.resolve(__dirname, '../..'),
  testEnvironment: 'node',
  roots: ['<rootDir>/test/model', '<rootDir>/test/cli'],
  testMatch: ['<rootDir>/test/model/**/*.test.ts', '<rootDir>/test/cli/language.test.ts', '<rootDir>/test/cli/offline.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
};
