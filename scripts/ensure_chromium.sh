#!/bin/sh
# The browser tests drive the system's Chromium, never a downloaded one (tests/browser/
# harness.py). `make test` and `make test-all` run this first: with CHROMIUM_PATH set, it
# must name an executable; otherwise Debian's /usr/bin/chromium is used, installed here
# when missing if we are root on Debian/Ubuntu (as on a CI machine), else we stop before
# any test runs and print the one command to run.
# Usage: scripts/ensure_chromium.sh [DEFAULT_PATH]   (the tests pass another default)
set -eu
default="${1:-/usr/bin/chromium}"
if [ -n "${CHROMIUM_PATH:-}" ]; then
  if [ -x "$CHROMIUM_PATH" ] && [ -f "$CHROMIUM_PATH" ]; then
    exit 0
  fi
  echo "CHROMIUM_PATH=$CHROMIUM_PATH is not an executable file: point it at a Chrome or" \
       "Chromium executable (e.g. /usr/bin/google-chrome), or unset it to use $default." >&2
  exit 1
fi
[ -x "$default" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "no Chromium at $default: installing Debian's package (apt-get install -y chromium)"
  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium
  [ -x "$default" ] && exit 0
  echo "apt-get installed chromium, but there is still no executable at $default." >&2
  exit 1
fi
echo "no Chromium at $default: the browser tests drive the system's Chromium and never" \
     "download one. Run: sudo apt-get install -y chromium" \
     "(or set CHROMIUM_PATH to a Chrome or Chromium executable), then make test again." >&2
exit 1
