#!/usr/bin/env bash
# `make demo`: generate a fictional parliament's mailboxes (seeded, deterministic),
# scan them, hunt them into a local SQLite store, and show the campaigns and the
# people they targeted. Everything stays on this machine; nothing is fetched.
set -euo pipefail
cd "$(dirname "$0")/.."

DIR="${1:-demo-data}"
MW=".venv/bin/mailward"
export MAILWARD_DATA_DIR="$DIR/var"
CONFIG="$DIR/mailward.toml"
DB="sqlite:///$DIR/var/mailward.db"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "Generating the demo mailboxes in $DIR"
"$MW" demo generate "$DIR" --force
rm -rf "$DIR/var"
mkdir -p "$DIR/var"

step "Scanning every mailbox (mailward scan)"
"$MW" scan --config "$CONFIG" --format table "$DIR/maildir" | grep -Ev '^│ *(clean|tracking) ' || true

step "Retro-hunting the mailboxes into $DIR/var/mailward.db (mailward hunt)"
"$MW" hunt --config "$CONFIG" --db "$DB" "$DIR/maildir"

step "Campaigns found (mailward campaigns)"
"$MW" campaigns --config "$CONFIG" --db "$DB"

step "Who was targeted (mailward targets)"
"$MW" targets --config "$CONFIG" --db "$DB"

cat <<MSG

Also:
  $MW explain $DIR/maildir/<user>/cur/<file>      # why a message got its verdict
  $MW campaigns --config $CONFIG --db $DB show <ID>
  $MW export stix <ID> --config $CONFIG --db $DB
MSG

if [ "${DEMO_SERVE:-1}" = "1" ]; then
  step "Web UI on the demo store (mailward serve; Ctrl-C stops it; DEMO_SERVE=0 skips this)"
  bash scripts/demo-serve.sh "$DIR" "$DB"
fi
