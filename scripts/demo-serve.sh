#!/usr/bin/env bash
# The end of `make demo`: serve the web UI on the demo store, print the URL and a
# sign-in token. Ctrl-C stops it. Everything stays on 127.0.0.1.
#   scripts/demo-serve.sh DEMO_DIR DB_URL [PORT]
set -euo pipefail
cd "$(dirname "$0")/.."

DIR="${1:?usage: demo-serve.sh DEMO_DIR DB_URL [PORT]}"
DB="${2:?usage: demo-serve.sh DEMO_DIR DB_URL [PORT]}"
PORT="${3:-${MAILWARD_PORT:-8700}}"
MW="${MW:-.venv/bin/mailward}"
CONFIG="$DIR/mailward.toml"
export MAILWARD_DATA_DIR="${MAILWARD_DATA_DIR:-$DIR/var}"

TOKEN="$("$MW" token create --role admin --name "demo $(date -u +%Y-%m-%dT%H:%M)" --config "$CONFIG" --db "$DB" 2>/dev/null)"

cat <<MSG

== The web UI
  URL:    http://127.0.0.1:$PORT/
  Token:  $TOKEN
  (an admin API token, stored hashed; sign in with it, or use it as
   'Authorization: Bearer ...' on http://127.0.0.1:$PORT/api/v1 — see /api/docs)
  Ctrl-C stops the server.

MSG
exec "$MW" serve --config "$CONFIG" --db "$DB" --port "$PORT" --log-level warning
