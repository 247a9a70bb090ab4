#!/usr/bin/env bash
# Installs the browser the web UI tests drive: Chromium from Debian's packages.
# Idempotent: does nothing when /usr/bin/chromium is already there. Called by
# `make test` and `make ui-test`; the UI tests fail (not skip) when no browser starts.
set -euo pipefail

BROWSER=/usr/bin/chromium

if [[ -x "$BROWSER" ]]; then
    exit 0
fi

if ! command -v apt-get >/dev/null; then
    echo "install-browser: $BROWSER is missing and apt-get is not available;" \
         "install Chromium by hand" >&2
    exit 1
fi

SUDO=()
if [[ "$(id -u)" != 0 ]]; then
    SUDO=(sudo)
fi

echo "install-browser: installing chromium from the distribution's packages" >&2
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -qq
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
"$BROWSER" --version >&2
