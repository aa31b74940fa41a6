#!/usr/bin/env bash
# The README's test command: every test of the project on a fresh clone. The console's browser tests drive a headless
# Chromium through chromedriver; where either is missing from the PATH, this installs Debian's chromium and
# chromium-driver (as root, or through sudo), then runs the Maven build up to `verify`. Extra arguments go to Maven.
set -euo pipefail
cd "$(dirname "$0")/../.."

have() { command -v "$1" >/dev/null 2>&1; }
# the names ConsoleBrowserTests looks for
browser_found() { have chromium || have chromium-browser || have google-chrome; }

if ! browser_found || ! have chromedriver; then
  echo "== the browser tests need Chromium and chromedriver on the PATH: installing Debian's chromium and chromium-driver"
  if [ "$(id -u)" -eq 0 ]; then
    as_root=()
  elif have sudo; then
    as_root=(sudo)
  else
    as_root=(none)
  fi
  if [ "${as_root[*]}" = none ] || ! have apt-get; then
    echo "Cannot install them here (this needs apt-get and root or sudo). Install Chromium and chromedriver so that" >&2
    echo "'chromium' (or 'chromium-browser', 'google-chrome') and 'chromedriver' are on the PATH, for example:" >&2
    echo "  sudo apt-get install -y chromium chromium-driver" >&2
    echo "then run $0 again." >&2
    exit 1
  fi
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium chromium-driver
fi

exec ./mvnw -B -ntp verify "$@"
