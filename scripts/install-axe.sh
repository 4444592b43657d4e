#!/usr/bin/env bash
# Install axe-core (the accessibility checker tests/web/test_a11y.py injects into
# the pages) from the npm registry into tests/web/axe/node_modules, as pinned in
# tests/web/axe/package.json and package-lock.json. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/../tests/web/axe"
if [ -f node_modules/axe-core/axe.min.js ]; then
  exit 0
fi
if ! command -v npm >/dev/null; then
  if [ "$(id -u)" -eq 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q npm
  else
    echo "install-axe: npm is missing (apt-get install npm)" >&2
    exit 1
  fi
fi
if [ -f package-lock.json ]; then
  npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
else
  npm install --no-audit --no-fund --ignore-scripts --loglevel=error
fi
test -f node_modules/axe-core/axe.min.js
