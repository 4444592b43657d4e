#!/usr/bin/env bash
# Install the Debian packages the tests and benchmarks use, non-interactively.
# Each file in scripts/system.d/ names what one subsystem needs; this script
# installs what is missing in one apt-get run. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")"

packages=()
for list in system.d/*.list; do
  [ -e "$list" ] || continue
  while read -r pkg _; do
    case "$pkg" in ""|\#*) continue ;; esac
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
      packages+=("$pkg")
    fi
  done < "$list"
done

if [ "${#packages[@]}" -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "install-system: need root to install: ${packages[*]}" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
# never let apt start daemons: the tests start their own private instances
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
  chmod +x /usr/sbin/policy-rc.d
fi
echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
echo "postfix postfix/mailname string mail.test.local" | debconf-set-selections
echo "install-system: installing ${packages[*]}" >&2
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
