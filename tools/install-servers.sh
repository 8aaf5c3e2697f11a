#!/usr/bin/env bash
# Builds the pinned local servers Lifeboat runs on when no external ones are configured:
#   - Temporal CLI v1.5.1 (its `server start-dev` is the Temporal dev server)
#   - FerretDB v1.24.2 (MongoDB wire protocol on SQLite), through the wrapper in tools/ferretdb, with one patch
#     (tools/ferretdb/sqlite-id-index.patch: `{_id}` lookups use the `_id` index)
# Both come from the Go module proxy and are cached per user under ${XDG_CACHE_HOME:-~/.cache}/lifeboat,
# so a second run, a fresh clone and CI on the same machine reuse them at once. Idempotent.
set -euo pipefail

TEMPORAL_VERSION=v1.5.1
FERRETDB_VERSION=v1.24.2
# Lifeboat's build carries tools/ferretdb/sqlite-id-index.patch; bump the label with the patch (servers/binaries.ts too).
FERRETDB_BUILD=$FERRETDB_VERSION-lifeboat.1
GO_MIN_MINOR=24

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache=${LIFEBOAT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/lifeboat}
export DO_NOT_TRACK=1

say() { echo "lifeboat-servers: $*"; }
die() { echo "lifeboat-servers: error: $*" >&2; exit 1; }

need_temporal=1
need_ferretdb=1
[ -n "${TEMPORAL_ADDRESS:-}" ] && need_temporal=0 && say "TEMPORAL_ADDRESS=$TEMPORAL_ADDRESS is set: using that Temporal, not building one"
[ -n "${MONGODB_URI:-}" ] && need_ferretdb=0 && say "MONGODB_URI is set: using that MongoDB, not building FerretDB"
[ $need_temporal = 0 ] && [ $need_ferretdb = 0 ] && exit 0

temporal_bin="$cache/temporal-$TEMPORAL_VERSION/temporal"
ferretdb_dir="$cache/ferretdb-$FERRETDB_BUILD"
ferretdb_bin="$ferretdb_dir/ferretdb"
# The wrapper's source and the patch applied to FerretDB are part of the cache key: editing either rebuilds.
ferretdb_stamp=$(cat "$here/ferretdb/go.mod" "$here/ferretdb/go.sum" "$here/ferretdb/main.go" "$here/ferretdb/sqlite-id-index.patch" | sha256sum | cut -c1-16)

temporal_ok() { [ -x "$temporal_bin" ] && "$temporal_bin" --version >/dev/null 2>&1; }
ferretdb_ok() { [ -x "$ferretdb_bin" ] && [ "$(cat "$ferretdb_dir/stamp" 2>/dev/null)" = "$ferretdb_stamp" ]; }

if { [ $need_temporal = 0 ] || temporal_ok; } && { [ $need_ferretdb = 0 ] || ferretdb_ok; }; then
  [ $need_temporal = 1 ] && say "Temporal CLI $TEMPORAL_VERSION cached at $temporal_bin"
  [ $need_ferretdb = 1 ] && say "FerretDB $FERRETDB_VERSION cached at $ferretdb_bin"
  exit 0
fi

command -v go >/dev/null 2>&1 ||
  die "Go 1.$GO_MIN_MINOR or newer is needed to build the local Temporal and FerretDB servers: install Go (https://go.dev/doc/install or 'apt-get install golang'), or set TEMPORAL_ADDRESS and MONGODB_URI to servers you run."
go_minor=$(go env GOVERSION | sed -E 's/^go1\.([0-9]+).*/\1/')
[ "$go_minor" -ge $GO_MIN_MINOR ] 2>/dev/null ||
  die "Go 1.$GO_MIN_MINOR or newer is needed (found $(go env GOVERSION)): upgrade Go, or set TEMPORAL_ADDRESS and MONGODB_URI to servers you run."

mkdir -p "$cache"
# An interrupted build leaves only its temporary folder behind, never a half-written binary; remove it on exit.
tmp=""
trap '[ -n "$tmp" ] && rm -rf "$tmp"' EXIT

if [ $need_temporal = 1 ] && ! temporal_ok; then
  say "building Temporal CLI $TEMPORAL_VERSION from the Go module proxy (first time only, a few minutes)..."
  tmp=$(mktemp -d "$cache/.temporal.XXXXXX")
  GOBIN="$tmp" go install "github.com/temporalio/cli/cmd/temporal@$TEMPORAL_VERSION" ||
    { rm -rf "$tmp"; die "building Temporal CLI $TEMPORAL_VERSION failed (see the go output above); check that the Go module proxy is reachable."; }
  mkdir -p "$(dirname "$temporal_bin")"
  mv "$tmp/temporal" "$temporal_bin" && rm -rf "$tmp" && tmp=""
  say "Temporal CLI ready at $temporal_bin"
fi

if [ $need_ferretdb = 1 ] && ! ferretdb_ok; then
  say "building FerretDB $FERRETDB_VERSION (SQLite backend) from tools/ferretdb (first time only, a few minutes)..."
  tmp=$(mktemp -d "$cache/.ferretdb.XXXXXX")
  # The module comes from the proxy as usual; a copy of it gets tools/ferretdb/sqlite-id-index.patch (its header
  # says why) and the wrapper is built against that copy through a `replace` in a copy of its go.mod.
  src=$(cd "$here/ferretdb" && go mod download -json "github.com/FerretDB/FerretDB@$FERRETDB_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p') ||
    { rm -rf "$tmp"; die "downloading FerretDB $FERRETDB_VERSION failed (see the go output above); check that the Go module proxy is reachable."; }
  [ -d "$src" ] || { rm -rf "$tmp"; die "the Go module cache has no FerretDB $FERRETDB_VERSION source after download (go mod download printed no Dir)."; }
  cp -R "$src" "$tmp/FerretDB" && chmod -R u+w "$tmp/FerretDB"
  (cd "$tmp/FerretDB" && patch -s -p1 < "$here/ferretdb/sqlite-id-index.patch") ||
    { rm -rf "$tmp"; die "tools/ferretdb/sqlite-id-index.patch does not apply to FerretDB $FERRETDB_VERSION."; }
  mkdir "$tmp/wrapper" && cp "$here/ferretdb/go.mod" "$here/ferretdb/go.sum" "$here/ferretdb/main.go" "$tmp/wrapper/"
  (cd "$tmp/wrapper" && go mod edit -replace "github.com/FerretDB/FerretDB=$tmp/FerretDB" && go build -trimpath -o "$tmp/ferretdb" .) ||
    { rm -rf "$tmp"; die "building FerretDB $FERRETDB_VERSION failed (see the go output above); check that the Go module proxy is reachable."; }
  mkdir -p "$ferretdb_dir"
  mv "$tmp/ferretdb" "$ferretdb_bin" && rm -rf "$tmp" && tmp=""
  echo "$ferretdb_stamp" > "$ferretdb_dir/stamp"
  say "FerretDB ready at $ferretdb_bin"
fi
