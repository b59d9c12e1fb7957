#!/bin/sh
# `npm test` runs this first: the dashboard's browser tests (test/e2e/) drive a headless Chromium
# through playwright-core, at $CHROMIUM_PATH or Debian's /usr/bin/chromium. When it is missing,
# install it if we can (root with apt-get, as on a fresh CI machine); otherwise stop at once with
# one line that says how, rather than five browser tests failing after a minute of others.
set -eu

browser="${CHROMIUM_PATH:-/usr/bin/chromium}"
[ -x "$browser" ] && exit 0

how="install Debian's chromium (sudo apt-get install -y chromium) or set CHROMIUM_PATH to a Chromium executable"
if [ -n "${CHROMIUM_PATH:-}" ]; then
  echo "npm test: CHROMIUM_PATH=$CHROMIUM_PATH is not an executable; $how" >&2
  exit 1
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "npm test: the dashboard's browser tests need Chromium at $browser; $how" >&2
  exit 1
fi

echo "npm test: installing Debian's chromium for the dashboard's browser tests (apt-get)..." >&2
export DEBIAN_FRONTEND=noninteractive
# Wait for another apt-get holding the lock rather than failing at once.
if ! { apt-get update -qq -o DPkg::Lock::Timeout=300 &&
  apt-get install -y -qq -o DPkg::Lock::Timeout=300 chromium >/dev/null; }; then
  echo "npm test: apt-get could not install chromium (see above); $how" >&2
  exit 1
fi
if [ ! -x "$browser" ]; then
  echo "npm test: apt-get installed chromium but $browser is still missing; $how" >&2
  exit 1
fi
echo "npm test: chromium installed ($("$browser" --version 2>/dev/null || echo "$browser"))" >&2
