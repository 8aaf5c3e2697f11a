#!/usr/bin/env bash
# Validates docker-compose.yml without a Docker engine, so a typo fails CI. Given files instead, it
# merges them into one project in order, like `docker compose -f a.yml -f b.yml config`.
# The validator (tools/compose/main.go) is built on compose-go, the loader inside Docker Compose v2,
# and cached per compose-go version and source hash under ~/.cache/lifeboat/, so later runs skip
# the build. Needs Go 1.24+ and the Go module proxy on the first run only.
#   bash tools/check-compose.sh [FILE [OVERRIDE_FILE...]]
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
src="$root/tools/compose"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/lifeboat"

if [ "$#" -eq 0 ]; then
  set -- "$root/docker-compose.yml"
fi

version="$(sed -n 's#.*github.com/compose-spec/compose-go/v2 \(v[^ ]*\).*#\1#p' "$src/go.mod" | head -n 1)"
if [ -z "$version" ]; then
  echo "check-compose: cannot read the compose-go version from $src/go.mod" >&2
  exit 1
fi
# The hash keys the cache on our own source too, so editing main.go rebuilds even at the same version.
hash="$(cat "$src/go.mod" "$src/go.sum" "$src/main.go" | sha256sum | cut -c 1-12)"
bin="$cache/compose-check-$version-$hash/compose-check"

if [ -x "$bin" ]; then
  echo "check-compose: using cached validator $bin"
else
  if ! command -v go >/dev/null 2>&1; then
    echo "check-compose: Go is needed to build the validator (compose-go $version) and was not found on PATH; install Go 1.24 or newer" >&2
    exit 1
  fi
  echo "check-compose: building validator (compose-go $version) into $bin"
  mkdir -p "$(dirname "$bin")"
  tmp="$(mktemp "$(dirname "$bin")/compose-check.XXXXXX")"
  trap 'rm -f "$tmp"' EXIT
  (cd "$src" && go build -trimpath -o "$tmp" .)
  mv -f "$tmp" "$bin" # atomic, so an interrupted build never leaves a half-written cached binary
  trap - EXIT
  # Older builds of this validator are dead weight once the version or source changed.
  find "$cache" -maxdepth 1 -type d -name 'compose-check-*' ! -name "compose-check-$version-$hash" -exec rm -rf {} +
fi

# Required variables (${VAR:?...}) would stop interpolation; CI has no .env, so give placeholders.
export LIFEBOAT_ADMIN_TOKEN="${LIFEBOAT_ADMIN_TOKEN:-placeholder-for-check-compose}"
export LIFEBOAT_SIGNING_KEY="${LIFEBOAT_SIGNING_KEY:-placeholder-signing-key-for-check-compose}"
export LIFEBOAT_EVIDENCE_KEY="${LIFEBOAT_EVIDENCE_KEY:-placeholder-evidence-key-for-check-compose}"

echo "check-compose: validating $*"
if ! "$bin" "$@"; then
  echo "check-compose: FAILED; fix the problems listed above (docs/deployment.md describes the compose file)" >&2
  exit 1
fi
