#!/usr/bin/env node
'use strict';
// The CLI is written in TypeScript; this shim runs the compiled dist/ (npm run build).
const path = require('node:path');

const entry = path.join(__dirname, '..', 'dist', 'cli', 'main.js');
let cli;
try {
  cli = require(entry);
} catch (err) {
  if (err && err.code === 'MODULE_NOT_FOUND' && String(err.message).includes(entry)) {
    process.stderr.write('lifeboat: the CLI is not built yet; run `npm run build` first\n');
    process.exit(2);
  }
  throw err;
}

cli.main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr }).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`lifeboat: ${err && err.stack ? err.stack : err}\n`);
    process.exitCode = 1;
  },
);
