#!/usr/bin/env bash
# Installs (idempotently) and starts what cardcenter and its tests need on Debian 12 as root:
# the PC/SC stack (pcscd, the vsmartcard-vpcd driver, headers for cgo), tmux for the
# end-to-end screen tests, the sqlite3 CLI for the tests that attack the ledger file as any
# other program would, and PostgreSQL 15 (Debian 12's) for the tests of the PostgreSQL
# ledger: make test starts a throw-away cluster of it (scripts/pg-run.sh).
# Safe to run again: it does nothing when all is in place.
set -euo pipefail
pkgs=(pcscd libpcsclite-dev vsmartcard-vpcd pcsc-tools tmux gcc sqlite3 postgresql-15 postgresql-client-15)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  if [ "$(id -u)" -ne 0 ]; then
    echo "missing packages: ${missing[*]} (run as root: apt-get install -y ${missing[*]})" >&2
    exit 1
  fi
  echo "installing: ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
fi
exec "$(dirname "$0")/pcscd-up.sh"
