#!/usr/bin/env bash
# The browser the console's tests drive: Debian's chromium, installed with apt when missing. Nothing downloads a
# browser build (playwright-core drives the system chromium). LIFEBOAT_CHROMIUM names another binary.
set -euo pipefail
bin="${LIFEBOAT_CHROMIUM:-/usr/bin/chromium}"
if [ -x "$bin" ]; then exit 0; fi
if [ -n "${LIFEBOAT_CHROMIUM:-}" ]; then
  echo "install-browser: LIFEBOAT_CHROMIUM=$bin is not an executable" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null; then
  echo "install-browser: $bin is missing and apt-get is not available; install chromium or set LIFEBOAT_CHROMIUM" >&2
  exit 1
fi
sudo=""
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null; then sudo="sudo"; else
    echo "install-browser: $bin is missing; install it as root: apt-get install -y chromium" >&2
    exit 1
  fi
fi
echo "install-browser: installing chromium with apt-get (once per machine)" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq >&2
$sudo apt-get install -y -qq --no-install-recommends chromium >&2
test -x "$bin"
