#!/usr/bin/env node
// Keeps only this machine's prebuilt Temporal core-bridge binary in a production node_modules (the Docker image's
// runtime stage runs it after `npm ci --omit=dev`): the package ships one for each of five platforms (~27 MB each)
// and the Rust sources they are built from, none of which a worker on this platform loads.
// Usage: node tools/prune-native.js [node_modules]
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(process.argv[2] ?? 'node_modules', '@temporalio', 'core-bridge');
const { getPrebuiltTargetName, getPrebuiltPath } = require(path.join(root, 'common.js'));
const keep = getPrebuiltTargetName();
getPrebuiltPath(); // throws, naming the path, when this platform's binary is not there: better now than at start
const removed = [];
for (const target of fs.readdirSync(path.join(root, 'releases'))) {
  if (target === keep) continue;
  fs.rmSync(path.join(root, 'releases', target), { recursive: true, force: true });
  removed.push(`releases/${target}`);
}
for (const source of ['sdk-core', 'src', 'bridge-macros', 'scripts', 'Cargo.toml', 'Cargo.lock']) {
  if (!fs.existsSync(path.join(root, source))) continue;
  fs.rmSync(path.join(root, source), { recursive: true, force: true });
  removed.push(source);
}
require(root); // the bridge still loads
console.log(`prune-native: kept ${keep}; removed ${removed.join(', ') || 'nothing'} from ${path.relative(process.cwd(), root)}`);
