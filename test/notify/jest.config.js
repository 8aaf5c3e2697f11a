/**
 * The notification unit tests (routing, rendering, configuration checks): pure code, so no globalSetup. The
 * delivery tests need the suite's servers and run under the root config.
 */
const path = require('node:path');

module.exports = {
  rootDir: path.resolve(__dirname, '../..'),
  testEnvironment: 'node',
  roots: ['<rootDir>/test/notify'],
  testMatch: ['<rootDir>/test/notify/(route|render|check|pagerduty-event).test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
};
