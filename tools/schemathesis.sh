#!/usr/bin/env bash
# `npm run check:api`: fuzz the API against its own OpenAPI document with Schemathesis (see docs/development.md).
# Creates, once per machine, a Python virtual environment with the pinned Schemathesis from PyPI under
# ~/.cache/lifeboat (LIFEBOAT_CACHE), then runs test/api/fuzz/schemathesis.ts, which starts the embedded default on
# free ports, prepares runs waiting for people, runs Schemathesis and fails on any conformance failure.
# FUZZ_SEED (default 1) and FUZZ_EXAMPLES (default 10, per operation and phase) change the run.
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION=4.32.5
CACHE="${LIFEBOAT_CACHE:-$HOME/.cache/lifeboat}"
VENV="$CACHE/schemathesis-$VERSION"
PYTHON="${PYTHON:-python3}"

if [ ! -f "$VENV/.installed" ]; then
  echo "lifeboat fuzz: installing Schemathesis $VERSION into $VENV..."
  rm -rf "$VENV"
  mkdir -p "$CACHE"
  "$PYTHON" -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$VERSION"
  touch "$VENV/.installed" # only a complete install is reused
fi
"$VENV/bin/st" --version

exec node --require ./test/harness/ts-register.js test/api/fuzz/schemathesis.ts "$VENV/bin/st"
